"""Sign-in by a one-time SMS code: the registry's phone, expiry, wrong tries, limits and the lock-out."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from birtereze.citizens.errors import Throttled
from birtereze.citizens.models import OtpChallenge
from birtereze.citizens.otp import MemoryCodeSender
from birtereze.citizens.ratelimit import SignInLimits
from birtereze.core.clock import ManualClock
from birtereze.notify.models import Notification
from tests.citizens.conftest import AIGERIM, VIKTOR, request_code
from tests.conftest import Database

VERIFY = "/api/v1/citizens/sign-in/sms/verify"


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


async def test_it_sends_a_code_to_the_registered_phone_and_signs_in(
    client: httpx.AsyncClient, sms: MemoryCodeSender
) -> None:
    sent = await client.post(
        "/api/v1/citizens/sign-in/sms",
        json={"iin": AIGERIM.iin, "phone": "8 700 000 00 01", "language": "kk"},
    )
    assert sent.status_code == 202, sent.text
    assert sent.json()["phone"] == "+7 700 ••• •• 01"
    message = sms.sent[-1]
    assert (message.phone, message.language, message.minutes, len(message.code)) == (
        AIGERIM.phone,
        "kk",
        5,
        6,
    )
    verified = await client.post(
        VERIFY, json={"challenge_id": sent.json()["challenge_id"], "code": message.code}
    )
    assert verified.status_code == 200, verified.text
    assert verified.json()["signed_in_with"] == "sms"
    assert (await client.get("/api/v1/citizens/me")).status_code == 200
    again = await client.post(
        VERIFY, json={"challenge_id": sent.json()["challenge_id"], "code": message.code}
    )
    assert again.status_code == 404, "a code signs in once"


async def test_it_queues_the_code_as_an_sms_in_the_outbox(client: httpx.AsyncClient, db: Database) -> None:
    sent = await client.post(
        "/api/v1/citizens/sign-in/sms", json={"iin": VIKTOR.iin, "phone": VIKTOR.phone, "language": "ru"}
    )
    assert sent.status_code == 202, sent.text
    async with db.sessions() as session:
        queued = (await session.scalars(select(Notification))).one()
    assert (queued.channel, queued.recipient, queued.template, queued.language) == (
        "sms",
        VIKTOR.phone,
        "otp",
        "ru",
    )
    assert queued.status == "queued"


@pytest.mark.parametrize(
    ("iin", "phone", "code"),
    [
        ("900115300014", AIGERIM.phone, "invalid_iin"),
        ("12345", AIGERIM.phone, "invalid_iin"),
        (AIGERIM.iin, "+1 202 555 0100", "invalid_phone"),
        (AIGERIM.iin, VIKTOR.phone, "phone_not_registered"),
        ("900115300013", AIGERIM.phone, "phone_not_registered"),
    ],
)
async def test_it_explains_why_no_code_was_sent(
    client: httpx.AsyncClient, sms: MemoryCodeSender, iin: str, phone: str, code: str
) -> None:
    refused = await client.post(
        "/api/v1/citizens/sign-in/sms", json={"iin": iin, "phone": phone}, headers={"Accept-Language": "ru"}
    )
    assert refused.status_code == 400
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == code
    assert refused.headers["content-language"] == "ru"
    assert not sms.sent


async def test_a_code_expires_after_five_minutes(
    client: httpx.AsyncClient, sms: MemoryCodeSender, clock: ManualClock
) -> None:
    sent = await request_code(client, AIGERIM.iin, AIGERIM.phone)
    clock.advance(timedelta(minutes=5))
    expired = await client.post(
        VERIFY, json={"challenge_id": sent.json()["challenge_id"], "code": sms.sent[-1].code}
    )
    assert expired.status_code == 400 and expired.json()["code"] == "code_expired"
    assert (await client.get("/api/v1/citizens/me")).status_code == 401


async def test_five_wrong_tries_void_the_code(client: httpx.AsyncClient, sms: MemoryCodeSender) -> None:
    client.headers["Accept-Language"] = "en"
    sent = await request_code(client, AIGERIM.iin, AIGERIM.phone)
    challenge, code = sent.json()["challenge_id"], sms.sent[-1].code
    for left in (4, 3, 2, 1):
        tried = await client.post(VERIFY, json={"challenge_id": challenge, "code": wrong(code)})
        assert tried.status_code == 400 and tried.json()["code"] == "code_wrong"
        assert f"Tries left: {left}." in tried.json()["detail"]
    fifth = await client.post(VERIFY, json={"challenge_id": challenge, "code": wrong(code)})
    assert fifth.json()["code"] == "code_void"
    right_too_late = await client.post(VERIFY, json={"challenge_id": challenge, "code": code})
    assert right_too_late.status_code == 400 and right_too_late.json()["code"] == "code_void"


async def test_a_new_code_voids_the_previous_one(client: httpx.AsyncClient, sms: MemoryCodeSender) -> None:
    first = await request_code(client, AIGERIM.iin, AIGERIM.phone)
    first_code = sms.sent[-1].code
    await request_code(client, AIGERIM.iin, AIGERIM.phone)
    old = await client.post(VERIFY, json={"challenge_id": first.json()["challenge_id"], "code": first_code})
    assert old.json()["code"] == "code_void"


async def test_it_limits_codes_per_phone_with_retry_after(
    client: httpx.AsyncClient, sms: MemoryCodeSender
) -> None:
    client.headers["Accept-Language"] = "en"
    for _ in range(3):
        assert (await request_code(client, AIGERIM.iin, AIGERIM.phone)).status_code == 202
    limited = await request_code(client, AIGERIM.iin, AIGERIM.phone)
    assert limited.status_code == 429
    assert limited.json()["code"] == "too_many_codes"
    assert 0 < int(limited.headers["retry-after"]) <= 15 * 60
    assert "15 min" in limited.json()["detail"]
    assert len(sms.sent) == 3
    # Another citizen's phone is not held up.
    assert (await request_code(client, VIKTOR.iin, VIKTOR.phone)).status_code == 202


async def test_it_limits_codes_per_network_address(client: httpx.AsyncClient, sms: MemoryCodeSender) -> None:
    # Trying IIN–phone pairs counts too, even when the pair is not registered.
    for n in range(10):
        answer = await request_code(client, AIGERIM.iin, f"+7700000{n:04d}")
        assert answer.status_code in (202, 400)
    limited = await request_code(client, VIKTOR.iin, VIKTOR.phone)
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0


async def test_ten_wrong_codes_in_a_day_lock_the_iin_until_midnight(
    client: httpx.AsyncClient, sms: MemoryCodeSender, clock: ManualClock
) -> None:
    for _ in range(2):
        challenge = (await request_code(client, AIGERIM.iin, AIGERIM.phone)).json()["challenge_id"]
        for _ in range(5):
            await client.post(VERIFY, json={"challenge_id": challenge, "code": wrong(sms.sent[-1].code)})
    locked = await request_code(client, AIGERIM.iin, AIGERIM.phone)
    assert locked.status_code == 429 and locked.json()["code"] == "sign_in_locked"
    # 10:00 in Almaty: locked for the 14 hours to midnight.
    assert int(locked.headers["retry-after"]) == 14 * 3600
    assert len(sms.sent) == 2
    clock.advance(timedelta(hours=14))
    assert (await request_code(client, AIGERIM.iin, AIGERIM.phone)).status_code == 202


async def test_the_lock_out_also_stops_a_code_already_sent(
    client: httpx.AsyncClient, sms: MemoryCodeSender, app: object
) -> None:
    app.state.citizen_policy = None  # type: ignore[attr-defined]
    app.state.settings = app.state.settings.model_copy(update={"otp_daily_failures": 3})  # type: ignore[attr-defined]
    challenge = (await request_code(client, AIGERIM.iin, AIGERIM.phone)).json()["challenge_id"]
    code = sms.sent[-1].code
    for _ in range(3):
        await client.post(VERIFY, json={"challenge_id": challenge, "code": wrong(code)})
    locked = await client.post(VERIFY, json={"challenge_id": challenge, "code": code})
    assert locked.status_code == 429 and locked.json()["code"] == "sign_in_locked"


async def test_the_code_is_stored_only_as_an_hmac(
    client: httpx.AsyncClient, sms: MemoryCodeSender, db: Database
) -> None:
    await request_code(client, AIGERIM.iin, AIGERIM.phone)
    async with db.sessions() as session:
        stored = (await session.scalars(select(OtpChallenge))).one()
    assert sms.sent[-1].code not in stored.code_hash and len(stored.code_hash) == 64


async def test_the_pages_sign_in_by_sms(client: httpx.AsyncClient, sms: MemoryCodeSender) -> None:
    page = await client.post(
        "/me/sign-in/sms?lang=ru", data={"iin": AIGERIM.iin, "phone": "+7 (700) 000-00-01"}
    )
    assert page.status_code == 200, page.text
    assert "+7 700 ••• •• 01" in page.text
    challenge = page.text.split('name="challenge_id" value="')[1].split('"')[0]
    wrong_page = await client.post(
        "/me/sign-in/sms/code?lang=ru", data={"challenge_id": challenge, "code": "x"}
    )
    assert wrong_page.status_code == 400 and "Осталось попыток: 4." in wrong_page.text
    done = await client.post(
        "/me/sign-in/sms/code?lang=ru", data={"challenge_id": challenge, "code": sms.sent[-1].code}
    )
    assert done.status_code == 303 and done.headers["location"] == "/me?lang=ru"
    me = await client.get("/me?lang=ru")
    assert me.status_code == 200 and "+7 700 ••• •• 01" in me.text


async def test_the_page_explains_a_refusal(client: httpx.AsyncClient, sms: MemoryCodeSender) -> None:
    page = await client.post("/me/sign-in/sms?lang=kk", data={"iin": "240340123450", "phone": AIGERIM.phone})
    assert page.status_code == 400
    assert 'value="240340123450"' in page.text, "what the citizen typed is kept"


@pytest.mark.redis
async def test_the_limits_are_shared_through_redis(redis_url: str) -> None:
    def limits() -> SignInLimits:
        return SignInLimits(
            per_phone="2/minute",
            per_ip="100/hour",
            secret="s",
            redis_url=redis_url,
            prefix=f"t{uuid.uuid4().hex}",
        )

    first = limits()
    second = SignInLimits(
        per_phone="2/minute",
        per_ip="100/hour",
        secret="s",
        redis_url=redis_url,
        prefix=first.prefix,
    )
    try:
        await first.hit_code_request(phone="+77000000001", ip="10.0.0.1")
        await second.hit_code_request(phone="+77000000001", ip="10.0.0.2")  # another worker
        with pytest.raises(Throttled) as limited:
            await first.hit_code_request(phone="+77000000001", ip="10.0.0.3")
        assert 0 < limited.value.retry_after_s <= 60
    finally:
        await first.reset()
