"""The ``birtereze`` command."""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import os
from collections.abc import Awaitable, Callable
from typing import TypeVar

import click

from birtereze.core.clock import SystemClock
from birtereze.core.settings import get_settings

T = TypeVar("T")


def _run(make: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(make())  # type: ignore[arg-type]


@click.group()
def main() -> None:
    """Birtereze: the one-window Public Service Centre platform."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int, help="Worker processes")
@click.option("--reload", is_flag=True, help="Reload on code changes (development)")
@click.option(
    "--govstack-port",
    type=click.IntRange(1, 65535),
    default=None,
    help="Also serve the GovStack Registration API (/govstack) at the root of this port",
)
def serve(host: str, port: int, workers: int, reload: bool, govstack_port: int | None) -> None:
    """Serve the web app and API (with the embedded worker unless BIRTEREZE_EMBEDDED_WORKER=0)."""
    from birtereze.web import server

    settings = get_settings()
    if govstack_port is not None:
        from birtereze.applications import govstack

        if govstack_port == port:
            raise click.BadParameter("must differ from --port", param_hint="--govstack-port")
        if workers > 1 or reload:
            click.echo("--govstack-port serves from 1 worker process, without reloading.", err=True)
        govstack.serve(host, port, govstack_port=govstack_port, log_level=settings.log_level.lower())
        return
    if workers > 1 and settings.database_url.startswith("sqlite"):
        click.echo("SQLite allows one writer: serving with 1 worker process.", err=True)
        workers = 1
    server.serve(host, port, workers=workers, reload=reload, log_level=settings.log_level.lower())


@main.command()
@click.option("--lang", "lang", type=click.Choice(["kk", "ru"]), required=True, help="Kazakh or Russian")
@click.option("--ticket", required=True, help="The ticket's number, e.g. A042")
@click.option("--window", type=click.IntRange(min=1), required=True, help="The window's number")
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True), required=True, help="WAV file")
def announce(lang: str, ticket: str, window: int, out: str) -> None:
    """Write a call's voice announcement (chime, then "Талон А042 — үшінші терезе") to a WAV file."""
    from pathlib import Path

    from birtereze.queue import announce as voice

    announcer = voice.Announcer(get_settings().voice_cache_dir)
    try:
        data = announcer.announce(lang, ticket, window)  # type: ignore[arg-type]
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--ticket") from error
    except voice.VoiceUnavailable as error:
        raise click.ClickException(str(error)) from error
    Path(out).write_bytes(data)
    click.echo(f"{out}: {len(data) / 2 / voice.RATE:.1f} s, {lang}")


@main.command()
def worker() -> None:
    """Run the background worker alone (periodic jobs such as normative alerts)."""
    from birtereze.core.db import create_engine, session_factory
    from birtereze.core.live import create_hub
    from birtereze.core.logging import configure
    from birtereze.core.sql import memo_of
    from birtereze.worker import Worker

    settings = get_settings()
    configure(settings.log_level, settings.log_json)

    async def forever() -> None:
        engine = create_engine(settings.database_url)
        hub = create_hub(settings.redis_url, prefix=settings.live_channel_prefix)
        await hub.start()
        hub.attach(memo_of(engine.sync_engine))
        background = Worker(session_factory(engine), hub, SystemClock(), settings)
        background.start()
        click.echo("worker running; Ctrl+C to stop", err=True)
        try:
            await asyncio.Event().wait()
        finally:
            await background.stop()
            await hub.stop()
            await engine.dispose()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(forever())


@main.command("fake-smsc")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=2775, show_default=True, type=int)
def fake_smsc(host: str, port: int) -> None:
    """Run the local SMSC (SMPP 3.4) of tests and the demo, printing every SMS it receives.

    Point the server at it with BIRTEREZE_SMPP_HOST=127.0.0.1 (``make run`` does)."""
    from birtereze.notify import fake_smsc as smsc_module

    async def forever() -> None:
        async with smsc_module.running(host=host, port=port) as smsc:
            click.echo(f"fake SMSC listening on {host}:{smsc.port}; Ctrl+C to stop", err=True)
            shown = 0
            while True:
                with contextlib.suppress(TimeoutError):
                    await smsc.wait_for(shown + 1, within_s=3600)
                for message in smsc.messages[shown:]:
                    click.echo(f"SMS to {message.destination}: {message.text}")
                shown = len(smsc.messages)

    try:
        asyncio.run(forever())
    except KeyboardInterrupt:
        pass
    except OSError as error:
        raise click.ClickException(f"the fake SMSC cannot listen on {host}:{port}: {error}") from error


@main.command("vapid-keys")
def vapid_keys() -> None:
    """Make a new web push (VAPID) key pair: set the private key as BIRTEREZE_VAPID_PRIVATE_KEY.

    Browsers subscribed with the old public key must subscribe again (the phone page does it by itself)."""
    from birtereze.notify import push

    key = push.generate_key()
    click.echo(f"BIRTEREZE_VAPID_PRIVATE_KEY={push.private_key_text(key)}")
    click.echo(f"public key (applicationServerKey): {push.public_key_text(key)}")


@main.command()
@click.option("--revision", default="head", show_default=True)
def migrate(revision: str) -> None:
    """Bring the database schema up to date."""
    from birtereze.core.migrate import upgrade

    upgrade(get_settings().database_url, revision)
    click.echo(f"database migrated to {revision}")


@main.command()
@click.option("--year", type=click.IntRange(1900, 2999), required=True, help="The calendar year")
@click.option(
    "--week", type=click.Choice(["5", "6"]), default="5", show_default=True, help="Days in the work week"
)
@click.option("--lang", type=click.Choice(["kk", "ru", "en"]), default="en", show_default=True)
@click.option("--branch", "branch_code", default=None, help="Also close this branch (code) on these days")
def holidays(year: int, week: str, lang: str, branch_code: str | None) -> None:
    """Print Kazakhstan's days off of a year besides weekends; optionally load them into a branch."""
    from birtereze.kz import calendar as kz_calendar

    days = kz_calendar.days_off(year, week=int(week))
    if year not in kz_calendar.covered_years():
        click.echo(f"# {year} is not in the sourced data: fixed-date holidays only, no transfers")
    for off in days:
        click.echo(f"{off.day.isoformat()}  {off.day.strftime('%a')}  {off.reason:<10}  {off.names[lang]}")
    if branch_code is None:
        return

    async def load() -> int:
        from birtereze.branches import service as branches_service
        from birtereze.core.db import create_engine, session_factory, unit_of_work

        engine = create_engine(get_settings().database_url)
        try:
            async with unit_of_work(session_factory(engine)) as session:
                branch = await branches_service.get_by_code(session, branch_code)
                if branch is None:
                    raise click.ClickException(f"no branch with the code {branch_code!r}")
                added = await branches_service.add_public_holidays(
                    session, branch_id=branch.id, year=year, week=int(week)
                )
                return len(added)
        finally:
            await engine.dispose()

    click.echo(f"{_run(load)} days added to branch {branch_code}")


@main.command("demo-data")
@click.option("--if-empty", is_flag=True, help="Do nothing when a branch already exists")
@click.option("--base-url", default="http://127.0.0.1:8000", show_default=True, help="For the hall's links")
def demo_data(if_empty: bool, base_url: str) -> None:
    """Load the demo centres, catalogue and staff accounts; prints the logins and the hall's screens."""
    from birtereze import demo

    database_url = get_settings().database_url
    loaded = _run(lambda: demo.load_into(database_url, if_empty=if_empty))
    click.echo("demo data loaded" if loaded else "demo data already present")
    click.echo("Demo accounts (username / password / role):")
    for username, password, role in demo.accounts():
        click.echo(f"  {username:<18} {password:<14} {role}")
    links = _run(lambda: demo.hall_links(database_url, base_url=base_url))
    if links:
        click.echo("The hall's screens of the first demo centre (each opens signed in):")
        for what, address in links:
            click.echo(f"  {what:<18} {address}")


@main.command("create-staff")
@click.argument("username")
@click.option("--full-name", required=True)
@click.option("--role", type=click.Choice(["operator", "branch_manager", "admin", "kiosk"]), required=True)
@click.option("--branch", "branches", multiple=True, help="Branch code in scope (repeatable)")
@click.option("--password", default=None, help="Asked for when not given")
def create_staff(
    username: str, full_name: str, role: str, branches: tuple[str, ...], password: str | None
) -> None:
    """Create a staff user (or a kiosk device account)."""
    from birtereze.branches import service as branches_service
    from birtereze.core.db import create_engine, session_factory, unit_of_work
    from birtereze.staff import service as staff_service

    if password is None:
        password = os.environ.get("BIRTEREZE_NEW_PASSWORD") or getpass.getpass("Password: ")

    async def create() -> int:
        engine = create_engine(get_settings().database_url)
        try:
            async with unit_of_work(session_factory(engine)) as session:
                ids = []
                for code in branches:
                    branch = await branches_service.get_by_code(session, code)
                    if branch is None:
                        raise click.ClickException(f"no branch with code {code}")
                    ids.append(branch.id)
                staff = await staff_service.create(
                    session,
                    username=username,
                    full_name=full_name,
                    role=role,
                    password=password,
                    branch_ids=ids,
                    now=SystemClock().now(),
                )
                return staff.id
        finally:
            await engine.dispose()

    staff_id = _run(create)
    click.echo(f"staff user {username} created (id {staff_id})")


@main.command("create-token")
@click.argument("username")
@click.option("--name", default="cli", show_default=True)
def create_token(username: str, name: str) -> None:
    """Print a new bearer token for a staff user or kiosk device (no expiry)."""
    from birtereze.core.db import create_engine, session_factory, unit_of_work
    from birtereze.staff import service as staff_service

    async def create() -> str:
        engine = create_engine(get_settings().database_url)
        try:
            async with unit_of_work(session_factory(engine)) as session:
                staff = await staff_service.get_by_username(session, username)
                if staff is None:
                    raise click.ClickException(f"no staff user {username}")
                return await staff_service.issue_token(
                    session, staff_id=staff.id, name=name, now=SystemClock().now()
                )
        finally:
            await engine.dispose()

    click.echo(_run(create))


if __name__ == "__main__":
    main()
