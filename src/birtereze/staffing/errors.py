"""Errors of the staffing domain."""

from __future__ import annotations

from typing import Final

from birtereze.core.errors import Conflict, InvalidInput, NotFound
from birtereze.core.i18n import _l

# Each rule of the roster checker (staffing.roster.rules.RULES) as a manager reads it.
RULE_TITLES: Final = {
    "unknown_staff": _l("only the centre's own staff"),
    "one_shift_a_day": _l("one shift a day"),
    "opening_hours": _l("shifts within the opening hours"),
    "day_hours": _l("at most 8 hours of work a day"),
    "week_hours": _l("at most 40 hours of work a week"),
    "days_a_week": _l("at most the contract's days a week"),
    "rest": _l("at least 11 hours of rest between shifts"),
    "day_off": _l("no work on a day off"),
    "lunch": _l("a one-hour lunch in a shift over 4 hours, at least 2 hours from either end"),
    "zone": _l("only in a zone the person is qualified for"),
    "cover": _l("enough people at the windows in every half hour"),
    "windows": _l("no more people at once than the zone has windows"),
}


class DayOutOfRange(InvalidInput):
    code = "day_out_of_range"
    message = _l("Choose a day between {first} and {last}.")


class RosterNotFound(NotFound):
    code = "roster_not_found"
    message = _l("There is no roster for the week of {week} yet.")

    def __init__(self, *, week: str) -> None:
        super().__init__("Roster", week=week)

    def detail(self, locale: str) -> str:
        return self.message.render(locale, week=self.params["week"])


class NoStaffToRoster(Conflict):
    code = "no_staff_to_roster"
    message = _l("The centre has no operators to put on a roster.")


class NotOnRoster(InvalidInput):
    code = "not_on_roster"
    message = _l("This person is not an operator of the centre.")


class ZoneWithoutWindows(InvalidInput):
    code = "zone_without_windows"
    message = _l("Choose a zone of the centre that has windows.")


class InvalidShift(InvalidInput):
    code = "invalid_shift"
    message = _l("A shift needs a zone, a start and an end; the end comes after the start.")


class ExtraWindowOutsideHours(InvalidInput):
    code = "extra_window_outside_hours"
    message = _l("The extra window must open while the centre is open ({opens}–{closes}).")


class RosterRuleBroken(Conflict):
    """A manager's edit that would break a labour rule, or the cover, that the roster kept."""

    code = "roster_rule_broken"
    message = _l("Refused: the change breaks the rule “{rule}” on {day}.")

    def __init__(self, *, rule: str, day: str) -> None:
        super().__init__(rule=rule, day=day)

    def detail(self, locale: str) -> str:
        rule = self.params["rule"]
        title = RULE_TITLES[rule].render(locale) if rule in RULE_TITLES else rule
        return self.message.render(locale, rule=title, day=self.params["day"])
