"""The messages the platform sends: a template per kind of message (``ticket_near``, ``otp``…), each in
Kazakh, Russian and English (a text for SMS and push, a subject for e-mail) with ``{placeholders}``
filled by the sender's parameters."""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Final

from birtereze.core.i18n import LOCALES, LazyText, _l
from birtereze.notify.errors import TemplateParametersWrong, UnknownLanguage, UnknownTemplate


@dataclass(frozen=True, slots=True)
class Template:
    name: str
    subject: LazyText
    text: LazyText
    # The text carries a secret (a one-time code): once the message is sent or has failed, the outbox
    # forgets it, and the staff page never shows it.
    secret: bool = False

    @property
    def parameters(self) -> frozenset[str]:
        return frozenset(field for _, field, _, _ in string.Formatter().parse(str(self.text)) if field)


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    text: str


TEMPLATES: Final = {
    template.name: template
    for template in (
        # The "N-th in line" notice of a remote ticket: N is set by the branch.
        Template(
            "ticket_near",
            _l("Your turn is near"),
            _l("Your ticket {number}: {ahead} people ahead of you at {centre}. Please come to the hall."),
        ),
        Template(
            "ticket_called",
            _l("Your ticket is called"),
            _l("Ticket {number}: please go to window {window}."),
        ),
        # A citizen's ticket (remote or booked) reaches the place in line set by the centre.
        Template(
            "ticket_position",
            _l("Your turn is near"),
            _l("Ticket {number}: you are number {place} in line at {centre}."),
        ),
        # The same for a remote ticket whose holder has not checked in at the centre yet.
        Template(
            "ticket_position_remote",
            _l("Your turn is near: come now"),
            _l(
                "Ticket {number}: you are number {place} in line at {centre}. Come now and check in "
                'within {minutes} min: scan the QR code at the kiosk or tap "I am at the centre".'
            ),
        ),
        # A remote ticket not checked in within the centre's hold after the notice above.
        Template(
            "ticket_not_arrived",
            _l("Your ticket is cancelled"),
            _l("Ticket {number} at {centre} is cancelled: you did not check in in time. Take a new one."),
        ),
        Template(
            "otp",
            _l("Your Birtereze code"),
            _l("Birtereze code: {code}. Do not tell anyone. Valid {minutes} min."),
            secret=True,
        ),
        # Sent the day before and an hour before the slot.
        Template(
            "appointment_reminder",
            _l("Appointment reminder"),
            _l("Reminder: {centre}, {date} {time}: {service}. Booking code {code}."),
        ),
        Template(
            "appointment_booked",
            _l("Your appointment is booked"),
            _l("Booked: {centre}, {date} {time}: {service}. Booking code {code}."),
        ),
        Template(
            "appointment_cancelled",
            _l("Your appointment is cancelled"),
            _l("Cancelled: {centre}, {date} {time}: {service}. Booking code {code}."),
        ),
        # Applications (applications.service): the result is in the issuing centre's storage, or the
        # authorised body refused the application or returned it for correction.
        Template(
            "application_result_ready",
            _l("Your result is ready"),
            _l("Application {number} ({service}): the result is ready. Collect it at {centre} with your ID."),
        ),
        Template(
            "application_refused",
            _l("Your application is refused"),
            _l("Application {number} ({service}) is refused; the grounds are in your list. Ask at {centre}."),
        ),
        Template(
            "application_returned",
            _l("Your application needs correction"),
            _l(
                "Application {number} ({service}) is returned for correction: "
                "see your list or ask at {centre}."
            ),
        ),
    )
}


def get(name: str) -> Template:
    template = TEMPLATES.get(name)
    if template is None:
        raise UnknownTemplate(name=name)
    return template


def render(name: str, *, language: str, params: dict[str, object]) -> Rendered:
    """The message in the recipient's language; every placeholder given, nothing else."""
    if language not in LOCALES:
        raise UnknownLanguage(language=language)
    template = get(name)
    given = frozenset(params)
    if given != template.parameters:
        expected = ", ".join(sorted(template.parameters))
        raise TemplateParametersWrong(name=name, expected=expected)
    return Rendered(subject=template.subject.render(language), text=template.text.render(language, **params))
