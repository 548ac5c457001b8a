"""How an application reaches its authorised body: the per-body configuration, the HMAC-SHA256 signature
of every request between Birtereze and a body (both ways), and the HTTP JSON adapter.

A signed request carries ``X-Birtereze-Timestamp`` (Unix seconds) and ``X-Birtereze-Signature``
(``sha256=`` and the hex HMAC-SHA256, with the body's shared secret, of
``"{timestamp}\\n{METHOD}\\n{target}\\n"`` followed by the raw body, where ``target`` is the path
with its query string as sent, ``/api/v1/bodies/X/inbox?limit=50``, or the bare path when there is none).
Birtereze refuses a timestamp more than the tolerance away from its clock, and a (timestamp, signature)
pair it has already accepted within that window (``ReplayGuard``): a captured request cannot be sent
again. A POST of an application also carries ``Idempotency-Key``: the delivery's own key, the same on
every try, so that the body keeps one application however often it is sent (a lost answer, a worker that
died mid-request).

The body answers 2xx with ``{"reference": "..."}``: the acknowledgement. 408, 425, 429 and 5xx, a time-out
or a refused connection are tried again later; any other answer is a permanent refusal (a dead letter).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final
from urllib.parse import urlsplit

import aiohttp
import orjson
from fastapi import Path, Request

from birtereze.core.errors import Unauthorized
from birtereze.core.i18n import _l
from birtereze.core.settings import Settings

MODES: Final = ("http", "inbox")
TIMESTAMP_HEADER: Final = "X-Birtereze-Timestamp"
SIGNATURE_HEADER: Final = "X-Birtereze-Signature"
IDEMPOTENCY_HEADER: Final = "Idempotency-Key"
RETRIED_STATUSES: Final = frozenset({408, 425, 429})
# An authority's code in the bodies' routes.
AuthorityCode = Path(pattern=r"^[A-Za-z0-9_.-]{1,32}$", description="The authorised body's code")


class BadSignature(Unauthorized):
    code = "bad_signature"
    message = _l("The request is not signed by a known authorised body, or its signature is out of date.")


@dataclass(frozen=True, slots=True)
class BodyEndpoint:
    code: str
    mode: str  # http | inbox
    secret: bytes
    url: str | None = None


def endpoints(settings: Settings) -> dict[str, BodyEndpoint]:
    """The configured bodies by authority code; an entry without a secret, or an http one without a URL,
    is left out (its applications wait)."""
    found = {}
    for code, entry in settings.body_endpoints.items():
        mode = entry.get("mode", "http")
        secret = entry.get("secret", "")
        url = entry.get("url")
        if mode not in MODES or not secret or (mode == "http" and not url):
            continue
        found[code] = BodyEndpoint(code=code, mode=mode, secret=secret.encode(), url=url)
    return found


def endpoint(settings: Settings, code: str) -> BodyEndpoint | None:
    return endpoints(settings).get(code)


def target(path: str, query: str) -> str:
    """What a signature covers of a request's URL: its path, and its query string when it has one."""
    return f"{path}?{query}" if query else path


def url_target(url: str) -> str:
    """The signed target of a URL (``https://body.example/in?x=1`` → ``/in?x=1``)."""
    parts = urlsplit(url)
    return target(parts.path or "/", parts.query)


def request_target(request: Request) -> str:
    """The signed target of a request Birtereze received: its path and raw query string."""
    return target(request.url.path, request.url.query)


class ReplayGuard:
    """The (timestamp, signature) pairs already accepted, each kept until its timestamp is out of the
    tolerance window. Per process: with several web processes a request could be replayed once more to
    another one within the window (the answers are idempotent, and the inbox is taken with claims)."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], float] = {}

    def first_time(self, timestamp: str, signed: str, *, now: datetime, tolerance_s: int) -> bool:
        """Remember the pair; False when it was already seen (a replay)."""
        instant = now.timestamp()
        if len(self._seen) > 1024:
            self._seen = {pair: until for pair, until in self._seen.items() if until >= instant}
        pair = (timestamp, signed)
        if self._seen.get(pair, -1.0) >= instant:
            return False
        self._seen[pair] = int(timestamp) + tolerance_s
        return True


def signature(secret: bytes, *, timestamp: str, method: str, path: str, body: bytes) -> str:
    """The signature of a request; ``path`` is its target, with the query string (see ``target``)."""
    message = f"{timestamp}\n{method.upper()}\n{path}\n".encode() + body
    return "sha256=" + hmac.new(secret, message, hashlib.sha256).hexdigest()


def signed_headers(secret: bytes, *, now: datetime, method: str, path: str, body: bytes) -> dict[str, str]:
    timestamp = str(int(now.timestamp()))
    return {
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: signature(secret, timestamp=timestamp, method=method, path=path, body=body),
    }


def verify(
    secret: bytes,
    *,
    timestamp: str | None,
    signed: str | None,
    method: str,
    path: str,
    body: bytes,
    now: datetime,
    tolerance_s: int,
    replays: ReplayGuard | None = None,
) -> None:
    """Raise ``BadSignature`` unless the request is signed with ``secret`` within the tolerance (and, with
    ``replays``, was not seen before); ``path`` is the request's target, with its query string."""
    if not timestamp or not signed or not timestamp.isdigit() or len(timestamp) > 12:
        raise BadSignature()
    if abs(now.timestamp() - int(timestamp)) > tolerance_s:
        raise BadSignature()
    expected = signature(secret, timestamp=timestamp, method=method, path=path, body=body)
    if not hmac.compare_digest(expected, signed):
        raise BadSignature()
    if replays is not None and not replays.first_time(timestamp, signed, now=now, tolerance_s=tolerance_s):
        raise BadSignature()


def envelope(
    *,
    delivery_id: int,
    application_id: int,
    authority_code: str,
    idempotency_key: str,
    payload: dict[str, Any],
    callback_url: str | None,
) -> dict[str, Any]:
    """What a body receives, by POST or from its inbox."""
    return {
        "delivery_id": delivery_id,
        "application_id": application_id,
        "authority": authority_code,
        "idempotency_key": idempotency_key,
        "callback_url": callback_url,
        "application": payload,
    }


@dataclass(frozen=True, slots=True)
class Acknowledged:
    reference: str


@dataclass(frozen=True, slots=True)
class Failed:
    reason: str
    permanent: bool = False


Outcome = Acknowledged | Failed


class HttpJsonAdapter:
    """POSTs applications to one body's URL, signed, with the delivery's idempotency key."""

    def __init__(self, body: BodyEndpoint, client: aiohttp.ClientSession) -> None:
        if body.url is None:
            raise ValueError("an http body needs a URL")
        self.body = body
        self.url = body.url
        self.path = url_target(body.url)
        self.client = client

    async def send(self, document: dict[str, Any], *, key: str, now: datetime) -> Outcome:
        content = orjson.dumps(document)
        headers = {
            "Content-Type": "application/json",
            IDEMPOTENCY_HEADER: key,
            **signed_headers(self.body.secret, now=now, method="POST", path=self.path, body=content),
        }
        try:
            async with self.client.post(self.url, data=content, headers=headers) as answer:
                status = answer.status
                text = await answer.text(errors="replace")
        except TimeoutError:
            return Failed("timed out")
        except aiohttp.ClientError as error:
            return Failed(f"not reachable: {type(error).__name__}")
        if 200 <= status < 300:
            try:
                found = orjson.loads(text)
                reference = str(found.get("reference") or "")[:200] if isinstance(found, dict) else ""
            except orjson.JSONDecodeError:
                reference = ""
            return Acknowledged(reference or f"http-{status}")
        reason = f"HTTP {status}: {text[:200]}"
        retried = status >= 500 or status in RETRIED_STATUSES
        return Failed(reason, permanent=not retried)


def client_session(settings: Settings) -> aiohttp.ClientSession:
    """The HTTP client of a delivery round: its time-out, and a connection per request in flight."""
    return aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=settings.delivery_timeout_s),
        connector=aiohttp.TCPConnector(limit=settings.delivery_concurrency),
    )
