"""The applications domain's errors: each with its status, stable code and translated message."""

from __future__ import annotations

from typing import Any

from birtereze.applications.states import STATUS_WORDS
from birtereze.core.errors import Conflict, DomainError, InvalidInput, NotFound
from birtereze.core.i18n import _l


class ApplicationNotFound(NotFound):
    code = "application_not_found"
    message = _l("Application was not found.")

    def __init__(self) -> None:
        DomainError.__init__(self)

    def detail(self, locale: str) -> str:
        return self.message.render(locale)


class DocumentNotFound(ApplicationNotFound):
    code = "document_not_found"
    message = _l("Document was not found.")


class NotAllowedNow(Conflict):
    code = "application_status"
    message = _l("This cannot be done now: the application is {status}.")

    def __init__(self, *, status: str) -> None:
        super().__init__(status=status)

    def detail(self, locale: str) -> str:
        word = STATUS_WORDS.get(self.params["status"])
        return self.message.render(locale, status=word.render(locale) if word else self.params["status"])


class FormInvalid(InvalidInput):
    """The form's answers break its schema; ``errors`` lists (field, translated message) pairs."""

    code = "form_invalid"
    message = _l("The form has mistakes: check the highlighted fields.")

    def __init__(self, errors: list[Any]) -> None:
        super().__init__()
        self.errors = errors

    def detail(self, locale: str) -> str:
        return self.message.render(locale)


class DocumentMissing(InvalidInput):
    code = "document_missing"
    message = _l("A required document is missing: {name}.")

    def __init__(self, *, names: dict[str, str], code: str) -> None:
        super().__init__(name=names.get("en") or code)
        self.names, self.document = names, code

    def detail(self, locale: str) -> str:
        return self.message.render(locale, name=self.names.get(locale) or self.params["name"])


class DocumentNotRequired(InvalidInput):
    code = "document_not_required"
    message = _l("The standard of this service does not ask for this document.")


class DocumentFromRegistry(InvalidInput):
    code = "document_from_registry"
    message = _l("This document is fetched from a government registry: it is not uploaded.")


class DocumentTypeRefused(DomainError):
    status = 415
    code = "document_type"
    message = _l("Upload a PDF, JPEG or PNG file.")


class DocumentTooLarge(DomainError):
    status = 413
    code = "document_too_large"
    message = _l("The file is too large: at most {megabytes} MB.")


class ChannelNotOffered(InvalidInput):
    code = "channel_not_offered"
    message = _l("This service is not offered through this channel.")


class NotExtraterritorial(InvalidInput):
    code = "not_extraterritorial"
    message = _l("This service is accepted at a centre of the region of the registered address ({region}).")


class NotExtraterritorialHere(NotExtraterritorial):
    """The same refusal told to the applicant's side (a kiosk, the phone): without the region, so that an
    IIN typed in does not tell where its holder is registered."""

    code = "not_extraterritorial_here"
    message = _l("This service is accepted only at a centre of the region of your registered address.")


class IdentityMismatch(Conflict):
    code = "identity_mismatch"
    message = _l("The identity document does not match the applicant: the result cannot be issued.")


class NotApplicantsAccount(InvalidInput):
    code = "not_applicants_account"
    message = _l(
        "This citizen account is not the applicant's: an application joins only the account of its IIN."
    )


class WrongIssuingCentre(Conflict):
    code = "wrong_issuing_centre"
    message = _l("The result of this application is issued at another centre.")


class UnknownVisit(InvalidInput):
    code = "unknown_visit"
    message = _l("No such ticket at this centre.")


class BranchClosedForIssue(InvalidInput):
    code = "branch_not_active"
    message = _l("This centre does not issue results: choose an active centre.")
