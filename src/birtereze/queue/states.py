"""The states of windows and visits, and which operation each state allows."""

from __future__ import annotations

from typing import Final

from birtereze.core.errors import InvalidTransition
from birtereze.core.i18n import _l

WINDOW_STATES: Final = ("closed", "open", "calling", "serving", "wrap_up", "break")
VISIT_STATES: Final = ("waiting", "called", "serving", "parked", "finished", "no_show", "cancelled")
VISIT_LIVE: Final = ("waiting", "called", "serving", "parked")
VISIT_ENDED: Final = ("finished", "no_show", "cancelled")
STAFFED: Final = ("open", "calling", "serving", "wrap_up")

WINDOW_STATE_WORDS: Final = {
    "closed": "closed",
    "open": "open",
    "calling": "calling",
    "serving": "serving",
    "wrap_up": "wrap-up",
    "break": "on a break",
}
# The window states as the hall's pages name them (the console, the manager board).
WINDOW_STATE_NAMES: Final = {
    "closed": _l("Closed"),
    "open": _l("Open: ready to call"),
    "calling": _l("Calling"),
    "serving": _l("Serving"),
    "wrap_up": _l("Wrap-up"),
    "break": _l("On a break"),
}
VISIT_STATE_WORDS: Final = {
    "waiting": "waiting",
    "called": "called",
    "serving": "serving",
    "parked": "parked",
    "finished": "finished",
    "no_show": "no-show",
    "cancelled": "cancelled",
}

# Window operation -> (states it may start from, words for the error message)
WINDOW_OPERATIONS: Final[dict[str, tuple[tuple[str, ...], str]]] = {
    "open": (("closed",), "open the window"),
    "close": (("open", "wrap_up", "break"), "close the window"),
    "call": (("open", "wrap_up"), "call a ticket"),
    "recall": (("calling",), "recall"),
    "confirm": (("calling",), "confirm arrival"),
    "no_show": (("calling",), "mark a no-show"),
    "record_service": (("serving",), "record a service"),
    "finish": (("serving",), "finish"),
    "transfer": (("calling", "serving"), "transfer"),
    "park": (("serving",), "park"),
    "break": (("open", "wrap_up"), "start a break"),
    "resume": (("break",), "end the break"),
    "ready": (("wrap_up",), "end the wrap-up"),
    "profile": (("open", "calling", "serving", "wrap_up", "break"), "change the work profile"),
}


def require_window_state(operation: str, state: str) -> None:
    allowed, action = WINDOW_OPERATIONS[operation]
    if state not in allowed:
        raise InvalidTransition(action=action, subject="window", state=WINDOW_STATE_WORDS[state])


def refuse_visit(action: str, state: str) -> InvalidTransition:
    return InvalidTransition(action=action, subject="ticket", state=VISIT_STATE_WORDS[state])
