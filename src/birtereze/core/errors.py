"""Typed domain errors: each carries its HTTP status, a stable code and a translatable message."""

from __future__ import annotations

from typing import Any, ClassVar

from birtereze.core.i18n import LazyText, _l


class DomainError(Exception):
    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"
    message: ClassVar[LazyText] = _l("The request cannot be carried out.")

    def __init__(self, **params: Any) -> None:
        self.params = params
        super().__init__(self.message.format(**params) if params else str(self.message))

    def detail(self, locale: str) -> str:
        return self.message.render(locale, **self.params)


class NotFound(DomainError):
    status = 404
    code = "not_found"
    message = _l("{what} was not found.")

    def __init__(self, what: str, **params: Any) -> None:
        super().__init__(what=what, **params)

    def detail(self, locale: str) -> str:
        what = _l(self.params["what"]).render(locale)
        return self.message.render(locale, what=what)


class Conflict(DomainError):
    status = 409
    code = "conflict"
    message = _l("The request conflicts with the current state.")


class AlreadyExists(Conflict):
    code = "already_exists"
    message = _l("{what} already exists.")

    def __init__(self, what: str, **params: Any) -> None:
        super().__init__(what=what, **params)

    def detail(self, locale: str) -> str:
        return self.message.render(locale, what=_l(self.params["what"]).render(locale))


class InvalidTransition(Conflict):
    code = "invalid_transition"
    message = _l("Cannot {action} while the window is {state}.")
    ticket_message = _l("Cannot {action}: the ticket is {state}.")

    def __init__(self, *, action: str, subject: str, state: str) -> None:
        super().__init__(action=action, subject=subject, state=state)

    def detail(self, locale: str) -> str:
        template = self.ticket_message if self.params["subject"] == "ticket" else self.message
        action = _l(self.params["action"]).render(locale)
        state = _l(self.params["state"]).render(locale)
        return template.render(locale, action=action, state=state)


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"
    message = _l("Sign in is required.")


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    message = _l("You are not allowed to do this.")


class InvalidInput(DomainError):
    """Well-formed input the domain refuses (a payload that cannot be parsed is a 422)."""

    status = 400
    code = "invalid_input"
    message = _l("The input is not valid.")


# Names of things, used in "X was not found." and in transition errors: marked for translation.
SUBJECTS = [
    _l(word)
    for word in (
        "Branch",
        "Zone",
        "Window",
        "Queue",
        "Service",
        "Ticket",
        "Work profile",
        "Staff user",
        "Priority category",
        "Outcome",
        "Alert",
        "Token",
        "closed",
        "open",
        "calling",
        "serving",
        "wrap-up",
        "on a break",
        "waiting",
        "called",
        "parked",
        "finished",
        "no-show",
        "cancelled",
        "open the window",
        "close the window",
        "call a ticket",
        "recall",
        "confirm arrival",
        "mark a no-show",
        "start serving",
        "finish",
        "transfer",
        "park",
        "start a break",
        "end the break",
        "end the wrap-up",
        "record a service",
        "cancel",
        "change the work profile",
    )
]
