"""Errors of the notifications service."""

from __future__ import annotations

from birtereze.core.errors import InvalidInput
from birtereze.core.i18n import _l


class UnknownTemplate(InvalidInput):
    code = "unknown_message_template"
    message = _l("There is no message template {name}.")


class TemplateParametersWrong(InvalidInput):
    code = "message_parameters_wrong"
    message = _l("The message {name} needs exactly these parameters: {expected}.")


class UnknownLanguage(InvalidInput):
    code = "unknown_message_language"
    message = _l("Messages are sent in kk, ru or en, not {language}.")


class UnknownChannel(InvalidInput):
    code = "unknown_message_channel"
    message = _l("Messages go by sms, email or push, not {channel}.")


class InvalidRecipient(InvalidInput):
    code = "invalid_message_recipient"
    message = _l("The recipient is not a valid address for {channel}.")


class UnknownStatus(InvalidInput):
    code = "unknown_message_status"
    message = _l("Messages are queued, sending, sent, delivered or failed, not {status}.")


class InvalidPushSubscription(InvalidInput):
    code = "invalid_push_subscription"
    message = _l(
        "This browser's push subscription cannot be used: its push service address or keys are not valid."
    )
