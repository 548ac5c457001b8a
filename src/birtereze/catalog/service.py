"""Catalogue domain logic: services, outcomes, authorised bodies and the versioned service standards.

A standard is never changed in place: ``add_standard`` appends a new version (who, when, why), and the
current standard of a service is its highest version. The version rows are the standard's audit trail.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import structlog
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.catalog import errors
from birtereze.catalog.models import (
    CHANNELS,
    FEE_KINDS,
    FORMS,
    REGISTRIES,
    TERM_UNITS,
    Authority,
    Outcome,
    Service,
    ServiceStandard,
)
from birtereze.core.errors import AlreadyExists, NotFound
from birtereze.core.i18n import LOCALES
from birtereze.kz import mrp

log = structlog.get_logger(__name__)

_FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_FIELD_TYPES = ("string", "integer", "number", "boolean")


async def get(session: AsyncSession, service_id: int) -> Service:
    service = await session.get(Service, service_id)
    if service is None:
        raise NotFound("Service")
    return service


async def get_by_code(session: AsyncSession, code: str) -> Service | None:
    return (await session.execute(select(Service).where(Service.code == code))).scalar_one_or_none()


async def list_services(session: AsyncSession, *, ids: Sequence[int] | None = None) -> Sequence[Service]:
    statement = select(Service).where(Service.active.is_(True)).order_by(Service.code)
    if ids is not None:
        statement = statement.where(Service.id.in_(ids))
    return (await session.execute(statement)).scalars().all()


async def search(
    session: AsyncSession, *, text: str = "", life_situation: str | None = None
) -> Sequence[Service]:
    """Active services whose code or name in any language contains ``text`` (case-insensitive), in the
    given life situation if one is named."""
    statement = select(Service).where(Service.active.is_(True)).order_by(Service.code)
    if life_situation is not None:
        statement = statement.where(Service.life_situation == life_situation)
    services = (await session.execute(statement)).scalars().all()
    needle = text.strip().casefold()
    if not needle:
        return services
    # Filtered here rather than in SQL: SQLite's lower() only folds ASCII, and the names are Cyrillic.
    return [
        service
        for service in services
        if any(
            needle in value.casefold()
            for value in (service.code, service.name_kk, service.name_ru, service.name_en)
        )
    ]


async def list_outcomes(session: AsyncSession, *, service_id: int | None = None) -> Sequence[Outcome]:
    statement = select(Outcome).order_by(Outcome.code)
    if service_id is not None:
        statement = statement.where((Outcome.service_id.is_(None)) | (Outcome.service_id == service_id))
    return (await session.execute(statement)).scalars().all()


async def create(session: AsyncSession, *, code: str, names: dict[str, str], **fields: object) -> Service:
    service = Service(code=code, name_kk=names["kk"], name_ru=names["ru"], name_en=names["en"], **fields)
    session.add(service)
    await session.flush()
    return service


async def create_outcome(
    session: AsyncSession, *, code: str, names: dict[str, str], service_id: int | None = None
) -> Outcome:
    outcome = Outcome(
        code=code, service_id=service_id, name_kk=names["kk"], name_ru=names["ru"], name_en=names["en"]
    )
    session.add(outcome)
    await session.flush()
    return outcome


# --- authorised bodies -------------------------------------------------------------------------------


async def get_authority(session: AsyncSession, code: str) -> Authority:
    """The authorised body with this code (NotFound if none)."""
    authority = (await session.execute(select(Authority).where(Authority.code == code))).scalar_one_or_none()
    if authority is None:
        raise errors.AuthorityNotFound()
    return authority


async def list_authorities(session: AsyncSession, *, active_only: bool = False) -> Sequence[Authority]:
    statement = select(Authority).order_by(Authority.code)
    if active_only:
        statement = statement.where(Authority.active.is_(True))
    return (await session.execute(statement)).scalars().all()


async def create_authority(
    session: AsyncSession, *, code: str, names: dict[str, str], active: bool = True
) -> Authority:
    authority = Authority(
        code=code, name_kk=names["kk"], name_ru=names["ru"], name_en=names["en"], active=active
    )
    session.add(authority)
    await session.flush()
    return authority


async def save_authority(
    session: AsyncSession,
    *,
    code: str,
    names: dict[str, str],
    active: bool,
    new: bool = False,
    staff_id: int | None = None,
) -> tuple[Authority, bool]:
    """Add the authorised body with this code, or rename it and turn it on or off; True when added.
    With ``new``, a body that has the code already is refused (``AlreadyExists``), not changed.

    A body cannot be turned off while the standard in force of a service names it: its applications
    would have nowhere to go. Change those standards first."""
    authority = (
        await session.execute(select(Authority).where(Authority.code == code).with_for_update())
    ).scalar_one_or_none()
    if authority is None:
        log.info("catalog.authority_added", code=code, active=active, staff_id=staff_id)
        return await create_authority(session, code=code, names=names, active=active), True
    if new:
        raise AlreadyExists("Authority")
    if authority.active and not active:
        latest = (
            select(ServiceStandard.service_id, func.max(ServiceStandard.version).label("version"))
            .group_by(ServiceStandard.service_id)
            .subquery()
        )
        using = await session.scalar(
            select(func.count())
            .select_from(ServiceStandard)
            .join(
                latest,
                (ServiceStandard.service_id == latest.c.service_id)
                & (ServiceStandard.version == latest.c.version),
            )
            .where(ServiceStandard.authority_code == code)
        )
        if using:
            raise errors.AuthorityInUse(count=using)
    for locale in LOCALES:
        setattr(authority, f"name_{locale}", names[locale])
    log.info(
        "catalog.authority_changed", code=code, active=active, was_active=authority.active, staff_id=staff_id
    )
    authority.active = active
    await session.flush()
    return authority, False


# --- standards ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StandardDraft:
    """The content of one version of a service standard (what ``add_standard`` records)."""

    authority_code: str
    channels: list[str]
    term_amount: int
    term_unit: str
    form: str
    result: dict[str, str]
    fee_kind: str = "free"
    fee_mrp: Decimal | None = None
    fee_kzt: int | None = None
    fee_payment: dict[str, str] = field(default_factory=lambda: {"kk": "", "ru": "", "en": ""})
    documents: list[dict[str, Any]] = field(default_factory=list)
    refusal_grounds: list[dict[str, str]] = field(default_factory=list)
    hours: dict[str, str] = field(default_factory=lambda: {"kk": "", "ru": "", "en": ""})
    extraterritorial: bool = False
    form_schema: dict[str, Any] = field(default_factory=lambda: {"type": "object", "properties": {}})


async def current_standard(session: AsyncSession, service_id: int) -> ServiceStandard:
    """The service's standard in force: its highest version (NotFound if it has none)."""
    standard = (
        await session.execute(
            select(ServiceStandard)
            .where(ServiceStandard.service_id == service_id)
            .order_by(ServiceStandard.version.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    if standard is None:
        raise errors.StandardNotFound()
    return standard


async def current_standards(session: AsyncSession, service_ids: Sequence[int]) -> dict[int, ServiceStandard]:
    """The current standard of each of these services that has one."""
    if not service_ids:
        return {}
    latest = (
        select(ServiceStandard.service_id, func.max(ServiceStandard.version).label("version"))
        .where(ServiceStandard.service_id.in_(service_ids))
        .group_by(ServiceStandard.service_id)
        .subquery()
    )
    rows = (
        await session.execute(
            select(ServiceStandard).join(
                latest,
                (ServiceStandard.service_id == latest.c.service_id)
                & (ServiceStandard.version == latest.c.version),
            )
        )
    ).scalars()
    return {standard.service_id: standard for standard in rows}


async def standard_versions(session: AsyncSession, service_id: int) -> Sequence[ServiceStandard]:
    """Every version of the service's standard, newest first (NotFound if the service does not exist)."""
    await get(session, service_id)
    statement = (
        select(ServiceStandard)
        .where(ServiceStandard.service_id == service_id)
        .order_by(ServiceStandard.version.desc())
    )
    return (await session.execute(statement)).scalars().all()


async def standard_version(session: AsyncSession, service_id: int, version: int) -> ServiceStandard:
    standard = (
        await session.execute(
            select(ServiceStandard).where(
                ServiceStandard.service_id == service_id, ServiceStandard.version == version
            )
        )
    ).scalar_one_or_none()
    if standard is None:
        raise errors.StandardVersionNotFound()
    return standard


async def add_standard(
    session: AsyncSession,
    *,
    service_id: int,
    draft: StandardDraft,
    now: datetime,
    changed_by: int | None = None,
    note: str = "",
) -> ServiceStandard:
    """Record a new version of the service's standard (validated), numbered after the latest one."""
    await get(session, service_id)
    validate(draft)
    # Read with a share lock (PostgreSQL): a body being turned off meanwhile waits, then sees this version.
    authority = (
        await session.execute(
            select(Authority).where(Authority.code == draft.authority_code).with_for_update(read=True)
        )
    ).scalar_one_or_none()
    if authority is None or not authority.active:
        raise errors.UnknownAuthority(code=draft.authority_code)
    latest = (
        await session.execute(
            select(func.max(ServiceStandard.version)).where(ServiceStandard.service_id == service_id)
        )
    ).scalar_one()
    data = asdict(draft)
    standard = ServiceStandard(
        service_id=service_id,
        version=(latest or 0) + 1,
        changed_at=now,
        changed_by=changed_by,
        note=note.strip()[:500],
        authority_code=draft.authority_code,
        channels=[channel for channel in CHANNELS if channel in draft.channels],
        term_amount=draft.term_amount,
        term_unit=draft.term_unit,
        form=draft.form,
        fee_kind=draft.fee_kind,
        fee_mrp=draft.fee_mrp if draft.fee_kind == "mrp" else None,
        fee_kzt=draft.fee_kzt if draft.fee_kind == "kzt" else None,
        documents=data["documents"],
        refusal_grounds=data["refusal_grounds"],
        extraterritorial=draft.extraterritorial,
        form_schema=data["form_schema"],
        **{
            f"{name}_{locale}": getattr(draft, name)[locale]
            for name in ("result", "fee_payment", "hours")
            for locale in LOCALES
        },
    )
    session.add(standard)
    await session.flush()
    return standard


def fee_on(standard: ServiceStandard, day: date) -> int | None:
    """What the service costs in tenge if paid on ``day``: MRP fees use the MRP in force that day; None
    when that day's MRP is not known yet (a new year's, before the project's table has it)."""
    if standard.fee_kind == "mrp" and standard.fee_mrp is not None:
        try:
            return mrp.fee_kzt(Decimal(standard.fee_mrp), paid_on=day)
        except mrp.MrpNotKnownError:
            log.warning("catalog.mrp_unknown", day=day.isoformat())
            return None
    if standard.fee_kind == "kzt" and standard.fee_kzt is not None:
        return standard.fee_kzt
    return 0


def changed_fields(older: ServiceStandard | None, newer: ServiceStandard) -> list[str]:
    """What a version changed from the one before it: the names of the ``StandardDraft`` fields that
    differ (none for a first version)."""
    if older is None:
        return []
    before, after = asdict(draft_of(older)), asdict(draft_of(newer))
    return [name for name in after if after[name] != before[name]]


def with_changes(versions: Sequence[ServiceStandard]) -> list[tuple[ServiceStandard, list[str]]]:
    """Versions newest first (as ``standard_versions`` gives them), each with what it changed."""
    older: list[ServiceStandard | None] = [*versions[1:], None]
    return [(standard, changed_fields(older[i], standard)) for i, standard in enumerate(versions)]


def draft_of(standard: ServiceStandard) -> StandardDraft:
    """The content of a recorded version, e.g. as the starting point of the next one."""

    def texts(name: str) -> dict[str, str]:
        return {locale: str(getattr(standard, f"{name}_{locale}")) for locale in LOCALES}

    return StandardDraft(
        authority_code=standard.authority_code,
        channels=list(standard.channels),
        term_amount=standard.term_amount,
        term_unit=standard.term_unit,
        form=standard.form,
        result=texts("result"),
        fee_kind=standard.fee_kind,
        fee_mrp=Decimal(standard.fee_mrp) if standard.fee_mrp is not None else None,
        fee_kzt=standard.fee_kzt,
        fee_payment=texts("fee_payment"),
        documents=list(standard.documents),
        refusal_grounds=list(standard.refusal_grounds),
        hours=texts("hours"),
        extraterritorial=standard.extraterritorial,
        form_schema=dict(standard.form_schema),
    )


# --- validation --------------------------------------------------------------------------------------


def _trilingual(value: object) -> bool:
    return isinstance(value, dict) and all(
        isinstance(value.get(locale), str) and value[locale].strip() for locale in LOCALES
    )


def validate(draft: StandardDraft) -> None:
    """Refuse a standard that is not consistent, with a translated reason."""
    if not draft.channels or any(channel not in CHANNELS for channel in draft.channels):
        raise errors.InvalidChannels()
    if draft.term_unit not in TERM_UNITS or draft.term_amount < 1 or draft.term_amount > 10_000:
        raise errors.InvalidTerm()
    if draft.form not in FORMS:
        raise errors.InvalidForm()
    if not _trilingual(draft.result):
        raise errors.InvalidTexts(field="result")
    _validate_fee(draft)
    codes = [document.get("code") for document in draft.documents]
    if len(set(codes)) != len(codes) or not all(
        isinstance(code, str)
        and _FIELD_NAME.match(code)
        and _trilingual(document.get("name"))
        and document.get("registry") in (None, *REGISTRIES)
        for code, document in zip(codes, draft.documents, strict=True)
    ):
        raise errors.InvalidDocuments()
    if not all(_trilingual(ground) for ground in draft.refusal_grounds):
        raise errors.InvalidTexts(field="grounds for refusal")
    validate_form_schema(draft.form_schema)


def _validate_fee(draft: StandardDraft) -> None:
    if draft.fee_kind not in FEE_KINDS:
        raise errors.InvalidFee()
    if draft.fee_kind == "free" and (draft.fee_mrp or draft.fee_kzt):
        raise errors.InvalidFee()
    if draft.fee_kind == "mrp" and (
        draft.fee_mrp is None
        or not Decimal(0) < draft.fee_mrp <= Decimal(10_000)
        or draft.fee_mrp != draft.fee_mrp.quantize(Decimal("0.001"))  # the law's multiples: 0.25, 2.8…
    ):
        raise errors.InvalidFee()
    if draft.fee_kind == "kzt" and (draft.fee_kzt is None or not 0 < draft.fee_kzt <= 100_000_000):
        raise errors.InvalidFee()


def validate_form_schema(schema: dict[str, Any]) -> None:
    """Check that an application form is the JSON Schema subset the applications domain renders."""
    properties = schema.get("properties")
    if schema.get("type") != "object" or not isinstance(properties, dict):
        raise errors.InvalidFormSchema(reason="it must be an object schema with properties.")
    for name, prop in properties.items():
        if not isinstance(name, str) or not _FIELD_NAME.match(name):
            raise errors.InvalidFormSchema(reason="a field's name must be letters, digits and underscores.")
        if (
            not isinstance(prop, dict)
            or not isinstance(prop.get("title"), str)
            or not _trilingual(prop.get("x-title"))
        ):
            raise errors.InvalidFormSchema(
                reason="each field needs a title and titles in Kazakh, Russian and English."
            )
        if prop.get("type") not in _FIELD_TYPES:
            raise errors.InvalidFormSchema(
                reason="a field's type must be string, integer, number or boolean."
            )
        if "pattern" in prop:
            try:
                re.compile(str(prop["pattern"]))
            except re.error:
                raise errors.InvalidFormSchema(
                    reason="a pattern is not a valid regular expression."
                ) from None
        if "enum" in prop:
            titles = prop.get("x-enum-titles", {})
            if (
                not isinstance(prop["enum"], list)
                or not isinstance(titles, dict)
                or not all(_trilingual(titles.get(str(value))) for value in prop["enum"])
            ):
                raise errors.InvalidFormSchema(
                    reason="each choice of a list needs titles in Kazakh, Russian and English."
                )
    required = schema.get("required", [])
    if not isinstance(required, list) or any(
        not isinstance(name, str) or name not in properties for name in required
    ):
        raise errors.InvalidFormSchema(reason="a required field is not among the properties.")
