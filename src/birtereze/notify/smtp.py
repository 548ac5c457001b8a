"""E-mail over SMTP (aiosmtplib): one plain-text message per notification, in the recipient's language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

import aiosmtplib
import structlog

from birtereze.core.settings import Settings
from birtereze.notify.transports import Outgoing, TransportError

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int
    user: str | None
    password: str | None
    sender: str
    starttls: bool
    timeout_s: float

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpConfig | None:
        if not settings.smtp_host:
            return None
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            user=settings.smtp_user or None,
            password=password or None,
            sender=settings.smtp_from,
            starttls=settings.smtp_starttls,
            timeout_s=settings.smtp_timeout_s,
        )


def compose(message: Outgoing, *, sender: str, now: datetime) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Date"] = format_datetime(now)
    domain = parseaddr(sender)[1].rpartition("@")[2] or None
    email["Message-ID"] = make_msgid(domain=domain)
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.text + "\n", charset="utf-8")
    email["Content-Language"] = message.language  # after set_content, which drops Content-* headers
    return email


class SmtpTransport:
    channel = "email"

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config

    async def send(self, message: Outgoing, *, now: datetime) -> list[str]:
        """Hand the message to the SMTP server; its Message-ID is the provider's id."""
        email = compose(message, sender=self.config.sender, now=now)
        try:
            await aiosmtplib.send(
                email,
                hostname=self.config.host,
                port=self.config.port,
                username=self.config.user,
                password=self.config.password,
                start_tls=self.config.starttls,
                timeout=self.config.timeout_s,
            )
        except aiosmtplib.SMTPRecipientsRefused as refused:
            raise TransportError("the SMTP server refused the recipient", permanent=True) from refused
        except aiosmtplib.SMTPResponseException as answer:
            # 5xx: the server will not take this message; 4xx: try again later.
            permanent = 500 <= answer.code < 600
            raise TransportError(f"the SMTP server answered {answer.code}", permanent=permanent) from answer
        except (aiosmtplib.SMTPException, OSError) as error:
            raise TransportError(f"the SMTP server cannot be reached ({type(error).__name__})") from error
        return [str(email["Message-ID"])]


def valid_address(value: str) -> bool:
    """One mailbox, ``local@domain.tld``, without a display name."""
    try:
        address = Address(addr_spec=value)
    except (ValueError, IndexError, TypeError):
        return False
    return bool(address.username) and "." in address.domain and address.addr_spec == value
