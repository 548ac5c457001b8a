"""The centre's information stand (``/stand/{branch_id}``): a vertical screen at the entrance and its
printout. Public, as a stand in the hall is: the only people named are the staff in the substitution
scheme, which the rules post at the entrance.

Kazakh and Russian side by side; ``?lang=en`` shows English beside Kazakh instead of Russian.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from birtereze.branches import service as branches_service
from birtereze.branches import stand
from birtereze.catalog import service as catalog_service
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


@dataclass(frozen=True, slots=True)
class FinderCard:
    id: int
    name: str
    address: str
    phone: str
    latitude: float | None
    longitude: float | None
    open_now: bool
    today: str | None  # "09:00–20:00", or None when closed all day


@router.get("/branches", name="branch_finder")
async def branch_finder(request: Request, session: DbSession, now: Now) -> HTMLResponse:
    """The citizen's branch finder (phones first): every centre with its hours today and its live load,
    a filter by service, and the least crowded centre near the citizen."""
    locale = page_locale(request)
    cards = []
    for branch in await branches_service.list_branches(session):
        hours = await branches_service.list_hours(session, branch_id=branch.id)
        special = await branches_service.list_special_days(session, branch_id=branch.id)
        today = branches_service.hours_on(branches_service.local_now(branch, now).date(), hours, special)
        cards.append(
            FinderCard(
                id=branch.id,
                name=getattr(branch, f"name_{locale}"),
                address=getattr(branch, f"address_{locale}"),
                phone=branch.phone,
                latitude=branch.latitude,
                longitude=branch.longitude,
                open_now=branches_service.is_open(branch.timezone, now, hours, special),
                today=stand.span(*today) if today else None,
            )
        )
    services = sorted(
        (
            (s.id, getattr(s, f"name_{locale}"))
            for s in await catalog_service.list_services(session)
            if s.active
        ),
        key=lambda pair: pair[1].casefold(),
    )
    context = {"cards": sorted(cards, key=lambda card: card.name.casefold()), "services": services}
    return render(request, "branches/finder.html", context, locale=locale)
