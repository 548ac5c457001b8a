"""The centre's information stand (``/stand/{branch_id}``): a vertical screen at the entrance and its
printout. Public, as a stand in the hall is: the only people named are the staff in the substitution
scheme, which the rules post at the entrance.

Kazakh and Russian side by side; ``?lang=en`` shows English beside Kazakh instead of Russian.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from birtereze.branches import stand
from birtereze.core.errors import NotFound
from birtereze.core.schemas import PathId
from birtereze.web.deps import DbSession, Now
from birtereze.web.templating import page_locale, render

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)


@router.get("/stand/{branch_id}", name="information_stand")
async def information_stand(
    branch_id: PathId, request: Request, session: DbSession, now: Now
) -> HTMLResponse:
    """The stand: rules, services with their standards, hours, today's substitution scheme and the
    video-surveillance notice; it turns its sections and reloads its data by itself."""
    languages = stand.languages_for(request.query_params.get("lang"))
    try:
        view = await stand.load(session, branch_id=branch_id, now=now, languages=languages)
    except NotFound:
        locale = page_locale(request)
        return render(request, "branches/stand_not_found.html", {}, locale=locale, status_code=404)
    context = {
        "stand": view,
        "texts": stand,
        "languages": languages,
        "rotate_s": stand.ROTATE_S,
        "refresh_s": stand.REFRESH_S,
    }
    # The page's own language (its few single-language words): English when asked for, else Kazakh.
    locale = "en" if languages == stand.WITH_ENGLISH else "kk"
    return render(request, "branches/stand.html", context, locale=locale)
