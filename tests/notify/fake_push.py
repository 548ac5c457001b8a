"""A fake web push service (aiohttp on a free local port) that checks what a real one checks, and a fake
browser's subscription to it.

Each push is verified as a push service does (RFC 8292): the ``Authorization: vapid t=<JWT>,k=<key>``
header's ES256 signature with the public key ``k``, ``aud`` = the endpoint's origin, ``exp`` in the future
(within 24 h), ``sub`` given; and then decrypted as the browser does (RFC 8291, aes128gcm) with the
subscriber's private key and auth secret, so a test reads the JSON the phone would show. An endpoint can
be told to answer another status (410: the subscription is gone).
"""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import http_ece
from aiohttp import web
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Browser:
    """A browser's push subscription: its key pair and auth secret stay with it."""

    endpoint: str
    key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    @property
    def p256dh(self) -> str:
        point = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(point)

    def subscription_json(self) -> dict[str, Any]:
        """What ``PushSubscription.toJSON()`` gives in a browser."""
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": self.p256dh, "auth": b64url(self.auth)},
        }


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    claims: dict[str, Any]
    vapid_key: str
    message: dict[str, Any]


class FakePushService:
    def __init__(self, vapid_public_key: str) -> None:
        self.vapid_public_key = vapid_public_key
        self.port = 0
        self.browsers: dict[str, Browser] = {}
        self.answers: dict[str, int] = {}  # path → status to answer instead of 201
        self.received: list[Received] = []
        self.refused: list[str] = []  # why pushes were refused (a bad signature, claims, encryption)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def browser(self, name: str) -> Browser:
        browser = Browser(endpoint=f"{self.origin}/push/{name}")
        self.browsers[f"/push/{name}"] = browser
        return browser

    def _verify(self, request: web.Request) -> tuple[dict[str, Any], str]:
        scheme, _, params = request.headers.get("Authorization", "").partition(" ")
        if scheme != "vapid":
            raise ValueError(f"not a vapid authorization: {scheme!r}")
        fields = dict(part.strip().split("=", 1) for part in params.split(","))
        token, key = fields["t"], fields["k"]
        if key != self.vapid_public_key:
            raise ValueError("signed with another key")
        header_b64, claims_b64, signature_b64 = token.split(".")
        header = json.loads(unb64url(header_b64))
        if header.get("alg") != "ES256":
            raise ValueError(f"alg {header.get('alg')}")
        signature = unb64url(signature_b64)
        der = encode_dss_signature(
            int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        )
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key))
        try:
            public.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            raise ValueError("bad signature") from None
        claims = json.loads(unb64url(claims_b64))
        if claims.get("aud") != self.origin:
            raise ValueError(f"aud {claims.get('aud')}")
        if not time.time() < int(claims["exp"]) <= time.time() + 24 * 3600:
            raise ValueError("exp")
        if not claims.get("sub"):
            raise ValueError("no sub")
        return claims, key

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        try:
            claims, key = self._verify(request)
            browser = self.browsers[request.path]
            if request.headers.get("Content-Encoding") != "aes128gcm":
                raise ValueError("not aes128gcm")
            plain = http_ece.decrypt(
                body, private_key=browser.key, auth_secret=browser.auth, version="aes128gcm"
            )
        except (ValueError, KeyError) as error:
            self.refused.append(str(error))
            return web.Response(status=403, text=str(error))
        status = self.answers.get(request.path, 201)
        if status == 201:
            self.received.append(
                Received(
                    request.path,
                    {k.lower(): v for k, v in request.headers.items()},
                    claims,
                    key,
                    json.loads(plain.decode()),
                )
            )
        headers = {"Location": f"{self.origin}/message/{len(self.received)}"} if status == 201 else {}
        return web.Response(status=status, headers=headers)


@asynccontextmanager
async def running(vapid_public_key: str) -> AsyncIterator[FakePushService]:
    service = FakePushService(vapid_public_key)
    application = web.Application()
    application.router.add_post("/push/{name}", service.handle)
    runner = web.AppRunner(application)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server = site._server
    assert server is not None
    service.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield service
    finally:
        await runner.cleanup()
