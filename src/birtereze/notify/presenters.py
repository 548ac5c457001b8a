"""What staff see of the outbox: recipients masked, secrets hidden, our own errors translated."""

from __future__ import annotations

from birtereze.core.i18n import gettext
from birtereze.notify import messages, service
from birtereze.notify.models import Notification
from birtereze.notify.schemas import NotificationList, NotificationRead


def shown_text(notification: Notification) -> str | None:
    template = messages.TEMPLATES.get(notification.template)
    if template is not None and template.secret:
        return None
    return notification.body


def notification_read(notification: Notification, *, locale: str) -> NotificationRead:
    error = notification.last_error
    return NotificationRead.model_validate(
        {
            "id": notification.id,
            "channel": notification.channel,
            "recipient": service.mask_recipient(notification.channel, notification.recipient),
            "template": notification.template,
            "language": notification.language,
            "text": shown_text(notification),
            "status": notification.status,
            "attempts": notification.attempts,
            # The sender's own errors are message ids (translated here); a provider's answer stays as is.
            "last_error": gettext(error, locale) if error else None,
            "created_at": notification.created_at,
            "next_attempt_at": notification.next_attempt_at,
            "sent_at": notification.sent_at,
            "delivered_at": notification.delivered_at,
            "failed_at": notification.failed_at,
            "visit_id": notification.visit_id,
        }
    )


def notification_list(page: service.Page, *, locale: str) -> NotificationList:
    return NotificationList(
        items=[notification_read(n, locale=locale) for n in page.items],
        total=page.total,
        page=page.page,
        pages=page.pages,
    )
