"""Delivery of applications to the authorised bodies (applications.delivery) against the fake body over
HTTP: signed requests with an idempotency key, acknowledgements, exponential back-off while the body is
down, an answer lost, a worker killed in the middle of a delivery (its lease runs out), dead letters and
their alert, the polling inbox, the bodies' signed callbacks — and an end-to-end run from submission to
the body's result: nothing lost, nothing delivered twice."""

from __future__ import annotations

import asyncio
import base64
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import orjson
import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy import func, select

from birtereze.applications import adapters, delivery, delivery_jobs
from birtereze.applications.delivery_models import Delivery
from birtereze.applications.fake_body import FakeBody
from birtereze.applications.models import Application, ApplicationDocument
from birtereze.core.clock import ManualClock
from birtereze.core.db import unit_of_work
from birtereze.core.events import Event
from birtereze.core.settings import Settings
from birtereze.web.app import create_app
from tests.builders import World
from tests.conftest import Database

SECRET = "s3cret-of-the-body"
AUTHORITY = "MVD"
IIN = "900101300021"


@pytest.fixture
async def body(clock: ManualClock) -> AsyncIterator[FakeBody]:
    fake = FakeBody(authority=AUTHORITY, secret=SECRET.encode(), now=clock.now, seed=7, send_answers=False)
    fake.url = await fake.start()  # type: ignore[attr-defined]
    yield fake
    await fake.close()


def configured(settings: Settings, body: FakeBody, *, mode: str = "http", **update: object) -> Settings:
    entry = {"mode": mode, "secret": SECRET}
    if mode == "http":
        entry["url"] = body.url  # type: ignore[attr-defined]
    return settings.model_copy(
        update={
            "body_endpoints": {AUTHORITY: entry},
            "body_callback_url": "http://testserver",
            "delivery_backoff_s": 10.0,
            "delivery_backoff_max_s": 600.0,
            "delivery_max_attempts": 5,
            "delivery_lease_s": 60.0,
            "delivery_timeout_s": 5.0,
            **update,
        }
    )


async def submitted(db: Database, world: World, clock: ManualClock) -> tuple[int, int]:
    """An application as submit() leaves it: submitted, with its delivery in the outbox."""
    async with unit_of_work(db.sessions) as session:
        now = clock.now()
        application = Application(
            number=f"T-{uuid.uuid4().hex[:12]}",
            service_id=world.services["certificate"].id,
            authority_code=AUTHORITY,
            applicant_iin=IIN,
            channel="operator",
            intake_branch_id=world.branch.id,
            issuing_branch_id=world.branch.id,
            status="submitted",
            language="kk",
            form_data={"purpose": "test"},
            created_at=now,
            changed_at=now,
            submitted_at=now,
        )
        session.add(application)
        await session.flush()
        row = await delivery.enqueue(
            session,
            application_id=application.id,
            authority_code=AUTHORITY,
            payload={"number": application.number, "applicant_iin": IIN},
            now=now,
            branch_id=world.branch.id,
        )
        return application.id, row.id


async def run_job(db: Database, clock: ManualClock, settings: Settings) -> int:
    async with unit_of_work(db.sessions) as session:
        return await delivery_jobs.deliver(session, clock, settings)


async def row_of(db: Database, delivery_id: int) -> Delivery:
    async with db.sessions() as session:
        found = await session.get(Delivery, delivery_id)
        assert found is not None
        return found


async def status_of(db: Database, application_id: int) -> str:
    async with db.sessions() as session:
        found = await session.get(Application, application_id)
        assert found is not None
        return found.status


async def events_of(db: Database, type: str) -> int:
    async with db.sessions() as session:
        return int(await session.scalar(select(func.count()).where(Event.type == type)) or 0)


async def test_it_posts_the_application_signed_with_its_key_and_records_the_acknowledgement(
    db: Database, world: World, clock: ManualClock, body: FakeBody, settings: Settings
) -> None:
    application_id, delivery_id = await submitted(db, world, clock)
    assert await run_job(db, clock, configured(settings, body)) == 1
    row = await row_of(db, delivery_id)
    assert row.status == "delivered" and row.attempts == 1
    assert row.acknowledgement == "MVD-0000001" and row.delivered_at == clock.now()
    assert await status_of(db, application_id) == "delivered"
    [kept] = body.received.values()
    assert kept.key == row.idempotency_key and kept.application_id == application_id
    assert body.bad_signatures == 0 and body.duplicates == 0
    assert await events_of(db, "application.delivered") == 1
    assert await run_job(db, clock, configured(settings, body)) == 0  # nothing more to do


async def test_it_waits_with_exponential_back_off_while_the_body_is_down_and_delivers_once_it_is_back(
    db: Database, world: World, clock: ManualClock, body: FakeBody, settings: Settings
) -> None:
    config = configured(settings, body)
    application_id, delivery_id = await submitted(db, world, clock)
    port = body.port  # type: ignore[attr-defined]
    await body.stop()
    waits = []
    for _ in range(3):
        await run_job(db, clock, config)
        row = await row_of(db, delivery_id)
        assert row.status == "queued" and row.last_error is not None
        assert row.next_attempt_at is not None
        waits.append(row.next_attempt_at - clock.now())
        assert await run_job(db, clock, config) == 0  # not due yet
        clock.set(row.next_attempt_at)
    assert waits[0] >= timedelta(seconds=10) and waits[1] == 2 * waits[0] and waits[2] == 4 * waits[0]
    await body.start(port=port)
    await run_job(db, clock, config)
    row = await row_of(db, delivery_id)
    assert row.status == "delivered" and row.attempts == 4
    assert await status_of(db, application_id) == "delivered"
    assert body.applications == 1 and body.duplicates == 0 and body.redeliveries == 0


async def test_an_answer_lost_is_tried_again_with_the_same_key_and_the_body_keeps_one(
    db: Database, world: World, clock: ManualClock, body: FakeBody, settings: Settings
) -> None:
    config = configured(settings, body)
    _, delivery_id = await submitted(db, world, clock)
    body.fail_next = ["after", "before"]
    await run_job(db, clock, config)  # kept by the body, the answer lost
    await _retry_when_due(db, clock, config, delivery_id)  # refused before keeping
    await _retry_when_due(db, clock, config, delivery_id)
    row = await row_of(db, delivery_id)
    assert row.status == "delivered" and row.attempts == 3
    assert body.applications == 1 and body.redeliveries == 1 and body.duplicates == 0
    assert row.acknowledgement == "MVD-0000001"


async def _retry_when_due(db: Database, clock: ManualClock, config: Settings, delivery_id: int) -> None:
    row = await row_of(db, delivery_id)
    assert row.next_attempt_at is not None
    clock.set(row.next_attempt_at)
    await run_job(db, clock, config)


async def test_a_worker_killed_mid_delivery_leaves_it_to_another_after_the_lease_and_nothing_twice(
    db: Database, world: World, clock: ManualClock, body: FakeBody, settings: Settings
) -> None:
    config = configured(settings, body)
    application_id, delivery_id = await submitted(db, world, clock)
    body.respond_delay_s = 30.0  # the body keeps it, and answers slowly
    worker = asyncio.create_task(run_job(db, clock, config))
    async with asyncio.timeout(10):
        await body.arrived.wait()
    worker.cancel()  # killed in the middle of the request
    with pytest.raises(asyncio.CancelledError):
        await worker
    body.release()
    row = await row_of(db, delivery_id)
    assert row.status == "sending" and row.attempts == 1  # the claim was committed
    assert await run_job(db, clock, config) == 0  # still the dead worker's
    clock.advance(timedelta(seconds=61))
    assert await run_job(db, clock, config) == 1
    row = await row_of(db, delivery_id)
    assert row.status == "delivered" and row.attempts == 2
    assert await status_of(db, application_id) == "delivered"
    assert body.applications == 1 and body.redeliveries == 1 and body.duplicates == 0
    assert await events_of(db, "application.delivered") == 1


async def test_a_permanent_refusal_is_a_dead_letter_with_an_alert_and_staff_queue_it_again(
    db: Database, world: World, clock: ManualClock, body: FakeBody, settings: Settings
) -> None:
    wrong = configured(settings, body)
    wrong.body_endpoints[AUTHORITY]["secret"] = "not-the-secret"
    application_id, delivery_id = await submitted(db, world, clock)
    await run_job(db, clock, wrong)
    row = await row_of(db, delivery_id)
    assert row.status == "dead" and row.dead_at == clock.now() and "401" in (row.last_error or "")
    assert await events_of(db, "application.delivery_dead") == 1
    assert await status_of(db, application_id) == "submitted"
    app = create_app(configured(settings, body), clock)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            listed = await http.get("/api/v1/deliveries", headers=world.auth("admin"))
            assert listed.status_code == 200
            assert listed.json()["counts"]["dead"] == 1
            assert [item["id"] for item in listed.json()["items"]] == [delivery_id]
            requeued = await http.post(
                f"/api/v1/deliveries/{delivery_id}/requeue", headers=world.auth("admin")
            )
            assert requeued.status_code == 200 and requeued.json()["status"] == "queued"
            again = await http.post(f"/api/v1/deliveries/{delivery_id}/requeue", headers=world.auth("admin"))
            assert again.status_code == 409
    await run_job(db, clock, configured(settings, body))
    assert (await row_of(db, delivery_id)).status == "delivered"
    assert await status_of(db, application_id) == "delivered"


async def test_after_the_last_try_the_delivery_is_a_dead_letter(
    db: Database, world: World, clock: ManualClock, body: FakeBody, settings: Settings
) -> None:
    config = configured(settings, body, delivery_max_attempts=2)
    _, delivery_id = await submitted(db, world, clock)
    body.fail_next = ["before", "before"]
    await run_job(db, clock, config)
    await _retry_when_due(db, clock, config, delivery_id)
    row = await row_of(db, delivery_id)
    assert row.status == "dead" and row.attempts == 2 and row.next_attempt_at is None
    assert body.applications == 0


@pytest.mark.parametrize(
    "database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
async def test_two_workers_never_claim_the_same_delivery_on_postgresql(
    db: Database, world: World, clock: ManualClock
) -> None:
    for _ in range(6):
        await submitted(db, world, clock)
    policy = delivery.Policy()
    async with db.sessions() as first, db.sessions() as second:
        mine = await delivery.claim_due(
            first, now=clock.now(), limit=4, authorities=[AUTHORITY], policy=policy
        )
        theirs = await delivery.claim_due(
            second, now=clock.now(), limit=4, authorities=[AUTHORITY], policy=policy
        )
        assert len(mine) == 4 and len(theirs) == 2
        assert not {row.id for row in mine} & {row.id for row in theirs}
        await first.rollback()
        await second.rollback()


async def signed_request(
    http: httpx.AsyncClient, method: str, path: str, clock: ManualClock, payload: object = None
) -> httpx.Response:
    content = b"" if payload is None else orjson.dumps(payload)
    headers = {
        "Content-Type": "application/json",
        **adapters.signed_headers(SECRET.encode(), now=clock.now(), method=method, path=path, body=content),
    }
    return await http.request(method, path, content=content, headers=headers)


@pytest.fixture
async def bodies_api(
    settings: Settings, clock: ManualClock, body: FakeBody, tmp_path: object
) -> AsyncIterator[httpx.AsyncClient]:
    config = configured(settings, body, documents_dir=tmp_path)
    app = create_app(config, clock)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


async def test_the_bodies_answers_are_signed_idempotent_and_only_for_what_they_received(
    db: Database,
    world: World,
    clock: ManualClock,
    body: FakeBody,
    settings: Settings,
    bodies_api: httpx.AsyncClient,
) -> None:
    application_id, _ = await submitted(db, world, clock)
    path = f"/api/v1/bodies/{AUTHORITY}/answers"
    accepted = {"application_id": application_id, "kind": "accepted"}
    assert (await signed_request(bodies_api, "POST", path, clock, accepted)).status_code == 404  # not sent
    await run_job(db, clock, configured(settings, body))

    unsigned = await bodies_api.post(path, json=accepted)
    assert unsigned.status_code == 401 and unsigned.json()["code"] == "bad_signature"
    stale = clock.now() - timedelta(minutes=10)
    old = adapters.signed_headers(
        SECRET.encode(), now=stale, method="POST", path=path, body=orjson.dumps(accepted)
    )
    old["Content-Type"] = "application/json"
    replayed = await bodies_api.post(path, content=orjson.dumps(accepted), headers=old)
    assert replayed.status_code == 401
    other = await signed_request(bodies_api, "POST", "/api/v1/bodies/OTHER/answers", clock, accepted)
    assert other.status_code == 401

    for _ in range(2):
        clock.advance(timedelta(seconds=1))  # signed anew: the same signature twice is a replay
        answered = await signed_request(bodies_api, "POST", path, clock, accepted)
        assert answered.status_code == 200, answered.text
    assert await status_of(db, application_id) == "accepted"
    assert await events_of(db, "application.accepted") == 1

    broken = {"application_id": application_id, "kind": "result_ready", "documents": [
        {"name": "r.pdf", "content_type": "application/pdf", "content_base64": "not base64!"}]}  # fmt: skip
    assert (await signed_request(bodies_api, "POST", path, clock, broken)).status_code == 400
    result = {"application_id": application_id, "kind": "result_ready", "result": {"decision": "granted"},
              "documents": [{"name": "r.pdf", "content_type": "application/pdf",
                             "content_base64": base64.b64encode(b"%PDF-1.4\n%%EOF\n").decode()}]}  # fmt: skip
    assert (await signed_request(bodies_api, "POST", path, clock, result)).status_code == 200
    assert await status_of(db, application_id) == "result_ready"
    async with db.sessions() as session:
        stored = await session.scalar(
            select(func.count()).where(
                ApplicationDocument.application_id == application_id, ApplicationDocument.source == "body"
            )
        )
    assert stored == 1


async def test_a_polling_body_takes_its_inbox_and_acknowledges_it(
    db: Database,
    world: World,
    clock: ManualClock,
    body: FakeBody,
    settings: Settings,
    tmp_path: object,
) -> None:
    config = configured(settings, body, mode="inbox", documents_dir=tmp_path)
    application_id, delivery_id = await submitted(db, world, clock)
    assert await run_job(db, clock, config) == 0  # not POSTed: the body polls
    app = create_app(config, clock)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            body.callback_client = http
            assert (await http.get(f"/api/v1/bodies/{AUTHORITY}/inbox")).status_code == 401
            assert await body.poll_once("http://testserver") == 1
            clock.advance(timedelta(seconds=1))  # the same signed request in the same second is a replay
            assert await body.poll_once("http://testserver") == 0
            ack = await signed_request(
                http, "POST", f"/api/v1/bodies/{AUTHORITY}/inbox/{delivery_id}/ack", clock, {"reference": "x"}
            )
            assert ack.status_code == 200 and ack.json()["acknowledgement"] == "MVD-0000001"  # unchanged
    row = await row_of(db, delivery_id)
    assert row.status == "delivered" and row.acknowledgement == "MVD-0000001"
    assert await status_of(db, application_id) == "delivered"
    assert body.applications == 1


def test_the_signature_covers_the_query_string_and_a_pair_is_taken_once(clock: ManualClock) -> None:
    secret, now = SECRET.encode(), clock.now()
    path = f"/api/v1/bodies/{AUTHORITY}/inbox"
    headers = adapters.signed_headers(secret, now=now, method="GET", path=f"{path}?limit=1", body=b"")

    def check(target: str, guard: adapters.ReplayGuard | None = None) -> None:
        adapters.verify(
            secret,
            timestamp=headers[adapters.TIMESTAMP_HEADER],
            signed=headers[adapters.SIGNATURE_HEADER],
            method="GET",
            path=target,
            body=b"",
            now=now,
            tolerance_s=300,
            replays=guard,
        )

    check(f"{path}?limit=1")
    for changed in (f"{path}?limit=500", path, f"{path}?limit=1&limit=500"):
        with pytest.raises(adapters.BadSignature):
            check(changed)
    assert adapters.url_target(f"http://testserver{path}?limit=1") == f"{path}?limit=1"
    assert adapters.url_target("https://body.example") == "/"
    guard = adapters.ReplayGuard()
    check(f"{path}?limit=1", guard)
    with pytest.raises(adapters.BadSignature):
        check(f"{path}?limit=1", guard)  # the same (timestamp, signature) again: a replay
    assert guard.first_time("1", "other", now=now, tolerance_s=300)  # long expired pairs are not kept


async def test_a_captured_inbox_request_is_not_taken_again_nor_with_another_limit(
    db: Database,
    world: World,
    clock: ManualClock,
    body: FakeBody,
    settings: Settings,
    tmp_path: object,
) -> None:
    config = configured(settings, body, mode="inbox", documents_dir=tmp_path)
    await submitted(db, world, clock)
    app = create_app(config, clock)
    inbox = f"/api/v1/bodies/{AUTHORITY}/inbox"
    headers = adapters.signed_headers(
        SECRET.encode(), now=clock.now(), method="GET", path=f"{inbox}?limit=1", body=b""
    )
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            widened = await http.get(inbox, params={"limit": 500}, headers=headers)
            assert widened.status_code == 401 and widened.json()["code"] == "bad_signature"
            bare = await http.get(inbox, headers=headers)
            assert bare.status_code == 401
            taken = await http.get(inbox, params={"limit": 1}, headers=headers)
            assert taken.status_code == 200 and len(taken.json()["items"]) == 1
            replayed = await http.get(inbox, params={"limit": 1}, headers=headers)
            assert replayed.status_code == 401 and replayed.json()["code"] == "bad_signature"
            clock.advance(timedelta(seconds=1))
            again = await signed_request(http, "GET", f"{inbox}?limit=1", clock)
            assert again.status_code == 200, again.text


async def test_end_to_end_from_submission_to_the_result_with_the_body_down_and_a_worker_killed(
    db: Database,
    world: World,
    clock: ManualClock,
    body: FakeBody,
    settings: Settings,
    tmp_path: object,
) -> None:
    config = configured(settings, body, documents_dir=tmp_path)
    app = create_app(config, clock)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            body.callback_client = http
            body.send_answers = True
            body.refuse_rate = 0.0
            ids = [await submitted(db, world, clock) for _ in range(5)]
            port = body.port  # type: ignore[attr-defined]
            await body.stop()  # the body is down for a while
            await run_job(db, clock, config)
            clock.advance(timedelta(seconds=15))
            await run_job(db, clock, config)
            await body.start(port=port)
            body.respond_delay_s = 30.0
            clock.advance(timedelta(seconds=30))
            worker = asyncio.create_task(run_job(db, clock, config))
            async with asyncio.timeout(10):
                while len(body.received) < 5:  # noqa: ASYNC110 - the body's own loop fills it
                    await asyncio.sleep(0.01)
            worker.cancel()  # killed with every request in flight
            with pytest.raises(asyncio.CancelledError):
                await worker
            body.release()
            clock.advance(timedelta(seconds=61))
            await run_job(db, clock, config)
            async with asyncio.timeout(10):
                await body.settled()
    for application_id, delivery_id in ids:
        assert (await row_of(db, delivery_id)).status == "delivered"
        assert await status_of(db, application_id) == "result_ready"
    assert body.applications == 5 and body.duplicates == 0 and body.redeliveries == 5
    assert sorted(body.answers_sent) == sorted(
        [(a, "accepted") for a, _ in ids] + [(a, "result_ready") for a, _ in ids]
    )
    # The answers overtook the acknowledgements: each acknowledged once, and nothing moved back.
    assert await events_of(db, "application.delivery_acknowledged") == 5


async def test_a_slow_worker_whose_lease_ran_out_cannot_undo_what_the_next_one_recorded(
    db: Database, world: World, clock: ManualClock
) -> None:
    application_id, delivery_id = await submitted(db, world, clock)
    policy = delivery.Policy(lease=timedelta(seconds=60))
    async with db.sessions() as slow:
        [claimed] = await delivery.claim_due(
            slow, now=clock.now(), limit=10, authorities=[AUTHORITY], policy=policy
        )
        await slow.commit()
        clock.advance(timedelta(seconds=61))
        async with unit_of_work(db.sessions) as quick:
            [again] = await delivery.claim_due(
                quick, now=clock.now(), limit=10, authorities=[AUTHORITY], policy=policy
            )
            assert again.id == claimed.id and again.attempts == 2
        async with unit_of_work(db.sessions) as quick:
            assert await delivery.record_acknowledged_many(quick, {delivery_id: "MVD-1"}, now=clock.now())
        status = await delivery.record_failure(
            slow, delivery_id, reason="timed out", permanent=False, now=clock.now(), policy=policy
        )
        await slow.commit()
    assert status is None
    row = await row_of(db, delivery_id)
    assert row.status == "delivered" and row.acknowledgement == "MVD-1"
    assert await status_of(db, application_id) == "delivered"


async def test_a_round_of_acknowledgements_marks_its_applications_delivered_at_once(
    db: Database, world: World, clock: ManualClock
) -> None:
    from birtereze.applications import service as applications_service

    first, _ = await submitted(db, world, clock)
    overtaken, _ = await submitted(db, world, clock)
    async with unit_of_work(db.sessions) as session:
        answered = await session.get(Application, overtaken)
        assert answered is not None
        answered.status = "accepted"  # the body's answer came before its acknowledgement
    async with unit_of_work(db.sessions) as session:
        changed = await applications_service.mark_delivered_many(
            session, [overtaken, first, first], now=clock.now()
        )
        assert changed == [first]
        assert await applications_service.mark_delivered_many(session, [first], now=clock.now()) == []
        assert await applications_service.mark_delivered_many(session, [], now=clock.now()) == []
    assert await status_of(db, first) == "delivered" and await status_of(db, overtaken) == "accepted"
    assert await events_of(db, "application.delivered") == 1


async def test_a_resubmission_supersedes_the_earlier_rounds_unfinished_delivery(
    db: Database, world: World, clock: ManualClock
) -> None:
    application_id, first = await submitted(db, world, clock)
    policy = delivery.Policy(lease=timedelta(seconds=60))
    async with unit_of_work(db.sessions) as session:  # the first round is being sent, unacknowledged
        [claimed] = await delivery.claim_due(
            session, now=clock.now(), limit=10, authorities=[AUTHORITY], policy=policy
        )
        assert claimed.id == first
    async with unit_of_work(db.sessions) as session:  # returned, corrected and submitted again
        application = await session.get(Application, application_id)
        assert application is not None
        application.status = "submitted"
        second = (
            await delivery.enqueue(
                session,
                application_id=application_id,
                authority_code=AUTHORITY,
                payload={"number": application.number},
                now=clock.now(),
                branch_id=world.branch.id,
            )
        ).id
    row = await row_of(db, first)
    assert row.status == "superseded" and row.next_attempt_at is None
    assert await events_of(db, "application.delivery_superseded") == 1
    async with unit_of_work(db.sessions) as session:  # the first round's late acknowledgement
        assert not await delivery.record_acknowledged(session, first, reference="MVD-1", now=clock.now())
        assert await delivery.record_acknowledged_many(session, {first: "MVD-1"}, now=clock.now()) == []
        await delivery.acknowledge_from_inbox(
            session, authority_code=AUTHORITY, delivery_id=first, reference="MVD-1", now=clock.now()
        )
    assert (await row_of(db, first)).status == "superseded"
    assert await status_of(db, application_id) == "submitted"  # the new round has not reached the body
    async with unit_of_work(db.sessions) as session:  # nor is it tried again: only the new round is
        claimed_now = await delivery.claim_due(
            session, now=clock.now() + timedelta(hours=1), limit=10, authorities=[AUTHORITY], policy=policy
        )
        assert [row.id for row in claimed_now] == [second]
        assert await delivery.record_acknowledged_many(session, {second: "MVD-2"}, now=clock.now())
    assert await status_of(db, application_id) == "delivered"
    async with db.sessions() as session:
        assert (await delivery.counts(session))["superseded"] == 1


async def test_only_the_latest_dead_letter_of_an_application_with_the_body_is_queued_again(
    db: Database, world: World, clock: ManualClock
) -> None:
    policy = delivery.Policy(max_attempts=1)
    application_id, first = await submitted(db, world, clock)

    async def dead(delivery_id: int) -> None:
        async with unit_of_work(db.sessions) as session:
            await delivery.claim_due(
                session, now=clock.now(), limit=10, authorities=[AUTHORITY], policy=policy
            )
            status = await delivery.record_failure(
                session, delivery_id, reason="401", permanent=True, now=clock.now(), policy=policy
            )
            assert status == "dead"

    await dead(first)
    async with unit_of_work(db.sessions) as session:  # submitted again while the first was dead
        second = (
            await delivery.enqueue(
                session, application_id=application_id, authority_code=AUTHORITY, payload={}, now=clock.now()
            )
        ).id
    async with unit_of_work(db.sessions) as session:
        with pytest.raises(delivery.NotDeadLetter):  # superseded, no longer a dead letter
            await delivery.requeue(session, first, now=clock.now())
    await dead(second)
    async with unit_of_work(db.sessions) as session:
        row = await session.get(Delivery, first)
        assert row is not None
        row.status = "dead"  # even were an earlier round's letter dead, it is not the latest
        await session.flush()
        with pytest.raises(delivery.NotCurrentDelivery) as raised:
            await delivery.requeue(session, first, now=clock.now())
        assert raised.value.status == 409 and "submitted again" in raised.value.detail("en")
        assert raised.value.detail("kk") != raised.value.detail("en") != raised.value.detail("ru")
        row.status = "superseded"
    async with unit_of_work(db.sessions) as session:  # the application was refused meanwhile
        application = await session.get(Application, application_id)
        assert application is not None
        application.status = "refused"
    async with unit_of_work(db.sessions) as session:
        with pytest.raises(delivery.NotCurrentDelivery):
            await delivery.requeue(session, second, now=clock.now())
    async with unit_of_work(db.sessions) as session:
        application = await session.get(Application, application_id)
        assert application is not None
        application.status = "submitted"
    async with unit_of_work(db.sessions) as session:
        assert (await delivery.requeue(session, second, now=clock.now())).status == "queued"
