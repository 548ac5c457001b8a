"""Small builders with sensible defaults, and the fixed personas of the tests.

``create_world`` builds one centre ("branch A") ready to queue: zones, three queues, services, priority
categories and routing, work profiles, three windows (window 1 accessible) and its people, plus a second
centre ("branch B") whose operator is the outsider.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time

from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.branches import service as branches_service
from birtereze.branches.models import Branch, Window
from birtereze.catalog import service as catalog_service
from birtereze.catalog.models import Service
from birtereze.queue import service as queue_service
from birtereze.queue.models import Queue, WorkProfile
from birtereze.staff import service as staff_service

PASSWORD = "correct horse battery"


def names(text: str) -> dict[str, str]:
    return {"kk": f"{text} (kk)", "ru": f"{text} (ru)", "en": text}


@dataclass
class World:
    branch: Branch
    other_branch: Branch
    queues: dict[str, Queue]
    services: dict[str, Service]
    profiles: dict[str, WorkProfile]
    windows: dict[int, Window]
    staff: dict[str, int]
    tokens: dict[str, str] = field(default_factory=dict)

    def auth(self, persona: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[persona]}"}


async def create_branch(session: AsyncSession, code: str, **fields: object) -> Branch:
    values: dict[str, object] = {
        "code": code,
        "type": "standard",
        "name_kk": f"{code} ХҚО",
        "name_ru": f"ЦОН {code}",
        "name_en": f"{code} PSC",
        "timezone": "Asia/Almaty",
    }
    values.update(fields)
    branch = await branches_service.create(session, **values)
    await branches_service.set_hours(
        session, branch_id=branch.id, weekly={d: (time(9), time(20)) for d in range(1, 7)}
    )
    return branch


async def open_around_the_clock(session: AsyncSession, branch_id: int) -> None:
    """A centre open day and night every day (00:00–00:00), for what happens at local midnight."""
    await branches_service.replace_hours(
        session, branch_id=branch_id, weekly={d: (time(0), time(0)) for d in range(1, 8)}
    )


async def create_world(session: AsyncSession, *, now: datetime, tokens: bool = True) -> World:
    branch = await create_branch(session, "A")
    other = await create_branch(session, "B")
    hall = await branches_service.create_zone(
        session, branch_id=branch.id, code="reception", names=names("Reception")
    )
    other_hall = await branches_service.create_zone(
        session, branch_id=other.id, code="reception", names=names("Reception")
    )
    queues = {
        "A": await queue_service.create_queue(
            session, branch_id=branch.id, zone_id=hall.id, prefix="A", names=names("General")
        ),
        "B": await queue_service.create_queue(
            session, branch_id=branch.id, zone_id=hall.id, prefix="B", names=names("Social")
        ),
        "P": await queue_service.create_queue(
            session, branch_id=branch.id, zone_id=hall.id, prefix="P", names=names("Priority")
        ),
        "other": await queue_service.create_queue(
            session, branch_id=other.id, zone_id=other_hall.id, prefix="A", names=names("General")
        ),
    }
    services = {
        "certificate": await catalog_service.create(session, code="10000001", names=names("Certificate")),
        "benefit": await catalog_service.create(
            session, code="10000002", names=names("Benefit"), outcome_required=True
        ),
        "consultation": await catalog_service.create(session, code="10000003", names=names("Consultation")),
    }
    await catalog_service.create_outcome(session, code="accepted", names=names("Accepted"))
    await catalog_service.create_outcome(session, code="refused", names=names("Refused"))
    for key, queue in (("certificate", "A"), ("benefit", "B"), ("consultation", "A")):
        await queue_service.offer_service(
            session, branch_id=branch.id, service_id=services[key].id, queue_id=queues[queue].id
        )
    await queue_service.offer_service(
        session, branch_id=other.id, service_id=services["certificate"].id, queue_id=queues["other"].id
    )
    await queue_service.create_priority(
        session,
        code="disability",
        level=3,
        names=names("Disability"),
        legal_basis=names("Law"),
        prefers_accessible=True,
    )
    await queue_service.create_priority(
        session, code="elderly", level=1, names=names("Elderly"), legal_basis=names("Law")
    )
    await queue_service.add_rule(
        session, branch_id=branch.id, queue_id=queues["P"].id, position=1, priority_code="disability"
    )
    profiles = {}
    for code, rule, served in (
        ("all", "longest_wait", ("P", "A", "B")),
        ("strict", "strict_order", ("A", "B")),
        ("weighted", "weighted", ("A", "B")),
        ("social", "strict_order", ("B",)),
    ):
        profile = await queue_service.create_profile(
            session, branch_id=branch.id, code=code, names=names(code), rule=rule
        )
        for position, key in enumerate(served):
            await queue_service.add_profile_queue(
                session,
                profile_id=profile.id,
                queue_id=queues[key].id,
                position=position,
                weight=2.0 if key == "A" else 1.0,
            )
        profiles[code] = profile
    other_profile = await queue_service.create_profile(
        session, branch_id=other.id, code="all", names=names("all")
    )
    await queue_service.add_profile_queue(session, profile_id=other_profile.id, queue_id=queues["other"].id)
    profiles["other"] = other_profile
    windows = {
        n: await branches_service.create_window(
            session, branch_id=branch.id, zone_id=hall.id, number=n, accessible=n == 1
        )
        for n in (1, 2, 3)
    }
    windows[9] = await branches_service.create_window(
        session, branch_id=other.id, zone_id=other_hall.id, number=9
    )
    staff = {}
    for persona, role, branch_ids in (
        ("operator", "operator", [branch.id]),
        ("operator2", "operator", [branch.id]),
        ("manager", "branch_manager", [branch.id]),
        ("kiosk", "kiosk", [branch.id]),
        ("outsider", "operator", [other.id]),
        ("admin", "admin", []),
    ):
        created = await staff_service.create(
            session,
            username=persona,
            full_name=persona.title(),
            role=role,
            password=PASSWORD if persona == "operator" else None,
            branch_ids=branch_ids,
            now=now,
        )
        staff[persona] = created.id
    world = World(
        branch=branch,
        other_branch=other,
        queues=queues,
        services=services,
        profiles=profiles,
        windows=windows,
        staff=staff,
    )
    if tokens:
        for persona, staff_id in staff.items():
            world.tokens[persona] = await staff_service.issue_token(
                session, staff_id=staff_id, name="test", now=now
            )
    await session.flush()
    return world
