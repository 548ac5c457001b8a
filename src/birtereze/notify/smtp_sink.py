"""A local SMTP server that keeps what it receives (aiosmtpd), for tests and the demo.

async with smtp_sink.running(port=0) as sink:
    ... sink.port ... sink.messages
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.smtp import SMTP


@dataclass(frozen=True, slots=True)
class SunkMessage:
    mail_from: str
    recipients: tuple[str, ...]
    subject: str
    text: str
    message: EmailMessage


class SmtpSink:
    def __init__(self) -> None:
        self.port = 0
        self.messages: list[SunkMessage] = []
        self._server: asyncio.Server | None = None
        self._changed = asyncio.Condition()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        body = parsed.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""
        async with self._changed:
            self.messages.append(
                SunkMessage(
                    mail_from=envelope.mail_from,
                    recipients=tuple(envelope.rcpt_tos),
                    subject=str(parsed["Subject"]),
                    text=text.rstrip("\n"),
                    message=parsed,
                )
            )
            self._changed.notify_all()
        return "250 Message accepted"

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: SMTP(self, hostname="sink.birtereze.local", loop=loop), host, port
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def wait_for(self, count: int, *, within_s: float = 5.0) -> list[SunkMessage]:
        async with asyncio.timeout(within_s), self._changed:
            await self._changed.wait_for(lambda: len(self.messages) >= count)
        return self.messages


@contextlib.asynccontextmanager
async def running(*, host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[SmtpSink]:
    sink = SmtpSink()
    await sink.start(host, port)
    try:
        yield sink
    finally:
        await sink.stop()
