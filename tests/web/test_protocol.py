"""The HTTP protocol's gathering transport: one turn's writes leave together, in order, and nothing is lost
on closing."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse, StreamingResponse

from birtereze.web.protocol import GatheringTransport
from birtereze.web.server import serving


class Recorder:
    """A transport that records what reaches it."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False
        self.protocol: Any = None

    def write(self, data: bytes) -> None:
        assert not self.closed, "written after closing"
        self.writes.append(data)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.closed = True

    def write_eof(self) -> None:
        self.writes.append(b"<eof>")

    def set_protocol(self, protocol: Any) -> None:
        self.protocol = protocol

    def get_write_buffer_size(self) -> int:
        return 0

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("127.0.0.1", 8000) if name == "sockname" else default


async def _turn() -> None:
    await asyncio.sleep(0)
    await asyncio.sleep(0)


async def test_one_turns_writes_leave_in_one_write_in_order() -> None:
    inner = Recorder()
    transport = GatheringTransport(inner, asyncio.get_running_loop())  # type: ignore[arg-type]
    transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
    transport.write(bytearray(b"body"))
    transport.writelines([b"-", memoryview(b"more")])
    assert inner.writes == []
    assert transport.get_write_buffer_size() == len(b"HTTP/1.1 200 OK\r\n\r\nbody-more")
    await _turn()
    assert inner.writes == [b"HTTP/1.1 200 OK\r\n\r\nbody-more"]
    transport.write(b"next")
    await _turn()
    assert inner.writes[-1] == b"next"


async def test_closing_sends_what_is_held_first_and_aborting_drops_it() -> None:
    inner = Recorder()
    transport = GatheringTransport(inner, asyncio.get_running_loop())  # type: ignore[arg-type]
    transport.write(b"last words")
    transport.close()
    assert inner.writes == [b"last words"] and inner.closed
    await _turn()  # the scheduled flush finds nothing, and writes nothing to the closed transport
    assert inner.writes == [b"last words"]

    inner = Recorder()
    transport = GatheringTransport(inner, asyncio.get_running_loop())  # type: ignore[arg-type]
    transport.write(b"never sent")
    transport.abort()
    await _turn()
    assert inner.writes == [] and inner.closed


async def test_the_rest_is_the_wrapped_transports_and_keeps_the_order() -> None:
    inner = Recorder()
    transport = GatheringTransport(inner, asyncio.get_running_loop())  # type: ignore[arg-type]
    assert transport.get_extra_info("sockname") == ("127.0.0.1", 8000)
    transport.write(b"before the upgrade")
    transport.set_protocol("websocket")  # type: ignore[arg-type]
    assert inner.writes == [b"before the upgrade"] and inner.protocol == "websocket"
    transport.write(b"the end")
    transport.write_eof()
    assert inner.writes[-2:] == [b"the end", b"<eof>"]


async def test_uvicorn_serves_responses_and_streams_through_it() -> None:
    app = FastAPI()

    @app.get("/plain")
    async def plain() -> PlainTextResponse:
        return PlainTextResponse("hello", headers={"x-check": "yes"})

    @app.get("/stream")
    async def stream() -> StreamingResponse:
        async def frames() -> Any:
            for n in range(3):
                yield f"data: {n}\n\n"
                await asyncio.sleep(0.01)

        return StreamingResponse(frames(), media_type="text/event-stream")

    async with serving(app) as base, httpx.AsyncClient(base_url=base) as client:
        for _ in range(3):  # one kept-alive connection, several responses
            response = await client.get("/plain")
            assert (response.status_code, response.text, response.headers["x-check"]) == (
                200,
                "hello",
                "yes",
            )
        async with client.stream("GET", "/stream") as streamed:
            body = b"".join([chunk async for chunk in streamed.aiter_bytes()])
        assert body == b"data: 0\n\ndata: 1\n\ndata: 2\n\n"
