"""Web push: the VAPID key (derived or configured), the endpoint checks against SSRF, the payload, and
the sender against a fake push service that verifies the VAPID signature and decrypts the message as a
browser would; a 410 deletes the subscription, a citizen without one gets a not-deliverable failure."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from pydantic import SecretStr
from sqlalchemy import delete, select

from birtereze.citizens import service as citizens_service
from birtereze.citizens.models import Citizen
from birtereze.core.clock import ManualClock
from birtereze.core.settings import Settings
from birtereze.notify import push, service
from birtereze.notify.errors import InvalidPushSubscription, InvalidRecipient
from birtereze.notify.models import Notification, PushSubscription
from tests.builders import World
from tests.conftest import Database
from tests.notify import fake_push
from tests.notify.conftest import SendOnce, sender

# ----- the key


def test_it_derives_a_stable_p256_key_from_the_secret() -> None:
    first, again = push.derive_private_key("secret one"), push.derive_private_key("secret one")
    other = push.derive_private_key("secret two")
    assert push.private_key_text(first) == push.private_key_text(again)
    assert push.private_key_text(first) != push.private_key_text(other)
    assert 1 <= first.private_numbers().private_value < push.P256_ORDER
    public = push.b64url_decode(push.public_key_text(first))
    assert len(public) == 65 and public[0] == 4


def test_it_reads_a_configured_key_as_printed_by_the_cli_or_as_pem() -> None:
    key = push.generate_key()
    assert push.public_key_text(push.load_private_key(push.private_key_text(key))) == push.public_key_text(
        key
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    assert push.public_key_text(push.load_private_key(pem)) == push.public_key_text(key)
    with pytest.raises(ValueError, match="not a P-256 private key"):
        push.load_private_key("not a key")


def test_the_settings_choose_the_key(settings: Settings) -> None:
    derived = push.public_key(settings)
    assert derived == push.public_key_text(push.derive_private_key(settings.secret_key))
    key = push.generate_key()
    configured = settings.model_copy(update={"vapid_private_key": SecretStr(push.private_key_text(key))})
    assert push.public_key(configured) == push.public_key_text(key)


# ----- endpoints (SSRF) and subscriptions


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://fcm.googleapis.com/fcm/send/abc",  # not https
        "https://127.0.0.1/push",
        "https://10.1.2.3/push",
        "https://192.168.0.10/push",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/push",
        "https://[::ffff:127.0.0.1]/push",
        "https://localhost/push",
        "https://push.localhost/push",
        "https://router.local/push",
        "https://intranet/push",
        "https://user:pass@fcm.googleapis.com/push",
        "ftp://fcm.googleapis.com/push",
        "https:///push",
        "https://fcm.googleapis.com:0/push",
        "https://fcm.googleapis.com/push#fragment",
        "https://fcm.googleapis.com/" + "a" * 1000,
    ],
)
def test_it_refuses_endpoints_the_server_must_not_post_to(endpoint: str) -> None:
    with pytest.raises(InvalidPushSubscription):
        push.check_endpoint(endpoint, allow_private=False)


def test_it_takes_push_services_endpoints_and_private_ones_only_when_allowed() -> None:
    for endpoint in (
        "https://fcm.googleapis.com/fcm/send/abc:def",
        "https://updates.push.services.mozilla.com/wpush/v2/gAAA",
        "https://web.push.apple.com/QGu",
        "https://8.8.8.8/push",
    ):
        assert push.check_endpoint(endpoint, allow_private=False) == endpoint
    assert push.check_endpoint("http://127.0.0.1:8080/push/a", allow_private=True)


def test_it_refuses_keys_that_cannot_encrypt() -> None:
    browser = fake_push.Browser(endpoint="https://fcm.googleapis.com/fcm/send/x")
    good = push.check_subscription(
        browser.endpoint, browser.p256dh, fake_push.b64url(browser.auth), allow_private=False
    )
    assert good.p256dh == browser.p256dh
    point = bytearray(push.b64url_decode(browser.p256dh))
    point[-1] ^= 1  # y changed: no longer on the curve
    off_curve = fake_push.b64url(bytes(point))
    for p256dh, auth in (
        ("AAAA", fake_push.b64url(browser.auth)),  # not a point
        (off_curve, fake_push.b64url(browser.auth)),
        (browser.p256dh, "c2hvcnQ"),  # a 5-byte secret
        (browser.p256dh, "!!!"),
    ):
        with pytest.raises(InvalidPushSubscription):
            push.check_subscription(browser.endpoint, p256dh, auth, allow_private=False)


# ----- the message


def test_the_payload_is_the_json_the_service_worker_reads() -> None:
    body = push.payload(title="Түркістан ХҚО", body="A-001: терезе 3", url="/me/tickets", tag="visit-7")
    assert json.loads(body) == {
        "title": "Түркістан ХҚО",
        "body": "A-001: терезе 3",
        "url": "/me/tickets",
        "tag": "visit-7",
    }
    assert push.link_for("ticket_called") == "/me/tickets"
    assert push.link_for("appointment_reminder") == "/me/appointments"
    assert push.link_for("otp") == "/me"
    assert (push.urgency_for("ticket_called"), push.urgency_for("appointment_booked")) == ("high", "normal")
    assert push.ttl_for("ticket_called") < push.ttl_for("appointment_reminder")


def test_push_goes_to_a_citizen_and_staff_see_it_masked() -> None:
    assert service.normalise_recipient("push", " citizen:1234 ") == "citizen:1234"
    for wrong in ("https://fcm.googleapis.com/x", "citizen:", "citizen:0", "citizen:abc", "1234"):
        with pytest.raises(InvalidRecipient):
            service.normalise_recipient("push", wrong)
    assert service.mask_recipient("push", "citizen:1234") == "citizen …34"


# ----- the sender against the fake push service


@pytest.fixture
def push_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"push_allow_private_endpoints": True, "push_timeout_s": 5.0})


@pytest.fixture
async def push_service(push_settings: Settings) -> AsyncIterator[fake_push.FakePushService]:
    async with fake_push.running(push.public_key(push_settings)) as running:
        yield running


@pytest.fixture
def push_once(db: Database, clock: ManualClock, push_settings: Settings) -> SendOnce:
    return sender(db, clock, push_settings)


async def _citizen(db: Database, clock: ManualClock, *browsers: fake_push.Browser) -> int:
    async with db.sessions() as session:
        citizen = await citizens_service.remember(
            session,
            iin="900101300017",
            full_name="Aigerim",
            phone="+77011234560",
            language="kk",
            now=clock.now(),
        )
        for browser in browsers:
            checked = push.check_subscription(
                browser.endpoint, browser.p256dh, fake_push.b64url(browser.auth), allow_private=True
            )
            await service.subscribe(
                session, citizen_id=citizen.id, subscription=checked, user_agent="test", now=clock.now()
            )
        await session.commit()
        return citizen.id


async def _enqueue(db: Database, clock: ManualClock, citizen_id: int, **fields: object) -> int:
    values: dict[str, object] = {
        "channel": "push",
        "to": f"citizen:{citizen_id}",
        "template": "ticket_called",
        "language": "en",
        "params": {"number": "A-001", "window": 3},
    }
    values.update(fields)
    async with db.sessions() as session:
        notification = await service.enqueue(session, now=clock.now(), **values)  # type: ignore[arg-type]
        await session.commit()
        return notification.id


async def _notification(db: Database, notification_id: int) -> Notification:
    async with db.sessions() as session:
        found = await session.get(Notification, notification_id)
        assert found is not None
        return found


async def _subscriptions(db: Database) -> list[PushSubscription]:
    async with db.sessions() as session:
        return list((await session.execute(select(PushSubscription).order_by(PushSubscription.id))).scalars())


async def test_it_pushes_to_every_browser_of_the_citizen_signed_and_encrypted(
    db: Database,
    clock: ManualClock,
    world: World,
    push_service: fake_push.FakePushService,
    push_once: SendOnce,
    push_settings: Settings,
) -> None:
    phone, laptop = push_service.browser("phone"), push_service.browser("laptop")
    citizen_id = await _citizen(db, clock, phone, laptop)
    sent = await _enqueue(db, clock, citizen_id, language="kk", branch_id=world.branch.id, visit_id=None)
    await push_once()
    assert push_service.refused == []
    assert sorted(r.path for r in push_service.received) == ["/push/laptop", "/push/phone"]
    received = push_service.received[0]
    notification = await _notification(db, sent)
    assert notification.body and "A-001" in notification.body
    assert received.message == {
        "title": world.branch.name_kk,
        "body": notification.body,
        "url": "/me/tickets",
        "tag": f"message-{sent}",
    }
    assert received.claims["sub"] == push_settings.vapid_subject
    assert received.headers["urgency"] == "high"
    assert received.headers["ttl"] == str(push.TICKET_TTL_S)
    assert (notification.status, notification.attempts, notification.sent_at) == ("sent", 1, clock.now())
    assert notification.next_attempt_at is None
    assert all(row.last_success_at == clock.now() for row in await _subscriptions(db))


async def test_the_title_is_birtereze_without_a_centre(
    db: Database, clock: ManualClock, push_service: fake_push.FakePushService, push_once: SendOnce
) -> None:
    citizen_id = await _citizen(db, clock, push_service.browser("phone"))
    booked = {
        "centre": "Turkestan PSC",
        "date": "01.12.2026",
        "time": "10:15",
        "service": "ID",
        "code": "7XK2PQ",
    }
    await _enqueue(db, clock, citizen_id, template="appointment_booked", params=booked)
    await push_once()
    [received] = push_service.received
    assert received.message["title"] == "Birtereze"
    assert received.message["url"] == "/me/appointments"
    assert received.headers["urgency"] == "normal"


async def test_a_gone_subscription_is_deleted_and_the_others_still_get_it(
    db: Database, clock: ManualClock, push_service: fake_push.FakePushService, push_once: SendOnce
) -> None:
    old, new = push_service.browser("old"), push_service.browser("new")
    push_service.answers["/push/old"] = 410
    citizen_id = await _citizen(db, clock, old, new)
    sent = await _enqueue(db, clock, citizen_id)
    await push_once()
    assert [r.path for r in push_service.received] == ["/push/new"]
    assert [row.endpoint for row in await _subscriptions(db)] == [new.endpoint]
    assert (await _notification(db, sent)).status == "sent"


async def test_when_every_subscription_is_gone_the_message_is_not_deliverable(
    db: Database, clock: ManualClock, push_service: fake_push.FakePushService, push_once: SendOnce
) -> None:
    browser = push_service.browser("phone")
    push_service.answers["/push/phone"] = 404
    citizen_id = await _citizen(db, clock, browser)
    sent = await _enqueue(db, clock, citizen_id)
    await push_once()
    assert await _subscriptions(db) == []
    notification = await _notification(db, sent)
    assert (notification.status, notification.last_error) == ("failed", str(service.NO_SUBSCRIPTION))


async def test_a_citizen_without_subscriptions_gets_a_not_deliverable_failure_at_once(
    db: Database, clock: ManualClock, push_once: SendOnce
) -> None:
    citizen_id = await _citizen(db, clock)
    sent = await _enqueue(db, clock, citizen_id)
    await push_once()
    notification = await _notification(db, sent)
    assert (notification.status, notification.attempts) == ("failed", 1)
    assert notification.last_error == str(service.NO_SUBSCRIPTION)
    assert notification.failed_at == clock.now()


async def test_a_busy_push_service_is_tried_again_after_the_back_off(
    db: Database, clock: ManualClock, push_service: fake_push.FakePushService, push_once: SendOnce
) -> None:
    browser = push_service.browser("phone")
    push_service.answers["/push/phone"] = 503
    citizen_id = await _citizen(db, clock, browser)
    sent = await _enqueue(db, clock, citizen_id)
    await push_once()
    notification = await _notification(db, sent)
    assert (notification.status, notification.last_error) == ("queued", "the push service answered 503")
    assert notification.next_attempt_at == clock.now() + service.BACKOFF[0]
    del push_service.answers["/push/phone"]
    clock.advance(service.BACKOFF[0] + timedelta(seconds=1))
    await push_once()
    assert (await _notification(db, sent)).status == "sent"
    assert len(push_service.received) == 1
    [row] = await _subscriptions(db)
    assert row.failures == 0


async def test_a_push_signed_with_another_key_is_refused_and_counted_against_the_subscription(
    db: Database, clock: ManualClock, push_settings: Settings, push_once: SendOnce
) -> None:
    other = push.public_key_text(push.generate_key())
    async with fake_push.running(other) as strict:
        citizen_id = await _citizen(db, clock, strict.browser("phone"))
        sent = await _enqueue(db, clock, citizen_id)
        await push_once()
        assert strict.refused == ["signed with another key"]
    notification = await _notification(db, sent)
    assert (notification.status, notification.last_error) == ("failed", "the push service answered 403")
    [row] = await _subscriptions(db)
    assert row.failures == 1


async def test_private_endpoints_are_not_reached_unless_allowed(
    db: Database, clock: ManualClock, settings: Settings, push_service: fake_push.FakePushService
) -> None:
    citizen_id = await _citizen(db, clock, push_service.browser("phone"))  # subscribed while allowed
    sent = await _enqueue(db, clock, citizen_id)
    await sender(db, clock, settings)()  # push_allow_private_endpoints off
    assert push_service.received == []
    assert (await _notification(db, sent)).status == "failed"
    assert await _subscriptions(db) == []


async def test_the_public_resolver_refuses_names_of_private_addresses() -> None:
    resolver = push.PublicResolver()
    try:
        with pytest.raises(OSError, match="no public address"):
            await resolver.resolve("localhost", 443)
    finally:
        await resolver.close()


async def test_a_message_to_a_citizen_goes_by_sms_and_by_push_only_where_it_was_turned_on(
    db: Database, clock: ManualClock, push_service: fake_push.FakePushService
) -> None:
    without_push = await _citizen(db, clock)
    message: dict[str, Any] = {
        "template": "ticket_called",
        "language": "kk",
        "params": {"number": "A-001", "window": 3},
        "now": clock.now(),
    }
    async with db.sessions() as session:
        only_sms = await service.to_citizen(session, citizen_id=without_push, phone="+77011234560", **message)
        assert [n.channel for n in only_sms] == ["sms"]
        assert await service.to_citizen(session, citizen_id=without_push, phone=None, **message) == []
        await session.rollback()
    async with db.sessions() as session:
        await session.execute(delete(Citizen))
        await session.commit()
    with_push = await _citizen(db, clock, push_service.browser("phone"))
    async with db.sessions() as session:
        both = await service.to_citizen(session, citizen_id=with_push, phone="+77011234560", **message)
        assert [(n.channel, n.recipient) for n in both] == [
            ("sms", "+77011234560"),
            ("push", f"citizen:{with_push}"),
        ]
