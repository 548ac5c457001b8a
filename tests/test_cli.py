"""The ``birtereze`` command against a temporary SQLite file, checked through the API it serves."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import click
import httpx
import pytest
import smpplib.client
from alembic.script import ScriptDirectory
from asgi_lifespan import LifespanManager
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, text

from birtereze.cli import main
from birtereze.core.db import normalise_url
from birtereze.core.migrate import alembic_config
from birtereze.core.settings import Settings, get_settings
from birtereze.demo import DEMO_PASSWORD
from birtereze.web.app import create_app

Invoke = Callable[..., Result]
DEMO_ZONES = {"reception", "issue", "fast", "self_service", "passport_id", "result", "comfort"}


def _invoker(url: str) -> Invoke:
    def invoke(*args: str, env: dict[str, str] | None = None, ok: bool = True) -> Result:
        get_settings.cache_clear()  # the command reads BIRTEREZE_* afresh
        try:
            result = CliRunner().invoke(main, list(args), env={"BIRTEREZE_DATABASE_URL": url, **(env or {})})
        finally:
            get_settings.cache_clear()
        if ok:
            assert result.exit_code == 0, f"{args}: {result.output}{result.exception!r}"
        return result

    return invoke


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database made by the commands a new installation runs: migrate, then demo-data."""
    url = f"sqlite:///{tmp_path_factory.mktemp('cli') / 'demo.sqlite3'}"
    invoke = _invoker(url)
    assert "database migrated to head" in invoke("migrate").output
    demo = invoke("demo-data")
    assert "demo data loaded" in demo.output
    return url


@pytest.fixture
def invoke(demo_url: str) -> Invoke:
    return _invoker(demo_url)


@pytest.fixture
async def api(demo_url: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        database_url=demo_url, embedded_worker=False, token_cache_ttl_s=0.0, log_level="WARNING"
    )
    app = create_app(settings)
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client,
    ):
        yield client


def _scalar(url: str, sql: str) -> Any:
    engine = create_engine(normalise_url(url, async_driver=False))
    try:
        with engine.connect() as connection:
            return connection.execute(text(sql)).scalar_one()
    finally:
        engine.dispose()


def test_it_migrates_a_new_database_to_the_last_revision(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'var' / 'new.sqlite3'}"
    assert "database migrated to head" in _invoker(url)("migrate").output
    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    assert _scalar(url, "SELECT version_num FROM alembic_version") == head
    assert _invoker(url)("migrate").exit_code == 0  # again: nothing to do


async def test_it_loads_the_four_demo_centres(api: httpx.AsyncClient) -> None:
    branches = {b["code"]: b for b in (await api.get("/api/v1/branches")).json()}
    assert len(branches) == 4
    assert sorted(b["type"] for b in branches.values()) == ["digital", "mobile", "standard", "vehicle"]
    astana = next(b for b in branches.values() if b["type"] == "standard")
    assert "Astana" in astana["name"]["en"] and "Астана" in astana["name"]["kk"]
    digital = branches["TRK-DIGITAL"]
    assert digital["type"] == "digital" and "Tole Bi" in digital["address"]["en"]
    detail = (await api.get(f"/api/v1/branches/{digital['id']}")).json()
    assert len(detail["windows"]) == 12
    assert [w["number"] for w in detail["windows"] if w["accessible"]] == [1]
    assert {z["code"] for z in detail["zones"]} == DEMO_ZONES
    assert detail["hours"] and detail["services"]


async def test_it_loads_a_catalogue_of_about_thirty_services_in_three_languages(
    api: httpx.AsyncClient,
) -> None:
    services = (await api.get("/api/v1/services")).json()
    assert 25 <= len(services) <= 40
    for service in services:
        names = service["name"]
        assert all(names[locale].strip() for locale in ("kk", "ru", "en")), service
        assert names["kk"] != names["en"] and names["ru"] != names["en"], service
    kazakh_letters = set("әғқңөұүһі")
    assert any(kazakh_letters & set(s["name"]["kk"].lower()) for s in services)


async def test_it_prints_demo_logins_that_sign_in(invoke: Invoke, api: httpx.AsyncClient) -> None:
    output = (await asyncio.to_thread(invoke, "demo-data", "--if-empty")).output
    logins = [line.split() for line in output.splitlines() if DEMO_PASSWORD in line]
    roles = {parts[2] for parts in logins}
    assert {"admin", "branch_manager", "operator", "kiosk"} <= roles
    for username, password, role in logins:
        signed_in = await api.post("/api/v1/auth/token", json={"username": username, "password": password})
        assert signed_in.status_code == 201, username
        token = signed_in.json()["access_token"]
        me = (await api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})).json()
        assert me["role"] == role


async def test_it_prints_the_hall_screens_of_the_demo_signed_in(
    invoke: Invoke, api: httpx.AsyncClient
) -> None:
    output = (await asyncio.to_thread(invoke, "demo-data", "--if-empty", "--base-url", "http://hall")).output
    links = {}
    for line in output.splitlines():
        if "http://hall" in line:
            what, address = line.strip().rsplit(" ", 1)
            links[what.strip()] = address.removeprefix("http://hall")
    kiosk, manager = links["kiosk"], links["manager board"]
    assert kiosk.startswith("/kiosk/") and "access_token=" in kiosk
    for address in (kiosk, manager):
        page = await api.get(address)
        assert page.status_code == 200, address
    assert links["operator console"] == "/console" and links["information stand"].startswith("/stand/")


def test_it_loads_demo_data_once_with_if_empty(invoke: Invoke, demo_url: str) -> None:
    before = (
        _scalar(demo_url, "SELECT count(*) FROM branches"),
        _scalar(demo_url, "SELECT count(*) FROM staff"),
    )
    assert "demo data already present" in invoke("demo-data", "--if-empty").output
    after = (
        _scalar(demo_url, "SELECT count(*) FROM branches"),
        _scalar(demo_url, "SELECT count(*) FROM staff"),
    )
    assert after == before == (4, before[1])


async def test_it_creates_a_staff_user_whose_token_works(invoke: Invoke, api: httpx.AsyncClient) -> None:
    created = await asyncio.to_thread(
        invoke,
        "create-staff",
        "aigerim",
        "--full-name",
        "Aigerim Sarsenova",
        "--role",
        "operator",
        "--branch",
        "TRK-DIGITAL",
        env={"BIRTEREZE_NEW_PASSWORD": "steppe wind 2026"},
    )
    assert "staff user aigerim created" in created.output
    token = (await asyncio.to_thread(invoke, "create-token", "aigerim", "--name", "console-7")).output.strip()
    assert token.startswith("btz_")
    me = await api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    digital = next(b for b in (await api.get("/api/v1/branches")).json() if b["code"] == "TRK-DIGITAL")
    assert me.json() | {"id": 0} == {
        "id": 0,
        "username": "aigerim",
        "role": "operator",
        "branch_ids": [digital["id"]],
    }
    signed_in = await api.post(
        "/api/v1/auth/token", json={"username": "aigerim", "password": "steppe wind 2026"}
    )
    assert signed_in.status_code == 201


def test_it_refuses_staff_in_an_unknown_branch_and_tokens_for_unknown_users(invoke: Invoke) -> None:
    refused = invoke(
        "create-staff", "nobody", "--full-name", "No Body", "--role", "operator", "--branch", "NOWHERE",
        "--password", "x" * 12, ok=False,
    )  # fmt: skip
    assert refused.exit_code != 0 and "no branch with code NOWHERE" in refused.output
    refused = invoke("create-token", "ghost", ok=False)
    assert refused.exit_code != 0 and "no staff user ghost" in refused.output


def _commands(group: click.Group) -> list[str]:
    return sorted(group.commands)


@pytest.mark.parametrize("command", _commands(main))
def test_it_explains_each_command(command: str) -> None:
    result = CliRunner().invoke(main, [command, "--help"], prog_name="birtereze")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Usage: birtereze {command} [OPTIONS]")
    help_text = (main.commands[command].help or "").strip().splitlines()[0]
    assert help_text and help_text in " ".join(result.output.split())


def test_it_lists_every_command_in_the_main_help() -> None:
    result = CliRunner().invoke(main, ["--help"], prog_name="birtereze")
    assert result.exit_code == 0
    for command in ("serve", "worker", "migrate", "demo-data", "create-staff", "create-token"):
        assert command in _commands(main) and command in result.output


def test_the_fake_smsc_prints_what_it_receives() -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", "from birtereze.cli import main; main()", "fake-smsc", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None and process.stdout is not None
        started = process.stderr.readline()
        port = int(re.search(r":(\d+);", started).group(1))  # type: ignore[union-attr]
        client = smpplib.client.Client("127.0.0.1", port, timeout=5)
        client.connect()
        client.bind_transmitter(system_id="demo", password="demo")
        client.send_message(source_addr="Birtereze", destination_addr="77011234567", short_message=b"Salem")
        client.read_once()  # the submit_sm_resp
        client.unbind()
        client.disconnect()
        lines = iter(process.stdout.readline, "")
        assert (
            next(line for line in lines if line.startswith("SMS to")).strip() == "SMS to 77011234567: Salem"
        )
    finally:
        process.terminate()
        process.wait(timeout=10)
