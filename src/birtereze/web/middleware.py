"""Request observation as a plain ASGI middleware: request ids, and latency by route in /metrics.

A plain ASGI middleware, not Starlette's ``BaseHTTPMiddleware``: that one runs every request in a task of
its own and copies every chunk of a streamed body (the live event streams) through a memory channel.
"""

from __future__ import annotations

import time
import uuid

import structlog
from fastapi.routing import APIRoute
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from birtereze.core.metrics import REQUEST_LATENCY


class ObserveRequests:
    """Binds a request id for the logs, returns it as ``X-Request-Id`` and times the response's start."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _header(scope, b"x-request-id") or uuid.uuid4().hex[:16]
        started = time.perf_counter()

        async def send_observed(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).append("X-Request-Id", request_id)
                route = scope.get("route")
                template = route.path if isinstance(route, APIRoute) else "other"
                REQUEST_LATENCY.labels(scope["method"], template, str(message["status"])).observe(
                    time.perf_counter() - started
                )
            await send(message)

        structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            await self.app(scope, receive, send_observed)
        finally:
            structlog.contextvars.unbind_contextvars("request_id")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1")) or None
    return None
