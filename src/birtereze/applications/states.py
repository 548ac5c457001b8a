"""The applications' status machine.

    draft → submitted → delivered → accepted → in_progress → result_ready → at_issuing_centre → issued
                                   ↘ refused (with grounds)    ↘ returned (for correction) → submitted …

The authorised body's answers come back through callbacks that may repeat or arrive out of order: an
answer that is behind the application's status (``accepted`` after ``in_progress``) is recorded but moves
nothing back; one that is ahead skips the steps between (a ``result_ready`` without ``accepted`` before it).
An answer may even overtake the delivery's acknowledgement: ``submitted`` accepts them as ``delivered`` does.
"""

from __future__ import annotations

from typing import Final

from birtereze.core.i18n import LazyText, _l

STATUSES: Final = (
    "draft",
    "submitted",
    "delivered",
    "accepted",
    "in_progress",
    "result_ready",
    "at_issuing_centre",
    "issued",
    "refused",
    "returned",
)
STATUS_WORDS: Final[dict[str, LazyText]] = {
    "draft": _l("draft"),
    "submitted": _l("submitted"),
    "delivered": _l("delivered to the body"),
    "accepted": _l("accepted by the body"),
    "in_progress": _l("in progress"),
    "result_ready": _l("result ready"),
    "at_issuing_centre": _l("at the issuing centre"),
    "issued": _l("issued"),
    "refused": _l("refused"),
    "returned": _l("returned for correction"),
}
# The form and the documents can be changed in these statuses.
EDITABLE: Final = frozenset({"draft", "returned"})
# Waiting for the body: the deadline runs.
WITH_THE_BODY: Final = frozenset({"submitted", "delivered", "accepted", "in_progress"})
FINAL: Final = frozenset({"issued", "refused"})
# The body's progress, in order: an answer moves the application forward only.
PROGRESS: Final = ("submitted", "delivered", "accepted", "in_progress", "result_ready")
BODY_ANSWERS: Final = ("accepted", "in_progress", "refused", "returned", "result_ready")

TRANSITIONS: Final[dict[str, frozenset[str]]] = {
    "draft": frozenset({"submitted"}),
    "submitted": frozenset({"delivered", "accepted", "in_progress", "result_ready", "refused", "returned"}),
    "delivered": frozenset({"accepted", "in_progress", "result_ready", "refused", "returned"}),
    "accepted": frozenset({"in_progress", "result_ready", "refused", "returned"}),
    "in_progress": frozenset({"result_ready", "refused", "returned"}),
    "result_ready": frozenset({"at_issuing_centre"}),
    "at_issuing_centre": frozenset({"issued"}),
    "returned": frozenset({"submitted"}),
    "issued": frozenset(),
    "refused": frozenset(),
}


def can(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def after_answer(current: str, kind: str) -> str | None:
    """The status an answer of the body leads to from ``current``; None when it changes nothing (an
    answer behind the current status, or one after the body's work ended)."""
    if kind not in BODY_ANSWERS:
        raise ValueError(kind)
    if current not in PROGRESS:
        return None
    if kind in ("refused", "returned"):
        return kind if current != "result_ready" else None
    if PROGRESS.index(kind) <= PROGRESS.index(current):
        return None
    return kind


def after_delivery(current: str) -> str | None:
    """``delivered`` from ``submitted``; an acknowledgement overtaken by an answer changes nothing."""
    return "delivered" if current == "submitted" else None
