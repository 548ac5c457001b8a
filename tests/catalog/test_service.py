"""The catalogue's domain logic: versioned standards, the authorised bodies, fees in tenge by the MRP of
the day of payment, search in any language, and the demo seed (every service the mission names)."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from birtereze import demo
from birtereze.catalog import errors
from birtereze.catalog import service as catalog_service
from birtereze.catalog.models import Service
from birtereze.core.clock import ManualClock
from birtereze.demo.catalog import STANDARDS
from tests.catalog.conftest import seed_authorities
from tests.conftest import START

# The services the mission names (issue 5), by their demo code.
MISSION = {
    "00100001": "unemployment benefit",
    "00100002": "pregnancy and maternity benefit",
    "00100003": "childbirth benefit",
    "00100004": "child-care benefit to age one",
    "00200001": "civil-registry certificate copies",
    "00200004": "education-document duplicates",
    "00200005": "no-criminal-record certificate",
    "00200006": "real-estate certificate",
    "00200007": "pension-contributions certificate",
    "00200010": "deregistration from a residence address",
    "00200011": "EDS issue",
    "00400001": "vehicle registration",
    "00400002": "vehicle deregistration",
    "00500001": "individual-entrepreneur registration",
    "00500002": "real-estate registration",
}


async def a_service(session: AsyncSession, code: str = "00400001") -> Service:
    await seed_authorities(session)
    return await catalog_service.create(
        session,
        code=code,
        names={"kk": "Көлік", "ru": "Транспорт", "en": "Vehicle"},
        life_situation="vehicle",
    )


async def test_the_current_standard_is_the_latest_version_and_the_old_ones_stay(
    session: AsyncSession, clock: ManualClock
) -> None:
    service = await a_service(session)
    with pytest.raises(errors.StandardNotFound):
        await catalog_service.current_standard(session, service.id)
    first = await catalog_service.add_standard(
        session, service_id=service.id, draft=STANDARDS["00400001"], now=clock.now()
    )
    changed = dataclasses.replace(STANDARDS["00400001"], term_amount=5, channels=["portal", "centre"])
    second = await catalog_service.add_standard(
        session, service_id=service.id, draft=changed, now=clock.now(), changed_by=None, note="longer"
    )
    assert (first.version, second.version) == (1, 2)
    current = await catalog_service.current_standard(session, service.id)
    assert current.id == second.id and current.term_amount == 5
    assert current.channels == ["centre", "portal"]  # kept in the canonical order
    assert [s.version for s in await catalog_service.standard_versions(session, service.id)] == [2, 1]
    assert (await catalog_service.standard_version(session, service.id, 1)).term_amount == 1
    assert (await catalog_service.current_standards(session, [service.id]))[service.id].version == 2
    assert catalog_service.draft_of(first) == STANDARDS["00400001"]


async def test_it_finds_an_authority_by_code(session: AsyncSession) -> None:
    await seed_authorities(session)
    assert (
        (await catalog_service.get_authority(session, "MVD")).name("ru").startswith("Министерство внутренних")
    )
    with pytest.raises(errors.AuthorityNotFound):
        await catalog_service.get_authority(session, "NOBODY")


async def test_an_inactive_authority_cannot_be_named(session: AsyncSession, clock: ManualClock) -> None:
    service = await a_service(session)
    await catalog_service.create_authority(
        session, code="OLD", names={"kk": "Ескі", "ru": "Старый", "en": "Old"}, active=False
    )
    draft = dataclasses.replace(STANDARDS["00400001"], authority_code="OLD")
    with pytest.raises(errors.UnknownAuthority):
        await catalog_service.add_standard(session, service_id=service.id, draft=draft, now=clock.now())


@pytest.mark.parametrize(
    ("code", "paid_on", "kzt"),
    [
        # The mission's vehicle fees in 2022 (MRP 3,063 KZT for fees all year).
        ("00400001", date(2022, 6, 1), 766),  # registration, 0.25 MRP
        ("00400004", date(2022, 6, 1), 3829),  # registration certificate, 1.25 MRP
        ("00400005", date(2022, 6, 1), 8576),  # number plates, 2.8 MRP
        ("00400005", date(2026, 11, 27), 12110),  # 2.8 x 4,325
        ("00200003", date(2026, 11, 27), 3450),  # marriage: fixed tenge since 10.03.2026
        ("00100003", date(2026, 11, 27), 0),  # childbirth benefit: free
    ],
)
async def test_it_computes_the_fee_in_tenge_on_the_day_of_payment(
    session: AsyncSession, clock: ManualClock, code: str, paid_on: date, kzt: int
) -> None:
    service = await a_service(session, code)
    standard = await catalog_service.add_standard(
        session, service_id=service.id, draft=STANDARDS[code], now=clock.now()
    )
    assert catalog_service.fee_on(standard, paid_on) == kzt


def test_it_refuses_inconsistent_drafts() -> None:
    draft = STANDARDS["00400001"]
    for wrong, error in (
        (dataclasses.replace(draft, channels=[]), errors.InvalidChannels),
        (dataclasses.replace(draft, term_amount=0), errors.InvalidTerm),
        (dataclasses.replace(draft, form="fax"), errors.InvalidForm),
        (dataclasses.replace(draft, fee_kind="mrp", fee_mrp=None), errors.InvalidFee),
        (dataclasses.replace(draft, result={"kk": "", "ru": "x", "en": "x"}), errors.InvalidTexts),
        (dataclasses.replace(draft, refusal_grounds=[{"en": "x"}]), errors.InvalidTexts),
        (
            dataclasses.replace(draft, documents=[{"code": "a", "name": {}, "registry": None}]),
            errors.InvalidDocuments,
        ),
        (dataclasses.replace(draft, form_schema={"type": "array"}), errors.InvalidFormSchema),
    ):
        with pytest.raises(error):
            catalog_service.validate(wrong)
    enum = {"type": "string", "title": "X", "x-title": {"kk": "X", "ru": "X", "en": "X"}, "enum": ["a"]}
    with pytest.raises(errors.InvalidFormSchema):
        catalog_service.validate_form_schema({"type": "object", "properties": {"x": enum}})
    bad_pattern = enum | {"enum": None, "pattern": "("}
    del bad_pattern["enum"]
    with pytest.raises(errors.InvalidFormSchema):
        catalog_service.validate_form_schema({"type": "object", "properties": {"x": bad_pattern}})


async def test_it_searches_in_any_language_and_by_life_situation(session: AsyncSession) -> None:
    await demo.load(session, now=START)
    for text in ("тіркеу", "РЕГИСТРАЦИЯ", "vehicle", "00400001"):
        found = {s.code for s in await catalog_service.search(session, text=text)}
        assert "00400001" in found, text
    family = await catalog_service.search(session, life_situation="family")
    assert {"00100003", "00100004"} <= {s.code for s in family}
    assert all(s.life_situation == "family" for s in family)
    assert not await catalog_service.search(session, text="no such service")


async def test_the_demo_seeds_a_realistic_standard_for_every_service_the_mission_names(
    session: AsyncSession,
) -> None:
    await demo.load(session, now=START)
    services = {s.code: s for s in await catalog_service.list_services(session)}
    standards = await catalog_service.current_standards(session, [s.id for s in services.values()])
    assert len(standards) >= 24
    seeded = {code for code, s in services.items() if s.id in standards}
    assert set(MISSION) <= seeded, set(MISSION) - seeded
    for code in seeded:
        standard = standards[services[code].id]
        fields = standard.form_schema["properties"]
        assert 1 <= len(fields) <= 6, code
        assert standard.result_kk and standard.result_ru and standard.result_en, code
        assert (await catalog_service.get_authority(session, standard.authority_code)).active
    child_benefits = ("00100002", "00100003", "00100004")
    assert all(standards[services[code].id].extraterritorial for code in child_benefits)
    civil = standards[services["00200001"].id]
    assert civil.fee_kind == "kzt" and civil.fee_mrp is None
    assert standards[services["00400001"].id].fee_mrp == Decimal("0.25")
