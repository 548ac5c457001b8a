"""The citizens domain's errors: each with its status, stable code and translated message."""

from __future__ import annotations

from typing import Any, ClassVar

from birtereze.core.errors import DomainError, NotFound
from birtereze.core.i18n import LazyText, _l
from birtereze.core.ids import IinProblem


class InvalidIinError(DomainError):
    status = 400
    code = "invalid_iin"
    message = _l("This IIN is not valid: check its 12 digits.")
    reasons: ClassVar[dict[str, LazyText]] = {
        "format": _l("An IIN is 12 digits."),
        "century": _l("This IIN is not valid: its 7th digit is 1 to 6."),
        "birth_date": _l("This IIN is not valid: its first six digits are not a date of birth."),
        "business": _l("This is a business identification number (BIN), not an IIN."),
    }

    def __init__(self, problem: IinProblem) -> None:
        super().__init__(problem=problem)

    def detail(self, locale: str) -> str:
        return self.reasons.get(self.params["problem"], self.message).render(locale)


class InvalidPhoneError(DomainError):
    status = 400
    code = "invalid_phone"
    message = _l("Enter a Kazakhstan mobile number: +7 7XX XXX XX XX.")


class PhoneNotRegistered(DomainError):
    status = 400
    code = "phone_not_registered"
    message = _l(
        "This phone number is not registered for this IIN in the mobile citizens database. "
        "You can register it at any Public Service Centre."
    )


class SignInCodeNotFound(NotFound):
    code = "sign_in_code_not_found"
    message = _l("This sign-in code is unknown or already used: ask for a new code.")

    def __init__(self) -> None:
        DomainError.__init__(self)

    def detail(self, locale: str) -> str:
        return self.message.render(locale)


class CodeExpired(DomainError):
    status = 400
    code = "code_expired"
    message = _l("The code has expired: ask for a new one.")


class CodeWrong(DomainError):
    status = 400
    code = "code_wrong"
    message = _l("The code is wrong. Tries left: {left}.")

    def __init__(self, *, left: int) -> None:
        super().__init__(left=left)


class CodeVoid(DomainError):
    status = 400
    code = "code_void"
    message = _l("Too many wrong tries: this code no longer works. Ask for a new one.")


class Throttled(DomainError):
    """Refused for a while: answered 429 with Retry-After (``retry_after_s``)."""

    status = 429
    code = "too_many_codes"
    message = _l("Too many codes were asked for: try again in {minutes} min.")

    def __init__(self, *, retry_after_s: int, **params: Any) -> None:
        super().__init__(retry_after_s=retry_after_s, minutes=max(1, -(-retry_after_s // 60)), **params)

    @property
    def retry_after_s(self) -> int:
        value: int = self.params["retry_after_s"]
        return value


class SignInLocked(Throttled):
    code = "sign_in_locked"
    message = _l("Too many wrong codes today: SMS sign-in for this IIN is locked until midnight.")


class CsrfFailed(DomainError):
    status = 403
    code = "csrf_failed"
    message = _l("This form has expired: reload the page and try again.")


class NotSignedIn(DomainError):
    status = 401
    code = "citizen_sign_in_required"
    message = _l("Please sign in.")


class DigitalIdFailed(DomainError):
    status = 400
    code = "digital_id_failed"
    message = _l("Sign-in with Digital ID did not succeed: please try again.")


class DigitalIdUnavailable(DomainError):
    status = 503
    code = "digital_id_unavailable"
    message = _l("Digital ID cannot be reached right now: sign in with an SMS code or try again later.")
