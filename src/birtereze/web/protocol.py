"""uvicorn's HTTP protocol with a response's writes gathered: what one turn of the event loop writes to a
connection leaves in one system call.

uvicorn writes a response's status line and headers as soon as the application starts the response, and
its body in a second ``write``: two segments on the wire (the socket has ``TCP_NODELAY``) and two wake-ups
of the client, which reads the headers and waits again for the body. On the loopback and in virtual
machines a ``send`` that wakes a reader is the costliest thing a request does in the server (a profile of
the loaded server had half of a web process's CPU in ``write``), so the head and the body go together, and
so do event-stream frames written to one subscriber in the same turn. The delay is one turn of the loop.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class GatheringTransport:
    """A transport whose writes are held until the end of the event loop's turn, then written together.

    Everything but writing and closing is the wrapped transport's own. Closing and ending the write side
    send what is held first; aborting drops it, as aborting drops the transport's own buffer.
    """

    __slots__ = ("_held", "_loop", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._held: list[bytes] = []

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not data:
            return
        if not self._held:
            self._loop.call_soon(self.flush)
        self._held.append(bytes(data))

    def writelines(self, lines: Any) -> None:
        for data in lines:
            self.write(data)

    def flush(self) -> None:
        """Write what is held now (the loop does it at the end of the turn)."""
        if not self._held:
            return
        data = self._held[0] if len(self._held) == 1 else b"".join(self._held)
        self._held.clear()
        if not self._transport.is_closing():
            self._transport.write(data)

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + sum(map(len, self._held))

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def abort(self) -> None:
        self._held.clear()
        self._transport.abort()

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        # A connection upgraded to another protocol (a WebSocket) keeps the order of what was written.
        self.flush()
        self._transport.set_protocol(protocol)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class GatheringHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol writing through a ``GatheringTransport``."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        gathering: Any = GatheringTransport(transport, self.loop)
        super().connection_made(gathering)


HTTP_PROTOCOL = f"{__name__}:GatheringHttpToolsProtocol"
