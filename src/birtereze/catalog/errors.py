"""The catalogue domain's errors: each with its status, stable code and translated message."""

from __future__ import annotations

from typing import Any

from birtereze.core.errors import InvalidInput, NotFound
from birtereze.core.i18n import _l


class StandardNotFound(NotFound):
    code = "standard_not_found"

    message = _l("This service has no standard yet.")

    def __init__(self, **params: Any) -> None:
        super().__init__("Service standard", **params)

    def detail(self, locale: str) -> str:
        return self.message.render(locale)


class StandardVersionNotFound(NotFound):
    code = "standard_version_not_found"

    message = _l("This version of the standard was not found.")

    def __init__(self, **params: Any) -> None:
        super().__init__("Standard version", **params)

    def detail(self, locale: str) -> str:
        return self.message.render(locale)


class AuthorityNotFound(NotFound):
    code = "authority_not_found"

    message = _l("No authorised body has this code.")

    def __init__(self, **params: Any) -> None:
        super().__init__("Authority", **params)

    def detail(self, locale: str) -> str:
        return self.message.render(locale)


class AuthorityInUse(InvalidInput):
    code = "authority_in_use"
    message = _l(
        "Services whose standard in force names this body: {count}. Give them another body before turning "
        "it off."
    )


class UnknownAuthority(InvalidInput):
    code = "unknown_authority"
    message = _l("There is no active authorised body with the code {code}.")


class InvalidChannels(InvalidInput):
    code = "invalid_channels"
    message = _l("Choose at least one channel among: centre, portal, app, video, bank.")


class InvalidTerm(InvalidInput):
    code = "invalid_term"
    message = _l(
        "The processing term must be a positive number of working days, working hours or calendar days."
    )


class InvalidForm(InvalidInput):
    code = "invalid_form"
    message = _l("The form of the service must be electronic or paper.")


class InvalidFee(InvalidInput):
    code = "invalid_fee"
    message = _l(
        "The fee is not consistent: a free service has no amount, an MRP fee needs a positive multiple "
        "of the MRP and a tenge fee a positive amount in tenge."
    )


class InvalidDocuments(InvalidInput):
    code = "invalid_documents"
    message = _l(
        "Each required document needs a unique code, a name in Kazakh, Russian and English, and a registry "
        "among population, vehicle, real_estate, civil or none."
    )


class InvalidTexts(InvalidInput):
    code = "invalid_texts"
    message = _l("The {field} must be given in Kazakh, Russian and English.")

    def detail(self, locale: str) -> str:
        return self.message.render(locale, field=_l(self.params["field"]).render(locale))


class InvalidFormSchema(InvalidInput):
    code = "invalid_form_schema"
    message = _l("The application form is not valid: {reason}")

    def detail(self, locale: str) -> str:
        return self.message.render(locale, reason=_l(self.params["reason"]).render(locale))


# Names of things used in "X was not found." and reasons of InvalidFormSchema, marked for translation.
SUBJECTS = [
    _l(word)
    for word in (
        "Service standard",
        "Standard version",
        "Authority",
        "result",
        "grounds for refusal",
        "it must be an object schema with properties.",
        "each field needs a title and titles in Kazakh, Russian and English.",
        "a field's type must be string, integer, number or boolean.",
        "a required field is not among the properties.",
        "a field's name must be letters, digits and underscores.",
        "each choice of a list needs titles in Kazakh, Russian and English.",
        "a pattern is not a valid regular expression.",
    )
]
