"""The acceptance's end-to-end run of the one window: an operator takes applications through the real
``applications.service`` (draft, form, an uploaded document, registry documents, ``submit()``), the real
``applications.deliver`` job sends them over HTTP to the real fake bodies (one process serving two
authorities), the bodies answer through the signed callback API, and the results are received at the
issuing centre — another centre for some — and issued. On the way the bodies are down for a while and a
worker is killed with every request in flight (its leases run out): nothing is lost, nothing is delivered
twice, each step is recorded once. Also: ``make run``'s fake bodies cover every authority of the demo."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import shutil
import socket
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy import select

from birtereze.applications import adapters, delivery_jobs, fake_body, service, states
from birtereze.applications.delivery_models import Delivery
from birtereze.applications.fake_body import FakeBodies
from birtereze.applications.models import Application, ApplicationDocument
from birtereze.catalog import service as catalog_service
from birtereze.core.clock import ManualClock
from birtereze.core.db import unit_of_work
from birtereze.core.events import Event
from birtereze.core.settings import Settings
from birtereze.demo.catalog import STANDARDS
from birtereze.web.app import create_app
from tests.applications.support import ANSWERS, APPLICANT, PDF, draft, registries, store, with_standards
from tests.builders import World, names
from tests.conftest import Database

SECRET = "s3cret-of-the-bodies"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def ready(db: Database, world: World, clock: ManualClock) -> World:
    """The certificate and the benefit go to MTSZN (support's standards); the consultation to MVD."""
    async with unit_of_work(db.sessions) as setup:
        await with_standards(setup, world, clock.now())
        await catalog_service.create_authority(setup, code="MVD", names=names("Ministry of Internal Affairs"))
        await catalog_service.add_standard(
            setup,
            service_id=world.services["consultation"].id,
            draft=dataclasses.replace(draft(), authority_code="MVD"),
            now=clock.now(),
        )
    return world


@pytest.fixture
async def bodies(clock: ManualClock) -> AsyncIterator[FakeBodies]:
    fakes = FakeBodies.of(["MTSZN", "MVD"], secret=SECRET.encode(), now=clock.now, seed=5, refuse_rate=0.0)
    fakes.base = await fakes.start()  # type: ignore[attr-defined]
    yield fakes
    await fakes.close()


def configured(settings: Settings, bodies: FakeBodies, tmp_path: Path) -> Settings:
    return settings.model_copy(
        update={
            "body_endpoints": fake_body.endpoints(bodies.base, SECRET, list(bodies.bodies)),  # type: ignore[attr-defined]
            "body_callback_url": "http://testserver",
            "documents_dir": tmp_path / "documents",
            "delivery_backoff_s": 10.0,
            "delivery_backoff_max_s": 600.0,
            "delivery_max_attempts": 8,
            "delivery_lease_s": 60.0,
            "delivery_timeout_s": 5.0,
        }
    )


async def intake(
    db: Database, world: World, clock: ManualClock, tmp_path: Path, service_key: str, issuing: int
) -> int:
    """What the operator's intake screen does: a draft at the ticket's centre, the form, the signed
    application uploaded, then ``submit()`` (the registry documents fetched, the delivery queued)."""
    async with unit_of_work(db.sessions) as session:
        application = await service.create(
            session,
            service_id=world.services[service_key].id,
            intake_branch_id=world.branch.id,
            issuing_branch_id=issuing,
            applicant_iin=APPLICANT,
            channel="operator",
            language="ru",
            now=clock.now(),
            registries=registries(),
            staff_id=world.staff["operator"],
        )
        await service.update(session, application, form=ANSWERS, now=clock.now())
        await service.add_document(
            session, application, code="application_scan", content=PDF, store=store(tmp_path), now=clock.now()
        )
        submitted = await service.submit(
            session, application.id, registries=registries(), store=store(tmp_path), now=clock.now()
        )
        assert submitted.status == "submitted"
        return application.id


async def run_job(db: Database, clock: ManualClock, config: Settings) -> int:
    async with unit_of_work(db.sessions) as session:
        return await delivery_jobs.deliver(session, clock, config)


async def deliveries(db: Database) -> list[Delivery]:
    async with db.sessions() as session:
        return list((await session.scalars(select(Delivery).order_by(Delivery.id))).all())


async def test_from_intake_to_issue_through_the_fake_bodies_with_the_bodies_down_and_a_worker_killed(
    db: Database, ready: World, clock: ManualClock, settings: Settings, bodies: FakeBodies, tmp_path: Path
) -> None:
    config = configured(settings, bodies, tmp_path)
    plan = [  # (service, issuing centre): the results of some are issued at another centre
        ("certificate", ready.branch.id),
        ("benefit", ready.other_branch.id),
        ("consultation", ready.branch.id),
        ("consultation", ready.other_branch.id),
        ("certificate", ready.other_branch.id),
    ]
    app = create_app(config, clock)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            for body in bodies.bodies.values():
                body.callback_client = http  # the answers reach the app through its callback API
            ids = [await intake(db, ready, clock, tmp_path, key, issuing) for key, issuing in plan]
            issuing_of = dict(zip(ids, (issuing for _, issuing in plan), strict=True))

            # The bodies are down for a while: two tries each, waiting longer after each.
            port = bodies.port
            await bodies.stop()
            assert await run_job(db, clock, config) == len(ids)
            clock.advance(timedelta(seconds=15))
            assert await run_job(db, clock, config) == len(ids)
            rows = await deliveries(db)
            assert {row.status for row in rows} == {"queued"} and {row.attempts for row in rows} == {2}
            assert all(row.next_attempt_at and row.next_attempt_at > clock.now() for row in rows)
            assert await run_job(db, clock, config) == 0  # backing off
            assert bodies.stats()["requests"] == 0

            # Back, but slow to answer: the worker is killed with every request in flight.
            await bodies.start(port=port)
            for body in bodies.bodies.values():
                body.respond_delay_s = 30.0
            clock.advance(timedelta(seconds=30))
            worker = asyncio.create_task(run_job(db, clock, config))
            async with asyncio.timeout(10):
                while bodies.stats()["applications"] < len(ids):  # noqa: ASYNC110 - the bodies fill it
                    await asyncio.sleep(0.01)
            worker.cancel()
            with pytest.raises(asyncio.CancelledError):
                await worker
            for body in bodies.bodies.values():
                body.release()
            assert {row.status for row in await deliveries(db)} == {"sending"}  # the dead worker's leases
            assert await run_job(db, clock, config) == 0
            clock.advance(timedelta(seconds=61))  # the leases run out: another worker, the same keys
            assert await run_job(db, clock, config) == len(ids)
            async with asyncio.timeout(15):
                await bodies.settled()
            assert await run_job(db, clock, config) == 0  # nothing left to send

            # The results at the issuing centres, issued against the applicant's IIN.
            async with unit_of_work(db.sessions) as session:
                for cell, application_id in enumerate(ids, start=1):
                    assert (await service.get(session, application_id)).status == "result_ready"
                    await service.receive_result(
                        session,
                        application_id,
                        branch_id=issuing_of[application_id],
                        storage_cell=f"C-{cell}",
                        now=clock.now(),
                    )
            clock.advance(timedelta(hours=2))
            async with unit_of_work(db.sessions) as session:
                for application_id in ids:
                    issued = await service.issue(
                        session,
                        application_id,
                        branch_id=issuing_of[application_id],
                        presented_iin=APPLICANT,
                        now=clock.now(),
                    )
                    assert issued.status == "issued" and issued.issued_to_iin == APPLICANT

    # Nothing lost, nothing twice — at the bodies…
    seen = bodies.stats()
    assert seen["applications"] == len(ids) and sorted(seen["application_ids"]) == sorted(ids)
    assert seen["duplicates"] == 0 and seen["bad_signatures"] == 0
    assert seen["redeliveries"] == len(ids)  # the killed worker's tries, recognised by their keys
    assert {code: each["applications"] for code, each in seen["by_authority"].items()} == {
        "MTSZN": 3,
        "MVD": 2,
    }
    answers = Counter(answer for body in bodies.bodies.values() for answer in body.answers_sent)
    assert answers == Counter([(a, "accepted") for a in ids] + [(a, "result_ready") for a in ids])
    # … in the outbox: one delivery each, acknowledged once, after 2 failed tries and the killed one …
    rows = await deliveries(db)
    assert sorted(row.application_id for row in rows) == sorted(ids)
    assert all(row.status == "delivered" and row.attempts == 4 and row.acknowledgement for row in rows)
    async with db.sessions() as session:
        statement = select(Application.id, Application.authority_code).where(Application.id.in_(ids))
        authority_of = {row.id: row.authority_code for row in await session.execute(statement)}
        assert all(row.authority_code == authority_of[row.application_id] for row in rows)
        results = Counter(
            await session.scalars(
                select(ApplicationDocument.application_id).where(ApplicationDocument.source == "body")
            )
        )
        assert results == Counter(ids)  # the body's result document, stored once
        # … and in each application's events: every step once, never backwards.
        for application_id in ids:
            types = [event.type for event in await service.timeline(session, application_id)]
            steps = Counter(types)
            for once in (
                "application.created",
                "application.submitted",
                "application.accepted",
                "application.result_ready",
                "application.at_issuing_centre",
                "application.issued",
            ):
                assert steps[once] == 1, (application_id, types)
            assert steps["application.delivered"] <= 1  # an answer may overtake the acknowledgement
            # In the order they were written (an answer's time is its arrival, which may be before the
            # acknowledgement was recorded): the status only ever moves forward.
            written = sorted(await service.timeline(session, application_id), key=lambda event: event.id)
            order = [
                str(event.data["status"])
                for event in written
                if event.type.removeprefix("application.") in states.STATUSES
            ]
            assert order == sorted(order, key=list(states.STATUSES).index), order
        acknowledged = Counter(
            event.data["application_id"]
            for event in await session.scalars(
                select(Event).where(Event.type == "application.delivery_acknowledged")
            )
        )
        assert acknowledged == Counter(ids)


async def test_the_demo_fake_bodies_cover_every_authority_the_demo_catalogue_names(
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake_body.main(["--demo", "--port", "8470", "--secret", "demo", "--print-endpoints"])
    printed = json.loads(capsys.readouterr().out)
    configured = adapters.endpoints(Settings(body_endpoints=printed))
    named = {standard.authority_code for standard in STANDARDS.values()}
    assert named and named <= set(configured) and set(configured) == set(fake_body.demo_authorities())
    for code, body in configured.items():
        assert body.mode == "http" and body.url == f"http://127.0.0.1:8470/{code}/applications"


# What ``make run`` starts the server with: a stand-in for ``birtereze serve`` writes its BIRTEREZE_
# settings, once the fake bodies answer, and returns (the fake bodies are stopped on the way out).
SERVE_STANDIN = """#!{python}
import json, os, sys, time, urllib.request
endpoints = json.loads(os.environ.get("BIRTEREZE_BODY_ENDPOINTS") or "{{}}")
stats = None
for url in [entry["url"] for entry in endpoints.values() if "127.0.0.1" in entry["url"]][:1]:
    for _ in range(100):
        try:
            stats = json.load(urllib.request.urlopen(url.rsplit("/", 2)[0] + "/stats"))
            break
        except OSError:
            time.sleep(0.1)
found = {{key: value for key, value in os.environ.items() if key.startswith("BIRTEREZE_")}}
json.dump({{"argv": sys.argv[1:], "env": found, "stats": stats}}, open({out!r}, "w"))
"""


def make_run(tmp_path: Path, **env: str) -> dict[str, Any]:
    """``make run`` with a stand-in server, the demo's data taken as loaded and the fake SMSC not started."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    stand_in = tmp_path / "bin"
    stand_in.mkdir(exist_ok=True)
    out = tmp_path / "serve.json"
    (stand_in / "birtereze").write_text(SERVE_STANDIN.format(python=sys.executable, out=str(out)))
    (stand_in / "birtereze").chmod(0o755)
    (stand_in / "python").write_text(f'#!/bin/sh\nexec {sys.executable} "$@"\n')
    (stand_in / "python").chmod(0o755)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {
        **{key: value for key, value in os.environ.items() if not key.startswith("BIRTEREZE_")},
        "BIRTEREZE_SMPP_HOST": "127.0.0.1",
        **env,
    }
    subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-o",
            "demo-data",
            "run",
            f"BIN={stand_in}",
            f"FAKE_BODY_PORT={port}",
        ],
        cwd=ROOT,
        env=environment,
        check=True,
        timeout=60,
        capture_output=True,
    )
    found: dict[str, Any] = json.loads(out.read_text())
    found["port"] = port
    return found


def test_make_run_starts_the_fake_bodies_of_every_demo_authority_unless_bodies_are_set(
    tmp_path: Path,
) -> None:
    started = make_run(tmp_path)
    assert started["argv"][:1] == ["serve"]
    env = started["env"]
    assert env["BIRTEREZE_BODY_CALLBACK_URL"] == "http://127.0.0.1:8000"
    configured = adapters.endpoints(Settings(body_endpoints=json.loads(env["BIRTEREZE_BODY_ENDPOINTS"])))
    assert {standard.authority_code for standard in STANDARDS.values()} <= set(configured)
    assert started["stats"] is not None  # the fake bodies were up
    assert set(started["stats"]["by_authority"]) == set(configured)
    assert all(body.url and f":{started['port']}/{code}/" in body.url for code, body in configured.items())

    own = json.dumps({"MVD": {"mode": "http", "url": "https://mvd.example/in", "secret": "x"}})
    kept = make_run(tmp_path, BIRTEREZE_BODY_ENDPOINTS=own, BIRTEREZE_BODY_CALLBACK_URL="https://one.example")
    assert kept["env"]["BIRTEREZE_BODY_ENDPOINTS"] == own and kept["stats"] is None
    assert kept["env"]["BIRTEREZE_BODY_CALLBACK_URL"] == "https://one.example"


async def test_one_fake_body_process_serves_each_authority_at_its_own_path(
    bodies: FakeBodies, clock: ManualClock
) -> None:
    base = bodies.base  # type: ignore[attr-defined]
    async with httpx.AsyncClient() as http:
        unknown = await http.post(f"{base}/KGD/applications", content=b"{}")
        assert unknown.status_code == 404
        for code in ("MTSZN", "MVD"):
            content = json.dumps({"application_id": 7, "callback_url": None}).encode()
            headers = {
                adapters.IDEMPOTENCY_HEADER: f"key-{code}",
                **adapters.signed_headers(
                    SECRET.encode(),
                    now=clock.now(),
                    method="POST",
                    path=f"/{code}/applications",
                    body=content,
                ),
            }
            answered = await http.post(f"{base}/{code}/applications", content=content, headers=headers)
            assert answered.status_code == 201 and answered.json()["reference"] == f"{code}-0000001"
        stats = (await http.get(f"{base}/stats")).json()
        assert stats["by_authority"]["MVD"]["applications"] == 1 and stats["applications"] == 2
        assert (await http.get(f"{base}/MVD/stats")).json()["application_ids"] == [7]
