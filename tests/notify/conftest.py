"""Fixtures of the notifications tests: the fake SMSC and the SMTP sink on free ports, settings that
point at them, and one run of the sender as the worker runs it."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from pydantic import SecretStr

from birtereze.core.clock import ManualClock
from birtereze.core.db import unit_of_work
from birtereze.core.settings import Settings
from birtereze.notify import fake_smsc, jobs, smtp_sink
from tests.conftest import Database

SendOnce = Callable[[], Awaitable[None]]


@pytest.fixture
async def smsc() -> AsyncIterator[fake_smsc.FakeSmsc]:
    async with fake_smsc.running(port=0, system_id="birtereze", password="secret") as running:
        yield running


@pytest.fixture
async def sink() -> AsyncIterator[smtp_sink.SmtpSink]:
    async with smtp_sink.running(port=0) as running:
        yield running


def closed_port() -> int:
    """A port nothing listens on (taken and released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def pointing_at(settings: Settings, *, smpp_port: int | None, smtp_port: int | None) -> Settings:
    update: dict[str, object] = {"smpp_receipt_wait_s": 2.0, "smpp_timeout_s": 2.0, "smtp_timeout_s": 2.0}
    if smpp_port is not None:
        update |= {
            "smpp_host": "127.0.0.1",
            "smpp_port": smpp_port,
            "smpp_system_id": "birtereze",
            "smpp_password": SecretStr("secret"),
        }
    if smtp_port is not None:
        update |= {
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp_port,
            "smtp_from": "Birtereze <noreply@birtereze.kz>",
        }
    return settings.model_copy(update=update)


@pytest.fixture
def notify_settings(settings: Settings, smsc: fake_smsc.FakeSmsc, sink: smtp_sink.SmtpSink) -> Settings:
    return pointing_at(settings, smpp_port=smsc.port, smtp_port=sink.port)


def sender(db: Database, clock: ManualClock, settings: Settings) -> SendOnce:
    async def once() -> None:
        async with unit_of_work(db.sessions) as session:
            await jobs.send(session, clock, settings)

    return once


@pytest.fixture
def send_once(db: Database, clock: ManualClock, notify_settings: Settings) -> SendOnce:
    return sender(db, clock, notify_settings)
