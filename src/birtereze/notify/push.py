"""Web push (RFC 8030, 8291, 8292): the server's VAPID key, the subscriptions' checks, the payload a
phone shows, and the transport that hands a message to each of a citizen's browsers' push services.

The VAPID key pair identifies this server to the push services: a browser subscribes with our public
key, and a push signed by another key is refused. Without ``BIRTEREZE_VAPID_PRIVATE_KEY`` the key is
derived from ``secret_key`` (HMAC-SHA256 → a P-256 scalar), so that ``make run`` works with no set-up and
the subscriptions stay valid across restarts; production sets its own (``birtereze vapid-keys``).

A push endpoint is a URL the browser hands us and the server POSTs to, so it is checked as such (SSRF):
https only, and no private, loopback or link-local address, whether written as one or resolved from a
name at send time (the resolver below refuses them, so a name that later points inside is refused too);
redirects are never followed. ``push_allow_private_endpoints`` lifts that for tests and a local fake.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import functools
import hashlib
import hmac
import ipaddress
import json
import socket
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Final, Literal
from urllib.parse import urlsplit

import aiohttp
import structlog
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02
from pywebpush import WebPushException, webpush_async

from birtereze.core.settings import Settings
from birtereze.notify.errors import InvalidPushSubscription

log = structlog.get_logger(__name__)

# The order of P-256's group: a private key is a scalar in [1, n - 1].
P256_ORDER: Final = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
MAX_ENDPOINT: Final = 1000
# Names that never mean a public push service.
PRIVATE_SUFFIXES: Final = (".localhost", ".local", ".internal", ".home.arpa", ".lan")
# The ticket's messages are worth nothing after the visitor's turn has passed; the others keep a while.
TICKET_TTL_S: Final = 10 * 60
DEFAULT_TTL_S: Final = 12 * 3600
URGENT_TEMPLATES: Final = frozenset(
    {"ticket_called", "ticket_near", "ticket_position", "ticket_position_remote"}
)
# Where a tap on the notification leads, by the template's family; the citizen's home otherwise.
LINKS: Final = (("ticket_", "/me/tickets"), ("appointment_", "/me/appointments"))
HOME_LINK: Final = "/me"
# Pushes a push service refused in a row (4xx other than "gone") before the subscription is dropped.
MAX_FAILURES: Final = 3
# Pushes of one batch in flight at once.
CONCURRENT: Final = 20


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# ----- the VAPID key


def key_from_scalar(scalar: int) -> ec.EllipticCurvePrivateKey:
    return ec.derive_private_key(scalar, ec.SECP256R1())


def derive_private_key(secret: str) -> ec.EllipticCurvePrivateKey:
    """A P-256 key that depends on ``secret`` alone: HMAC-SHA256 of a fixed label, reduced into
    [1, n - 1]."""
    digest = hmac.new(secret.encode(), b"birtereze.vapid-key", hashlib.sha256).digest()
    return key_from_scalar(int.from_bytes(digest, "big") % (P256_ORDER - 1) + 1)


def load_private_key(text: str) -> ec.EllipticCurvePrivateKey:
    """A P-256 private key written as PEM, or base64url of its 32-byte scalar (what ``birtereze
    vapid-keys`` prints) or of its DER."""
    text = text.strip()
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_private_key(text.encode(), password=None)
        else:
            raw = b64url_decode(text)
            if len(raw) == 32:
                return key_from_scalar(int.from_bytes(raw, "big"))
            key = serialization.load_der_private_key(raw, password=None)
    except (ValueError, TypeError, binascii.Error) as error:
        raise ValueError("BIRTEREZE_VAPID_PRIVATE_KEY is not a P-256 private key") from error
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise ValueError("BIRTEREZE_VAPID_PRIVATE_KEY is not a P-256 private key")
    return key


def private_key_text(key: ec.EllipticCurvePrivateKey) -> str:
    return b64url(key.private_numbers().private_value.to_bytes(32, "big"))


def public_key_text(key: ec.EllipticCurvePrivateKey) -> str:
    """The public key as browsers take it (``applicationServerKey``): base64url of the uncompressed
    point."""
    point = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url(point)


def generate_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@functools.lru_cache(maxsize=4)
def _key(configured: str | None, secret: str) -> ec.EllipticCurvePrivateKey:
    if configured:
        return load_private_key(configured)
    log.warning(
        "notify.vapid_key_derived",
        hint="the web push key is derived from secret_key; production sets BIRTEREZE_VAPID_PRIVATE_KEY "
        "(birtereze vapid-keys)",
    )
    return derive_private_key(secret)


def vapid_key(settings: Settings) -> ec.EllipticCurvePrivateKey:
    configured = settings.vapid_private_key.get_secret_value() if settings.vapid_private_key else None
    return _key(configured or None, settings.secret_key)


def public_key(settings: Settings) -> str:
    return public_key_text(vapid_key(settings))


# ----- subscriptions


@dataclass(frozen=True, slots=True)
class Subscription:
    """A browser's ``PushSubscription``, checked."""

    endpoint: str
    p256dh: str
    auth: str


def _private_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast


def check_endpoint(endpoint: str, *, allow_private: bool) -> str:
    """The endpoint, if the server may POST to it: an absolute https URL (http too where private
    endpoints are allowed) of a host that is not a private, loopback or link-local address or name."""
    endpoint = endpoint.strip()
    if not endpoint or len(endpoint) > MAX_ENDPOINT or any(c.isspace() for c in endpoint):
        raise InvalidPushSubscription()
    try:
        parts = urlsplit(endpoint)
        port = parts.port
    except ValueError:
        raise InvalidPushSubscription() from None
    schemes = ("https", "http") if allow_private else ("https",)
    host = (parts.hostname or "").rstrip(".").lower()
    if parts.scheme not in schemes or not host or parts.username or parts.password or parts.fragment:
        raise InvalidPushSubscription()
    if port == 0:
        raise InvalidPushSubscription()
    if allow_private:
        return endpoint
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if host == "localhost" or host.endswith(PRIVATE_SUFFIXES) or "." not in host:
            raise InvalidPushSubscription() from None
        return endpoint
    if _private_address(address):
        raise InvalidPushSubscription()
    return endpoint


async def check_resolves_publicly(endpoint: str, *, timeout_s: float = 3.0) -> None:
    """The endpoint's name resolves, and to public addresses only (checked again at each send by the
    resolver, in case the name changes)."""
    parts = urlsplit(endpoint)
    host = parts.hostname or ""
    try:
        ipaddress.ip_address(host)
        return  # an address: checked by check_endpoint
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        found = await asyncio.wait_for(
            loop.getaddrinfo(host, parts.port or 443, type=socket.SOCK_STREAM), timeout_s
        )
    except (OSError, TimeoutError):
        raise InvalidPushSubscription() from None
    if not found or any(_private_address(ipaddress.ip_address(info[4][0])) for info in found):
        raise InvalidPushSubscription()


def check_subscription(endpoint: str, p256dh: str, auth: str, *, allow_private: bool) -> Subscription:
    """A subscription whose endpoint we may POST to and whose keys are a P-256 point and a 16-byte
    secret, so that every push to it can be encrypted."""
    endpoint = check_endpoint(endpoint, allow_private=allow_private)
    try:
        point, secret = b64url_decode(p256dh.strip()), b64url_decode(auth.strip())
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except (ValueError, binascii.Error):
        raise InvalidPushSubscription() from None
    if len(point) != 65 or len(secret) != 16:
        raise InvalidPushSubscription()
    return Subscription(endpoint=endpoint, p256dh=b64url(point), auth=b64url(secret))


# ----- the message


def link_for(template: str) -> str:
    for prefix, link in LINKS:
        if template.startswith(prefix):
            return link
    return HOME_LINK


def ttl_for(template: str) -> int:
    return TICKET_TTL_S if template.startswith("ticket_") else DEFAULT_TTL_S


def urgency_for(template: str) -> Literal["high", "normal"]:
    return "high" if template in URGENT_TEMPLATES else "normal"


def payload(*, title: str, body: str, url: str, tag: str) -> bytes:
    """What the service worker reads from the push (``static/js/sw.js``) to show the notification."""
    return json.dumps({"title": title, "body": body, "url": url, "tag": tag}, ensure_ascii=False).encode()


@dataclass(frozen=True, slots=True)
class Target:
    subscription_id: int
    endpoint: str
    p256dh: str
    auth: str


@dataclass(frozen=True, slots=True)
class PushMessage:
    notification_id: int
    payload: bytes
    ttl: int
    urgency: str
    targets: list[Target]


# What one push service answered for one subscription: accepted (with the push's id), gone (404/410:
# the subscription is dead), refused (any other 4xx: this push will not be taken), later (429, 5xx, no
# answer: try again).
Verdict = Literal["accepted", "gone", "refused", "later"]


@dataclass(frozen=True, slots=True)
class Answer:
    subscription_id: int
    verdict: Verdict
    detail: str  # the push's id (its Location) when accepted, else what went wrong


# ----- the transport


class PublicResolver(AbstractResolver):
    """Resolves names as usual but keeps only public addresses: a push endpoint whose name points inside
    (now, or after it was checked) is not reached."""

    def __init__(self) -> None:
        self._resolver = ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = [
            result
            for result in await self._resolver.resolve(host, port, family)
            if not _private_address(ipaddress.ip_address(result["host"]))
        ]
        if not results:
            raise OSError(f"{host} resolves to no public address")
        return results

    async def close(self) -> None:
        await self._resolver.close()


async def _refuse_redirect(
    session: aiohttp.ClientSession, context: SimpleNamespace, params: aiohttp.TraceRequestRedirectParams
) -> None:
    raise aiohttp.ClientError("the push service answered with a redirect")


class PushTransport:
    channel = "push"

    def __init__(self, settings: Settings) -> None:
        self.key = Vapid02(private_key=vapid_key(settings))
        self.subject = settings.vapid_subject
        self.timeout_s = settings.push_timeout_s
        self.allow_private = settings.push_allow_private_endpoints

    def _session(self) -> aiohttp.ClientSession:
        trace = aiohttp.TraceConfig()
        trace.on_request_redirect.append(_refuse_redirect)
        connector = aiohttp.TCPConnector(resolver=None if self.allow_private else PublicResolver())
        return aiohttp.ClientSession(
            connector=connector,
            trace_configs=[trace],
            timeout=aiohttp.ClientTimeout(total=self.timeout_s),
        )

    async def send(self, messages: list[PushMessage]) -> dict[int, list[Answer]]:
        """Each message to each of its targets, every push of the batch concurrently (``CONCURRENT`` at a
        time), so that a slow push service holds the batch up for one timeout, not one per message; per
        message, what each push service answered."""
        gate = asyncio.Semaphore(CONCURRENT)

        async def one(session: aiohttp.ClientSession, message: PushMessage, target: Target) -> Answer:
            async with gate:
                return await self._push(session, message, target)

        async with self._session() as session:
            answered = await asyncio.gather(
                *(
                    asyncio.gather(*(one(session, message, target) for target in message.targets))
                    for message in messages
                )
            )
        return {
            message.notification_id: list(answers)
            for message, answers in zip(messages, answered, strict=True)
        }

    async def _push(self, session: aiohttp.ClientSession, message: PushMessage, target: Target) -> Answer:
        def answer(verdict: Verdict, detail: str) -> Answer:
            return Answer(target.subscription_id, verdict, detail)

        try:
            check_endpoint(target.endpoint, allow_private=self.allow_private)
        except InvalidPushSubscription:
            return answer("gone", "the endpoint is no longer allowed")
        keys = {"p256dh": target.p256dh, "auth": target.auth}
        info: dict[str, Any] = {"endpoint": target.endpoint, "keys": keys}
        try:
            response = await webpush_async(
                info,
                data=message.payload,  # bytes are sent as they are
                vapid_private_key=self.key,
                vapid_claims={"sub": self.subject},
                ttl=message.ttl,
                headers={"Urgency": message.urgency},
                timeout=self.timeout_s,
                aiohttp_session=session,
            )
        except WebPushException as refused:
            status = refused.status_code if refused.response is not None else None
            if status is None:
                return answer("refused", str(refused)[:200])
            if status in (404, 410):
                return answer("gone", f"the push service answered {status}")
            if status == 429 or status >= 500:
                return answer("later", f"the push service answered {status}")
            return answer("refused", f"the push service answered {status}")
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            return answer("later", f"the push service cannot be reached ({type(error).__name__})")
        except ValueError as error:  # keys that cannot encrypt (checked when subscribed: not expected)
            return answer("gone", f"the subscription's keys are unusable ({error})")
        location = response.headers.get("Location", "") if not isinstance(response, str) else ""
        return answer("accepted", location[:200] or f"subscription:{target.subscription_id}")
