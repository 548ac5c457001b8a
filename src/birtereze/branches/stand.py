"""The information stand of a centre (M26, M27, M28): what a visitor reads at the entrance.

The centre's rules, its services with each service's standard at the centre, the opening hours, today's
workplace substitution scheme from the week's roster, and the video-surveillance notice when the hall has
video surveillance. The stand is bilingual by law: every text is shown in the state language first and
then in Russian; English, when asked for, takes Russian's place beside Kazakh. So its texts are marked
here with ``_l`` and rendered for each language the stand shows, side by side.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from birtereze.branches import service as branches_service
from birtereze.branches.models import Branch, OpeningHours, SpecialDay
from birtereze.catalog import service as catalog_service
from birtereze.catalog.models import Service
from birtereze.catalog.situations import LIFE_SITUATIONS, situation_name
from birtereze.core.i18n import LazyText, _l
from birtereze.queue.service import config as queue_config
from birtereze.staffing import service as staffing_service

# The state language first, then Russian; English replaces Russian on request.
BILINGUAL: Final = ("kk", "ru")
WITH_ENGLISH: Final = ("kk", "en")
# How long each section stays on the vertical screen when they do not fit at once, and how often the
# stand reloads its data (a roster edited by the manager shows up within this time).
ROTATE_S: Final = 20
REFRESH_S: Final = 300
# Special days posted ahead: the coming ones, at most this many.
SPECIAL_DAYS_SHOWN: Final = 6

TITLE: Final = _l("Information stand")
HOURS: Final = _l("Opening hours")
DAY_OFF: Final = _l("Day off")
SPECIAL_DAYS: Final = _l("Holidays and changed hours")
CLOSED: Final = _l("Closed")
SERVICES: Final = _l("Services and their standards")
SERVICES_NOTE: Final = _l(
    "The service standard at the centre: the longest wait in the queue and the longest time at the window."
)
SERVICE: Final = _l("Service")
MAX_WAIT: Final = _l("Maximum wait")
MAX_SERVICE: Final = _l("Maximum service time")
MINUTES: Final = _l("{minutes} min")
NO_SERVICES: Final = _l("The centre offers no services yet.")
SCHEME: Final = _l("Workplace substitution scheme")
SCHEME_DAY: Final = _l("Today, {day}")
WINDOW: Final = _l("Window")
AT_WINDOW: Final = _l("At the window")
LUNCH: Final = _l("Lunch: who serves instead")
ABSENCE: Final = _l("If absent, replaced by")
WINDOW_CLOSES: Final = _l("the window closes for the hour")
NO_ROSTER: Final = _l("No roster has been made for this week yet. Please ask the administrator in the hall.")
NOBODY_TODAY: Final = _l("Nobody is on the roster today.")
SURVEILLANCE: Final = _l("Video surveillance")
SURVEILLANCE_NOTICE: Final = _l(
    "Video surveillance is in operation in this centre. The recordings protect visitors and staff and "
    "are used only as the law provides."
)
RULES: Final = _l("Rules for visitors")
AS_OF: Final = _l("As of {time}")
WEEKDAYS: Final = (
    _l("Monday"),
    _l("Tuesday"),
    _l("Wednesday"),
    _l("Thursday"),
    _l("Friday"),
    _l("Saturday"),
    _l("Sunday"),
)
# The centre's rules for visitors, in the order a visit goes.
VISITOR_RULES: Final = (
    _l("Take a ticket at the kiosk for the service you need, or check in your online booking by its code."),
    _l("Wait for your number on the display board and the voice call, then go to the window shown."),
    _l(
        "By law, people with disabilities, pregnant women, war veterans and elderly people are served "
        "first: choose the priority option at the kiosk."
    ),
    _l("Have your identity document and the documents the service's standard lists ready before the call."),
    _l("A ticket whose holder does not come to the window after the calls is cancelled."),
    _l("Be polite to the staff and other visitors, keep quiet in the hall, and keep your children with you."),
    _l("Smoking and drinking alcohol are not allowed in the centre."),
    _l(
        "Write your complaints and suggestions in the book of complaints and suggestions at the "
        "administrator's desk, or rate the service at the window."
    ),
)


@dataclass(frozen=True, slots=True)
class DayHours:
    label: LazyText
    hours: str | None  # "09:00–20:00", None on a day off
    today: bool


@dataclass(frozen=True, slots=True)
class Special:
    day: date
    hours: str | None  # None: closed
    note: str


@dataclass(frozen=True, slots=True)
class ServiceLine:
    code: str
    name: Mapping[str, str]
    max_wait_min: int
    max_service_min: int


@dataclass(frozen=True, slots=True)
class ServiceGroup:
    """The services of one life situation."""

    name: Mapping[str, str]
    services: list[ServiceLine]


@dataclass(frozen=True, slots=True)
class Stand:
    branch: Branch
    languages: tuple[str, ...]
    name: Mapping[str, str]
    address: Mapping[str, str]
    today: date
    as_of: str
    week: list[DayHours]
    special_days: list[Special]
    services: list[ServiceGroup]
    scheme: staffing_service.PostedScheme | None
    surveillance: bool


def languages_for(lang: str | None) -> tuple[str, ...]:
    """Kazakh and Russian; Kazakh and English when English is asked for."""
    return WITH_ENGLISH if lang == "en" else BILINGUAL


def span(opens: time, closes: time) -> str:
    if opens == closes:
        return "00:00–24:00"
    return f"{opens:%H:%M}–{closes:%H:%M}"


def clock(minute: int) -> str:
    return staffing_service.clock(minute)


def _names(row: object, languages: Sequence[str], field: str = "name") -> dict[str, str]:
    return {lang: str(getattr(row, f"{field}_{lang}")) for lang in languages}


def _week(hours: Sequence[OpeningHours], today: date) -> list[DayHours]:
    regular = {h.weekday: span(h.opens, h.closes) for h in hours}
    return [
        DayHours(label, regular.get(weekday), weekday == today.isoweekday())
        for weekday, label in enumerate(WEEKDAYS, start=1)
    ]


def _special(days: Sequence[SpecialDay]) -> list[Special]:
    shown = []
    for special in days[:SPECIAL_DAYS_SHOWN]:
        hours = branches_service.hours_on(special.day, (), (special,))
        shown.append(Special(special.day, span(*hours) if hours else None, special.note))
    return shown


def _minutes(seconds: int) -> int:
    return max(1, round(seconds / 60))


def _groups(branch: Branch, services: Sequence[Service], languages: Sequence[str]) -> list[ServiceGroup]:
    """Services by life situation, in the catalogue's order of situations; the rest last."""
    order = {code: index for index, code in enumerate(LIFE_SITUATIONS)}
    by_situation: dict[str, list[Service]] = {}
    for service in services:
        code = service.life_situation if service.life_situation in LIFE_SITUATIONS else ""
        by_situation.setdefault(code, []).append(service)
    groups = []
    for code in sorted(by_situation, key=lambda c: order.get(c, len(order))):
        lines = [
            ServiceLine(
                code=service.code,
                name=_names(service, languages),
                max_wait_min=_minutes(service.max_wait_s or branch.max_wait_s),
                max_service_min=_minutes(service.max_service_s or branch.max_service_s),
            )
            for service in sorted(by_situation[code], key=lambda s: (s.name_kk, s.code))
        ]
        groups.append(ServiceGroup({lang: situation_name(code, lang) for lang in languages}, lines))
    return groups


async def load(session: AsyncSession, *, branch_id: int, now: datetime, languages: tuple[str, ...]) -> Stand:
    """Everything the stand shows, read through the domains' services; NotFound for an unknown branch."""
    branch = await branches_service.get(session, branch_id)
    local = branches_service.local_now(branch, now)
    today = local.date()
    hours = await branches_service.list_hours(session, branch_id=branch_id)
    special = await branches_service.list_special_days(session, branch_id=branch_id, since=today)
    offered = await queue_config.list_offered(session, branch_id=branch_id)
    services = await catalog_service.list_services(session, ids=sorted({o.service_id for o in offered}))
    return Stand(
        branch=branch,
        languages=languages,
        name=_names(branch, languages),
        address=_names(branch, languages, "address"),
        today=today,
        as_of=f"{local:%H:%M}",
        week=_week(hours, today),
        special_days=_special(special),
        services=_groups(branch, services, languages),
        scheme=await staffing_service.posted_scheme(session, branch_id=branch_id, day=today),
        surveillance=branch.video_surveillance,
    )
