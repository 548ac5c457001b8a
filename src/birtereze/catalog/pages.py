"""The public catalogue (kk/ru/en, 360 px first): ``/services`` (search in any language, grouped by life
situation) and ``/services/{code}`` (a service's standard in force, with its fee in tenge today); and the
admin's editor of a standard, ``/admin/services/{service_id}/standard`` (reached with the admin's token
as ``access_token`` in the address, as the other staff pages), whose form posts a new version, and of the
authorised bodies, ``/admin/authorities``.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from birtereze.catalog import service as catalog_service
from birtereze.catalog.api import AUTHORITY_CODE, TIMEZONE, today
from birtereze.catalog.models import ServiceStandard
from birtereze.catalog.schemas import StandardWrite
from birtereze.catalog.situations import LIFE_SITUATIONS, situation_name
from birtereze.citizens.forms import read_form
from birtereze.core.errors import DomainError, NotFound
from birtereze.core.i18n import LOCALES, _l
from birtereze.core.schemas import NamesIn, PathId
from birtereze.staff import service as staff_service
from birtereze.web.deps import AdminOnly, DbSession, Now
from birtereze.web.templating import local_time, page_locale, render

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

PageLocale = Annotated[str, Depends(page_locale)]

CHANNEL_NAMES = {
    "centre": _l("Public Service Centre"),
    "portal": _l("egov.kz portal"),
    "app": _l("eGov mobile app"),
    "video": _l("Video call"),
    "bank": _l("Bank app"),
}
TERM_UNITS = {
    "working_days": _l("{amount} working days"),
    "working_hours": _l("{amount} working hours"),
    "calendar_days": _l("{amount} calendar days"),
}
FORMS = {"electronic": _l("Electronic"), "paper": _l("Paper")}
INVALID_JSON = _l("The standard is not valid JSON: correct it and send it again.")
INVALID_SHAPE = _l("The standard is missing a field or has a wrong value: {fields}.")


@router.get("/services", name="catalog_list")
async def catalog_list(request: Request, session: DbSession, locale: PageLocale) -> HTMLResponse:
    """The catalogue: every service grouped by life situation, filtered by a search in any language."""
    text = request.query_params.get("q", "")[:100]
    situation = request.query_params.get("situation") or None
    if situation is not None and situation not in LIFE_SITUATIONS:
        situation = None
    services = await catalog_service.search(session, text=text, life_situation=situation)
    groups: dict[str, list[Any]] = {}
    for service in services:
        groups.setdefault(service.life_situation, []).append(service)
    order = [*LIFE_SITUATIONS, ""]
    return render(
        request,
        "catalog/list.html",
        {
            "q": text,
            "situation": situation or "",
            "situations": [(code, name.render(locale)) for code, name in LIFE_SITUATIONS.items()],
            "groups": [(situation_name(code, locale), groups[code]) for code in order if code in groups]
            + [(situation_name(code, locale), rows) for code, rows in groups.items() if code not in order],
            "count": len(services),
        },
        locale=locale,
    )


def _view(standard: ServiceStandard, locale: str, fee_kzt: int | None) -> dict[str, Any]:
    return {
        "channels": [CHANNEL_NAMES[c].render(locale) for c in standard.channels if c in CHANNEL_NAMES],
        "term": TERM_UNITS[standard.term_unit].render(locale, amount=standard.term_amount),
        "form": FORMS[standard.form].render(locale),
        "result": standard.text("result", locale),
        "fee_kzt": fee_kzt,
        "fee_payment": standard.text("fee_payment", locale),
        "hours": standard.text("hours", locale),
        "documents": [
            {"name": d["name"].get(locale) or d["name"]["en"], "registry": d.get("registry")}
            for d in standard.documents
        ],
        "grounds": [g.get(locale) or g["en"] for g in standard.refusal_grounds],
        "fields": [
            {
                "title": prop.get("x-title", {}).get(locale) or prop.get("title", name),
                "required": name in standard.form_schema.get("required", []),
            }
            for name, prop in standard.form_schema.get("properties", {}).items()
        ],
    }


@router.get("/services/{code}", name="catalog_service")
async def catalog_service_page(
    code: str, request: Request, session: DbSession, now: Now, locale: PageLocale
) -> HTMLResponse:
    """One service's standard in force, in the reader's language."""
    service = await catalog_service.get_by_code(session, code[:32])
    if service is None or not service.active:
        raise NotFound("Service")
    standard = await catalog_service.current_standard(session, service.id)
    authority = await catalog_service.get_authority(session, standard.authority_code)
    paid_on = today(now)
    return render(
        request,
        "catalog/service.html",
        {
            "service": service,
            "name": getattr(service, f"name_{locale}"),
            "situation": situation_name(service.life_situation, locale),
            "authority": authority.name(locale),
            "standard": standard,
            "view": _view(standard, locale, catalog_service.fee_on(standard, paid_on)),
            "paid_on": paid_on,
        },
        locale=locale,
    )


async def _editor(
    request: Request,
    session: DbSession,
    *,
    service_id: int,
    locale: str,
    text: str | None = None,
    note: str = "",
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    service = await catalog_service.get(session, service_id)
    versions = await catalog_service.standard_versions(session, service_id)
    authors = await staff_service.full_names(session, [v.changed_by for v in versions])
    history = [
        {
            "version": standard,
            "at": local_time(standard.changed_at, str(TIMEZONE), locale),
            "by": authors.get(standard.changed_by or 0, "—"),
            "fields": changed,
        }
        for standard, changed in catalog_service.with_changes(versions)
    ]
    if text is None:
        current: dict[str, Any] = {}
        if versions:
            draft = catalog_service.draft_of(versions[0])
            current = StandardWrite.model_validate(
                {**draft.__dict__, "fee_mrp": draft.fee_mrp, "note": ""}
            ).model_dump(mode="json", exclude={"note"})
        text = json.dumps(current, ensure_ascii=False, indent=2)
    return render(
        request,
        "catalog/edit.html",
        {
            "service": service,
            "name": getattr(service, f"name_{locale}"),
            "history": history,
            "text": text,
            "note": note,
            "error": error,
            "saved": request.query_params.get("saved"),
            "token": request.query_params.get("access_token", ""),
            "authorities": await catalog_service.list_authorities(session, active_only=True),
        },
        locale=locale,
        status_code=status_code,
    )


@router.get("/admin/services/{service_id}/standard", name="catalog_edit")
async def catalog_edit(
    service_id: PathId, request: Request, session: DbSession, admin: AdminOnly, locale: PageLocale
) -> HTMLResponse:
    """The editor: the current version as JSON, to change and post as the next version; the history."""
    return await _editor(request, session, service_id=service_id, locale=locale)


@router.post("/admin/services/{service_id}/standard", name="catalog_edit_post")
async def catalog_edit_post(
    service_id: PathId, request: Request, session: DbSession, now: Now, admin: AdminOnly, locale: PageLocale
) -> Response:
    """Record the posted standard as a new version; a refusal comes back on the form with the reason."""
    await catalog_service.get(session, service_id)
    fields = await read_form(request)
    text, note = fields.get("standard", ""), fields.get("note", "")[:500]
    try:
        body = StandardWrite.model_validate({**json.loads(text), "note": note})
        await catalog_service.add_standard(
            session, service_id=service_id, draft=body.draft(), now=now, changed_by=admin.staff_id, note=note
        )
    except (json.JSONDecodeError, TypeError):
        error = INVALID_JSON.render(locale)
    except ValidationError as invalid:
        names = sorted({".".join(str(part) for part in e["loc"]) for e in invalid.errors()})
        error = INVALID_SHAPE.render(locale, fields=", ".join(names[:5]))
    except DomainError as refused:
        error = refused.detail(locale)
    else:
        query = urlencode(
            {"saved": 1, "lang": locale, "access_token": request.query_params.get("access_token", "")}
        )
        return RedirectResponse(f"{request.url.path}?{query}", status_code=303)
    return await _editor(
        request,
        session,
        service_id=service_id,
        locale=locale,
        text=text,
        note=note,
        error=error,
        status_code=400,
    )


# --- the authorised bodies ---------------------------------------------------------------------------

INVALID_AUTHORITY = _l(
    "Give the body a code of capital Latin letters, digits and underscores (2 to 32, a letter first) "
    "and its name in Kazakh, Russian and English."
)


async def _authorities(
    request: Request,
    session: DbSession,
    locale: str,
    *,
    posted: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    authorities = await catalog_service.list_authorities(session)
    # What was posted and refused comes back in the form it came from: a known body's own, or the one to
    # add a body (which also answers for a code that exists already).
    posted = posted or {}
    code = posted.get("code", "").strip().upper()
    edited = code if code in {a.code for a in authorities} and posted.get("new") != "1" else ""
    return render(
        request,
        "catalog/authorities.html",
        {
            "authorities": authorities,
            "posted": posted,
            "edited": edited,
            "error": error,
            "saved": request.query_params.get("saved", ""),
            "token": request.query_params.get("access_token", ""),
        },
        locale=locale,
        status_code=status_code,
    )


@router.get("/admin/authorities", name="catalog_authorities")
async def catalog_authorities(
    request: Request, session: DbSession, admin: AdminOnly, locale: PageLocale
) -> HTMLResponse:
    """The authorised bodies: each one's names and whether it is on, and a form to add one."""
    return await _authorities(request, session, locale)


@router.post("/admin/authorities", name="catalog_authorities_post")
async def catalog_authorities_post(
    request: Request, session: DbSession, admin: AdminOnly, locale: PageLocale
) -> Response:
    """Add a body, or change one (``putAuthority``'s rules); a refusal comes back on the form."""
    fields = await read_form(request)
    code = fields.get("code", "").strip().upper()
    try:
        if re.fullmatch(AUTHORITY_CODE, code) is None:
            raise ValueError(code)
        names = NamesIn.model_validate({lang: fields.get(f"name_{lang}", "").strip() for lang in LOCALES})
        await catalog_service.save_authority(
            session,
            code=code,
            names=names.model_dump(),
            active=fields.get("active") == "on",
            new=fields.get("new") == "1",
            staff_id=admin.staff_id,
        )
    except (ValueError, ValidationError):
        error = INVALID_AUTHORITY.render(locale)
    except DomainError as refused:
        error = refused.detail(locale)
    else:
        query = urlencode(
            {"saved": code, "lang": locale, "access_token": request.query_params.get("access_token", "")}
        )
        return RedirectResponse(f"{request.url.path}?{query}#{code}", status_code=303)
    return await _authorities(request, session, locale, posted=fields, error=error, status_code=400)
