"""A fake authorised body: a real HTTP service that speaks the bodies' protocol (``applications.adapters``)
for the tests, the demo and the benchmark.

It receives applications by POST (signed, with an ``Idempotency-Key``) or polls Birtereze's inbox for
them; keeps one application per key (a key seen again gets the first answer: a redelivery, counted);
fails a given share of requests at random — half before keeping the application, half after it (the
answer is lost, so Birtereze tries again with the same key); and after a configurable delay accepts or
refuses each application and sends its answers — accepted, then the result (data and a document) or the
refusal with its grounds — to Birtereze's callback API, signed, retried until Birtereze takes them.

    python -m birtereze.applications.fake_body --authority MVD --secret s3cret --port 8470 \\
        --callback-url http://127.0.0.1:8000 --delay 2 --refuse-rate 0.1 --failure-rate 0.2
    python -m birtereze.applications.fake_body --authority MTSZN --secret s3cret --poll http://127.0.0.1:8000

(Birtereze: ``BIRTEREZE_BODY_ENDPOINTS='{"MVD": {"mode": "http", "url":
"http://127.0.0.1:8470/MVD/applications", "secret": "s3cret"}}'``.)

One process serves several bodies, each at a path of its own (``/{authority}/applications``; a single
body also at ``/applications``): ``--authority`` repeated, or ``--demo`` for every authority of the demo's
catalogue (``make run`` starts it so). ``--print-endpoints`` prints the ``BIRTEREZE_BODY_ENDPOINTS`` JSON
that reaches them, and exits.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

import httpx
import orjson
from aiohttp import web

from birtereze.applications import adapters

# A one-page PDF: the result document the fake body sends back.
RESULT_PDF: Final = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>"
    b"endobj 3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
REFUSAL_GROUNDS: Final = ["The documents submitted are incomplete or not valid (fake body)."]


def _system_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Received:
    key: str
    application_id: int
    digest: str
    reference: str
    callback_url: str | None


@dataclass
class FakeBody:
    authority: str
    secret: bytes
    failure_rate: float = 0.0
    refuse_rate: float = 0.0
    processing_delay_s: float = 0.0
    # How long the answer to a POST is held after the application is kept (a slow body; tests kill the
    # worker meanwhile).
    respond_delay_s: float = 0.0
    send_answers: bool = True
    callback_url: str | None = None  # unset: the one each application carries
    callback_client: httpx.AsyncClient | None = None
    now: Callable[[], datetime] = _system_now
    tolerance_s: int = 300
    seed: int | None = None
    # Failures to inject on the next requests, in order, before the random ones: "before" (503, nothing
    # kept) or "after" (kept, but the answer is lost).
    fail_next: list[str] = field(default_factory=list)
    # What it saw.
    received: dict[str, Received] = field(default_factory=dict)
    keys_by_application: dict[int, set[str]] = field(default_factory=dict)
    requests: int = 0
    redeliveries: int = 0
    failures_injected: int = 0
    bad_signatures: int = 0
    answers_sent: list[tuple[int, str]] = field(default_factory=list)
    up: bool = True

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)
        self._tasks: set[asyncio.Task[None]] = set()
        self._runner: web.AppRunner | None = None
        self._client: httpx.AsyncClient | None = None
        self.arrived = asyncio.Event()
        self._released = asyncio.Event()

    def release(self) -> None:
        """Answer the held requests now, and hold none from now on."""
        self.respond_delay_s = 0.0
        self._released.set()

    # --- what the benchmark and the tests read ---

    @property
    def duplicates(self) -> int:
        """Applications received under more than one idempotency key: delivered twice."""
        return sum(len(keys) - 1 for keys in self.keys_by_application.values() if len(keys) > 1)

    @property
    def applications(self) -> int:
        return len(self.keys_by_application)

    # --- the HTTP service ---

    def app(self) -> web.Application:
        application = web.Application(client_max_size=32 * 1024 * 1024)
        application.router.add_post("/applications", self._post)
        application.router.add_get("/stats", self._stats)
        return application

    def stats(self) -> dict[str, Any]:
        """What the body saw, for the benchmark: the applications it keeps, by id."""
        return {
            "requests": self.requests,
            "applications": self.applications,
            "duplicates": self.duplicates,
            "redeliveries": self.redeliveries,
            "failures_injected": self.failures_injected,
            "bad_signatures": self.bad_signatures,
            "application_ids": sorted(self.keys_by_application),
        }

    async def _stats(self, request: web.Request) -> web.Response:
        return web.json_response(self.stats())

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen; returns the URL to configure in Birtereze (…/applications)."""
        self._runner = web.AppRunner(self.app(), access_log=None)
        self._released = asyncio.Event()
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = site._server
        assert server is not None
        bound = server.sockets[0].getsockname()  # type: ignore[attr-defined]
        self.port = int(bound[1])
        return f"http://{host}:{self.port}/applications"

    async def stop(self) -> None:
        """Stop listening (the body is down); what it kept and its pending answers stay."""
        self._released.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def close(self) -> None:
        await self.stop()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._client is not None:
            await self._client.aclose()

    async def settled(self) -> None:
        """Wait until every answer is sent (the caller bounds the wait with ``asyncio.timeout``)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _post(self, request: web.Request) -> web.Response:
        self.requests += 1
        content = await request.read()
        try:
            adapters.verify(
                self.secret,
                timestamp=request.headers.get(adapters.TIMESTAMP_HEADER),
                signed=request.headers.get(adapters.SIGNATURE_HEADER),
                method=request.method,
                path=request.raw_path,  # the path with its query string, as signed
                body=content,
                now=self.now(),
                tolerance_s=self.tolerance_s,
            )
        except adapters.BadSignature:
            self.bad_signatures += 1
            return web.json_response({"error": "bad signature"}, status=401)
        key = request.headers.get(adapters.IDEMPOTENCY_HEADER, "")
        if not key or len(key) > 128:
            return web.json_response({"error": "Idempotency-Key required"}, status=400)
        roll = self._random.random()
        failure = None
        if self.fail_next:
            failure = self.fail_next.pop(0)
        elif roll < self.failure_rate:
            failure = "before" if roll < self.failure_rate / 2 else "after"
        if failure == "before":
            self.failures_injected += 1
            return web.json_response({"error": "unavailable"}, status=503)
        answer = self.keep(key, content)
        if answer is None:
            return web.json_response({"error": "the key was used for another application"}, status=422)
        if failure == "after":
            self.failures_injected += 1  # kept, but the answer is lost
            return web.json_response({"error": "unavailable"}, status=503)
        if self.respond_delay_s:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.respond_delay_s):
                    await self._released.wait()
        return web.json_response({"reference": answer.reference}, status=201)

    def keep(self, key: str, content: bytes) -> Received | None:
        """Keep an application once per key; None when the key came with another application."""
        digest = hashlib.sha256(content).hexdigest()
        known = self.received.get(key)
        if known is not None:
            self.redeliveries += 1
            return known if known.digest == digest else None
        document: dict[str, Any] = orjson.loads(content)
        application_id = int(document["application_id"])
        kept = Received(
            key=key,
            application_id=application_id,
            digest=digest,
            reference=f"{self.authority}-{len(self.received) + 1:07d}",
            callback_url=document.get("callback_url"),
        )
        self.received[key] = kept
        self.keys_by_application.setdefault(application_id, set()).add(key)
        self.arrived.set()
        if self.send_answers:
            task = asyncio.create_task(self._process(kept))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return kept

    # --- the answers, by Birtereze's callback API ---

    def _http(self) -> httpx.AsyncClient:
        if self.callback_client is not None:
            return self.callback_client
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=10.0)
        return self._client

    async def _process(self, kept: Received) -> None:
        await asyncio.sleep(self.processing_delay_s)
        base = self.callback_url or kept.callback_url
        if base is None:
            return
        await self._answer(base, {"application_id": kept.application_id, "kind": "accepted"})
        if self._random.random() < self.refuse_rate:
            answer = {"application_id": kept.application_id, "kind": "refused", "grounds": REFUSAL_GROUNDS}
        else:
            answer = {
                "application_id": kept.application_id,
                "kind": "result_ready",
                "result": {"reference": kept.reference, "decision": "granted"},
                "documents": [
                    {
                        "name": f"{kept.reference}.pdf",
                        "content_type": "application/pdf",
                        "content_base64": base64.b64encode(RESULT_PDF).decode(),
                    }
                ],
            }
        await self._answer(base, answer)

    async def signed(self, method: str, url: str, content: bytes = b"") -> httpx.Response:
        path = adapters.url_target(url)
        headers = {
            "Content-Type": "application/json",
            **adapters.signed_headers(self.secret, now=self.now(), method=method, path=path, body=content),
        }
        return await self._http().request(method, url, content=content, headers=headers)

    async def _answer(self, base: str, answer: dict[str, Any]) -> None:
        url = f"{base.rstrip('/')}/api/v1/bodies/{self.authority}/answers"
        content = orjson.dumps(answer)
        wait = 0.1
        for _ in range(30):
            try:
                response = await self.signed("POST", url, content)
                if response.is_success:
                    self.answers_sent.append((int(answer["application_id"]), str(answer["kind"])))
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(wait)
            wait = min(wait * 2, 5.0)

    # --- a body that polls ---

    async def poll_once(self, base: str, *, limit: int = 50) -> int:
        """Take what waits in the inbox, keep it, acknowledge it; returns how many were taken."""
        inbox = f"{base.rstrip('/')}/api/v1/bodies/{self.authority}/inbox"
        response = await self.signed("GET", f"{inbox}?limit={limit}")
        response.raise_for_status()
        items = response.json()["items"]
        for item in items:
            content = orjson.dumps(item)
            kept = self.keep(str(item["idempotency_key"]), content)
            if kept is None:
                continue
            ack = f"{inbox}/{item['delivery_id']}/ack"
            answer = await self.signed("POST", ack, orjson.dumps({"reference": kept.reference}))
            answer.raise_for_status()
        return len(items)

    async def poll(self, base: str, *, every_s: float = 2.0) -> None:
        while True:
            try:
                await self.poll_once(base)
            except httpx.HTTPError as error:
                print(f"fake body: poll failed: {error}", flush=True)
            await asyncio.sleep(every_s)


@dataclass
class FakeBodies:
    """Several fake bodies behind one HTTP server: each at ``/{authority}/applications`` (a single one
    also at ``/applications``), their counts together at ``/stats``, each one's at ``/{authority}/stats``."""

    bodies: dict[str, FakeBody]

    def __post_init__(self) -> None:
        self._runner: web.AppRunner | None = None
        self.port = 0

    @classmethod
    def of(cls, authorities: list[str], *, secret: bytes, **options: Any) -> FakeBodies:
        """One body per authority (in the order given, duplicates dropped), all with the same options."""
        return cls(
            {code: FakeBody(authority=code, secret=secret, **options) for code in dict.fromkeys(authorities)}
        )

    def app(self) -> web.Application:
        application = web.Application(client_max_size=32 * 1024 * 1024)
        application.router.add_get("/stats", self._stats)
        if len(self.bodies) == 1:
            [only] = self.bodies.values()
            application.router.add_post("/applications", only._post)
        for code, body in self.bodies.items():
            application.router.add_post(f"/{code}/applications", body._post)
            application.router.add_get(f"/{code}/stats", body._stats)
        return application

    def stats(self) -> dict[str, Any]:
        """Every body's counts added up (the application ids of all); each one's under ``by_authority``."""
        each = {code: body.stats() for code, body in self.bodies.items()}
        total: dict[str, Any] = {
            key: sum(int(found[key]) for found in each.values())
            for key in (
                "requests",
                "applications",
                "duplicates",
                "redeliveries",
                "failures_injected",
                "bad_signatures",
            )
        }
        total["application_ids"] = sorted({i for found in each.values() for i in found["application_ids"]})
        total["by_authority"] = {
            code: {key: value for key, value in found.items() if key != "application_ids"}
            for code, found in each.items()
        }
        return total

    async def _stats(self, request: web.Request) -> web.Response:
        return web.json_response(self.stats())

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen; returns the base URL (the bodies' URLs are ``endpoints(base, secret)``)."""
        for body in self.bodies.values():
            body._released = asyncio.Event()
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = site._server
        assert server is not None
        self.port = int(server.sockets[0].getsockname()[1])  # type: ignore[attr-defined]
        return f"http://{host}:{self.port}"

    async def stop(self) -> None:
        """Stop listening (every body down); what they kept and their pending answers stay."""
        for body in self.bodies.values():
            body._released.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def close(self) -> None:
        await self.stop()
        for body in self.bodies.values():
            await body.close()

    async def settled(self) -> None:
        for body in self.bodies.values():
            await body.settled()


def endpoints(base_url: str, secret: str, authorities: list[str]) -> dict[str, dict[str, str]]:
    """``BIRTEREZE_BODY_ENDPOINTS`` for these bodies, served by one ``FakeBodies`` at ``base_url``."""
    base = base_url.rstrip("/")
    return {
        code: {"mode": "http", "url": f"{base}/{code}/applications", "secret": secret} for code in authorities
    }


def demo_authorities() -> list[str]:
    """Every authority of the demo's catalogue: those it creates and those its standards name."""
    from birtereze.demo.catalog import AUTHORITIES, STANDARDS

    codes = [code for code, _ in AUTHORITIES] + [draft.authority_code for draft in STANDARDS.values()]
    return list(dict.fromkeys(codes))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A fake authorised body for Birtereze.")
    parser.add_argument(
        "--authority", action="append", default=[], help="a body's code (repeat it for several bodies)"
    )
    parser.add_argument("--demo", action="store_true", help="every authority of the demo's catalogue")
    parser.add_argument(
        "--print-endpoints", action="store_true", help="print the BIRTEREZE_BODY_ENDPOINTS JSON and exit"
    )
    parser.add_argument("--secret", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8470)
    parser.add_argument("--callback-url", help="Birtereze's base URL (default: the one sent)")
    parser.add_argument("--poll", metavar="URL", help="poll Birtereze's inbox at this base URL")
    parser.add_argument("--delay", type=float, default=2.0, help="seconds before answering")
    parser.add_argument("--refuse-rate", type=float, default=0.1)
    parser.add_argument("--failure-rate", type=float, default=0.0)
    parser.add_argument("--no-answers", action="store_true", help="keep applications, send no answers")
    parser.add_argument("--seed", type=int)
    args = parser.parse_args(argv)
    authorities = list(dict.fromkeys([*args.authority, *(demo_authorities() if args.demo else [])]))
    if not authorities:
        parser.error("name a body with --authority (repeatable) or --demo")
    if args.poll and len(authorities) > 1:
        parser.error("--poll takes one --authority")
    if args.print_endpoints:
        print(orjson.dumps(endpoints(f"http://{args.host}:{args.port}", args.secret, authorities)).decode())
        return

    async def serve() -> None:
        bodies = FakeBodies.of(
            authorities,
            secret=args.secret.encode(),
            failure_rate=args.failure_rate,
            refuse_rate=args.refuse_rate,
            processing_delay_s=args.delay,
            callback_url=args.callback_url or args.poll,
            send_answers=not args.no_answers,
            seed=args.seed,
        )
        if args.poll:
            [body] = bodies.bodies.values()
            print(f"fake body {body.authority}: polling {args.poll}", flush=True)
            await body.poll(args.poll)
            return
        base = await bodies.start(args.host, args.port)
        print(
            f"fake bodies {', '.join(authorities)}: listening at {base}/{{authority}}/applications",
            flush=True,
        )
        await asyncio.Event().wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())


if __name__ == "__main__":
    main()
