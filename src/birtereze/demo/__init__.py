"""Demo data: four centres of the mission (Turkestan Digital PSC, Astana, a vehicle PSC, a mobile PSC),
the starter catalogue, work profiles, routing rules and staff accounts. Real data through real services.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.branches import service as branches_service
from birtereze.branches.models import Branch
from birtereze.catalog import service as catalog_service
from birtereze.catalog.models import Service
from birtereze.core.clock import SystemClock
from birtereze.core.db import create_engine, session_factory, unit_of_work
from birtereze.demo.catalog import (
    AUTHORITIES,
    LIFE_SITUATION_OF,
    OUTCOMES,
    PRIORITIES,
    QUEUES,
    SERVICES,
    STANDARDS,
    ZONES,
)
from birtereze.queue import service as queue_service
from birtereze.staff import service as staff_service

DEMO_PASSWORD = "birtereze-demo"  # noqa: S105 - printed by `make run`; demo only
WEEKDAYS = {day: (time(9), time(20)) for day in range(1, 6)} | {6: (time(9), time(13))}


def _names(triple: tuple[str, str, str]) -> dict[str, str]:
    return {"kk": triple[0], "ru": triple[1], "en": triple[2]}


@dataclass(frozen=True)
class BranchPlan:
    code: str
    type: str
    names: tuple[str, str, str]
    address: tuple[str, str, str]
    latitude: float
    longitude: float
    phone: str
    # window number -> (zone code, work profile code, accessible)
    windows: dict[int, tuple[str, str, bool]]
    queue_groups: tuple[str, ...]


PROFILES = {
    "all": (
        "longest_wait",
        ("priority", "general", "social", "fast", "passport", "issue", "self", "vehicle"),
    ),
    "priority": ("strict_order", ("priority", "social", "general", "fast", "passport", "issue", "vehicle")),
    "general": ("longest_wait", ("general", "social")),
    "social": ("strict_order", ("social", "general")),
    "fast": ("weighted", ("fast", "general")),
    "passport": ("strict_order", ("passport", "general")),
    "issue": ("strict_order", ("issue", "fast")),
    "self": ("longest_wait", ("self",)),
    "vehicle": ("longest_wait", ("vehicle", "general")),
}
PROFILE_NAMES = {
    "all": ("Барлық кезектер", "Все очереди", "All queues"),
    "priority": ("Кезектен тыс және әлеуметтік", "Вне очереди и социальные", "Priority and social"),
    "general": ("Жалпы қызметтер", "Общие услуги", "General services"),
    "social": ("Әлеуметтік төлемдер", "Социальные выплаты", "Social benefits"),
    "fast": ("Жедел қызметтер", "Быстрые услуги", "Fast services"),
    "passport": ("Құжаттандыру", "Документирование", "Passports and IDs"),
    "issue": ("Құжаттарды беру", "Выдача документов", "Issue of documents"),
    "self": ("Өзіне-өзі қызмет көрсету", "Самообслуживание", "Self-service"),
    "vehicle": ("Көлік құралдары", "Транспортные средства", "Vehicles"),
}

BRANCHES = [
    BranchPlan(
        code="TRK-DIGITAL",
        type="digital",
        names=("Түркістан қаласының Цифрлық ХҚО", "Цифровой ЦОН города Туркестан", "Turkestan Digital PSC"),
        address=("Түркістан қ., Төле би көшесі", "г. Туркестан, улица Толе би", "Tole Bi street, Turkestan"),
        latitude=43.2973,
        longitude=68.2517,
        phone="1414",
        windows={
            1: ("comfort", "priority", True),
            2: ("reception", "general", False),
            3: ("reception", "general", False),
            4: ("reception", "all", False),
            5: ("result", "social", False),
            6: ("result", "social", False),
            7: ("fast", "fast", False),
            8: ("fast", "fast", False),
            9: ("passport_id", "passport", False),
            10: ("passport_id", "passport", False),
            11: ("issue", "issue", False),
            12: ("self_service", "self", False),
        },
        queue_groups=("general", "social", "fast", "passport", "issue", "self", "priority"),
    ),
    BranchPlan(
        code="AST-ESIL",
        type="standard",
        names=("Астана қ. Есіл ауданының ХҚО", "ЦОН района Есиль города Астаны", "Astana Yesil District PSC"),
        address=(
            "Астана қ., Мәңгілік Ел даңғылы",
            "г. Астана, проспект Мангилик Ел",
            "Mangilik El avenue, Astana",
        ),
        latitude=51.0906,
        longitude=71.4183,
        phone="1414",
        windows={
            1: ("reception", "priority", True),
            2: ("reception", "general", False),
            3: ("reception", "general", False),
            4: ("result", "social", False),
            5: ("fast", "fast", False),
            6: ("passport_id", "passport", False),
            7: ("issue", "issue", False),
            8: ("reception", "all", False),
        },
        queue_groups=("general", "social", "fast", "passport", "issue", "priority"),
    ),
    BranchPlan(
        code="ALA-AUTO",
        type="vehicle",
        names=("Алматы қ. автоХҚО", "Специализированный автоЦОН города Алматы", "Almaty Vehicle PSC"),
        address=("Алматы қ., Рысқұлов даңғылы", "г. Алматы, проспект Рыскулова", "Ryskulov avenue, Almaty"),
        latitude=43.2733,
        longitude=76.8978,
        phone="1414",
        windows={
            1: ("reception", "priority", True),
            2: ("reception", "vehicle", False),
            3: ("reception", "vehicle", False),
            4: ("reception", "vehicle", False),
            5: ("issue", "issue", False),
        },
        queue_groups=("vehicle", "issue", "fast", "priority"),
    ),
    BranchPlan(
        code="TRK-MOBILE-1",
        type="mobile",
        names=(
            "Түркістан облысының мобильді ХҚО",
            "Мобильный ЦОН Туркестанской области",
            "Turkestan Region Mobile PSC",
        ),
        address=(
            "Түркістан облысы, ауылдық округтер бойынша маршрут",
            "Туркестанская область, маршрут по сельским округам",
            "Turkestan Region, route through rural districts",
        ),
        latitude=43.30,
        longitude=68.27,
        phone="1414",
        windows={1: ("reception", "all", True), 2: ("reception", "all", False)},
        queue_groups=("general", "social", "fast", "priority"),
    ),
]


def people(plan: BranchPlan) -> list[tuple[str, str, str]]:
    """(username, full name, role) of a demo branch's staff and kiosk device."""
    slug = plan.code.lower()
    operators = min(len(plan.windows), 4)
    return [
        (f"manager.{slug}", "Branch manager", "branch_manager"),
        *((f"operator{n}.{slug}", f"Operator {n}", "operator") for n in range(1, operators + 1)),
        (f"kiosk.{slug}", "Kiosk", "kiosk"),
    ]


def accounts() -> list[tuple[str, str, str]]:
    """The demo logins worth printing: the admin and the Turkestan Digital PSC's staff."""
    return [("admin", DEMO_PASSWORD, "admin")] + [
        (username, DEMO_PASSWORD, role) for username, _name, role in people(BRANCHES[0])
    ]


async def load(session: AsyncSession, *, now: datetime) -> None:
    """Create the catalogue, the centres and their staff."""
    services = {}
    for code, group, outcome_required, names in SERVICES:
        services[code] = (
            group,
            await catalog_service.create(
                session,
                code=code,
                names=_names(names),
                outcome_required=outcome_required,
                life_situation=LIFE_SITUATION_OF.get(code, ""),
                max_wait_s=900,
                max_service_s=900,
            ),
        )
    for code, names in OUTCOMES:
        await catalog_service.create_outcome(session, code=code, names=_names(names))
    for code, names in AUTHORITIES:
        await catalog_service.create_authority(session, code=code, names=_names(names))
    for code, draft in STANDARDS.items():
        await catalog_service.add_standard(
            session, service_id=services[code][1].id, draft=draft, now=now, note="Demo seed"
        )
    for code, level, prefers_accessible, names, basis in PRIORITIES:
        await queue_service.create_priority(
            session,
            code=code,
            level=level,
            names=_names(names),
            legal_basis=_names(basis),
            prefers_accessible=prefers_accessible,
        )

    await staff_service.create(
        session,
        username="admin",
        full_name="Administrator",
        role="admin",
        password=DEMO_PASSWORD,
        branch_ids=[],
        now=now,
    )
    for plan in BRANCHES:
        branch = await _branch(session, plan, services, now)
        for username, full_name, role in people(plan):
            await staff_service.create(
                session,
                username=username,
                full_name=f"{full_name}, {plan.names[2]}",
                role=role,
                password=DEMO_PASSWORD,
                branch_ids=[branch.id],
                now=now,
            )


async def _branch(
    session: AsyncSession, plan: BranchPlan, services: dict[str, tuple[str, Service]], now: datetime
) -> Branch:
    branch = await branches_service.create(
        session,
        code=plan.code,
        type=plan.type,
        name_kk=plan.names[0],
        name_ru=plan.names[1],
        name_en=plan.names[2],
        address_kk=plan.address[0],
        address_ru=plan.address[1],
        address_en=plan.address[2],
        latitude=plan.latitude,
        longitude=plan.longitude,
        phone=plan.phone,
        timezone="Asia/Almaty",
    )
    await branches_service.set_hours(session, branch_id=branch.id, weekly=WEEKDAYS)
    today = branches_service.local_now(branch, now).date()
    # Closed on the public days off (birtereze.kz.calendar): the centres open six days a week, so the
    # holidays carry over as they do for a six-day week.
    for year in (today.year, today.year + 1):
        await branches_service.add_public_holidays(session, branch_id=branch.id, year=year, week=6)
    zones = {
        code: await branches_service.create_zone(session, branch_id=branch.id, code=code, names=_names(names))
        for code, names in ZONES
    }
    queues = {}
    for group in plan.queue_groups:
        prefix, zone_code, names = QUEUES[group]
        queues[group] = await queue_service.create_queue(
            session, branch_id=branch.id, zone_id=zones[zone_code].id, prefix=prefix, names=_names(names)
        )
    fallback = queues.get("general") or queues[plan.queue_groups[0]]
    for group, service in services.values():
        if group in queues or (plan.type != "vehicle" and group != "vehicle"):
            await queue_service.offer_service(
                session,
                branch_id=branch.id,
                service_id=service.id,
                queue_id=(queues.get(group) or fallback).id,
            )
    for position, (code, *_rest) in enumerate(PRIORITIES):
        await queue_service.add_rule(
            session,
            branch_id=branch.id,
            queue_id=queues["priority"].id,
            position=position,
            priority_code=code,
        )
    for code, (rule, groups) in PROFILES.items():
        served = [g for g in groups if g in queues]
        if not served:
            continue
        profile = await queue_service.create_profile(
            session,
            branch_id=branch.id,
            code=code,
            names=_names(PROFILE_NAMES[code]),
            rule=rule,
            overdue_after_s=900 if rule != "strict_order" else None,
        )
        for position, group in enumerate(served):
            await queue_service.add_profile_queue(
                session,
                profile_id=profile.id,
                queue_id=queues[group].id,
                position=position,
                weight=2.0 if group == "fast" else 1.0,
            )
    for number, (zone_code, _profile, accessible) in plan.windows.items():
        await branches_service.create_window(
            session, branch_id=branch.id, zone_id=zones[zone_code].id, number=number, accessible=accessible
        )
    return branch


async def load_into(database_url: str, *, if_empty: bool = False) -> bool:
    """Load the demo data; False when ``if_empty`` and the database already has a branch."""
    engine = create_engine(database_url)
    try:
        async with unit_of_work(session_factory(engine)) as session:
            present = (await session.execute(select(Branch.id).limit(1))).first() is not None
            if present and if_empty:
                return False
            await load(session, now=SystemClock().now())
            return True
    finally:
        await engine.dispose()


async def hall_links(database_url: str, *, base_url: str) -> list[tuple[str, str]]:
    """The addresses of the first demo centre's hall screens, signed in with fresh device and manager
    tokens: (what, address)."""
    plan = BRANCHES[0]
    slug = plan.code.lower()
    engine = create_engine(database_url)
    try:
        async with unit_of_work(session_factory(engine)) as session:
            branch = await branches_service.get_by_code(session, plan.code)
            if branch is None:
                return []
            now = SystemClock().now()
            tokens = {}
            for role in ("kiosk", "manager"):
                staff = await staff_service.get_by_username(session, f"{role}.{slug}")
                if staff is None:
                    return []
                tokens[role] = await staff_service.issue_token(
                    session, staff_id=staff.id, name="demo hall", now=now
                )
    finally:
        await engine.dispose()
    base = base_url.rstrip("/")
    kiosk, manager = tokens["kiosk"], tokens["manager"]
    return [
        ("kiosk", f"{base}/kiosk/{branch.id}?access_token={kiosk}"),
        ("display board", f"{base}/board/{branch.id}?access_token={kiosk}"),
        ("information stand", f"{base}/stand/{branch.id}"),
        ("operator console", f"{base}/console"),
        ("manager board", f"{base}/manage/{branch.id}?access_token={manager}"),
    ]
