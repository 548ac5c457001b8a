"""Serving with several worker processes, each on its own listening socket (``SO_REUSEPORT``).

uvicorn's own ``--workers`` shares one listening socket between the processes: whichever wakes first
accepts, and with long-lived connections (keep-alive clients, hundreds of event streams) one process ends
up with most of them while the other idles. With a socket per process bound with ``SO_REUSEPORT``, the
kernel spreads new connections evenly over the processes. Where the option does not exist, uvicorn's own
supervisor is used.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from typing import Any

import uvicorn
from starlette.types import ASGIApp

from birtereze.web.protocol import HTTP_PROTOCOL

APP = "birtereze.web.app:create_app"


def _config(**options: Any) -> uvicorn.Config:
    return uvicorn.Config(
        APP,
        factory=True,
        access_log=False,
        loop="uvloop" if sys.platform != "win32" else "asyncio",
        http=HTTP_PROTOCOL,
        **options,
    )


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _worker(host: str, port: int, log_level: str) -> None:
    # A process group of its own: a Ctrl+C in the terminal reaches the supervisor alone, which passes
    # one SIGINT on (a second would make uvicorn drop the requests in flight).
    os.setpgrp()
    sock = _listen(host, port)
    # uvicorn raises the signal again once it has shut down gracefully: that is the expected end here.
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.Server(_config(log_level=log_level)).run(sockets=[sock])


def serve(host: str, port: int, *, workers: int, log_level: str, reload: bool = False) -> None:
    if workers <= 1 or reload or not hasattr(socket, "SO_REUSEPORT"):
        uvicorn.run(
            APP,
            factory=True,
            host=host,
            port=port,
            workers=workers,
            reload=reload,
            log_level=log_level,
            access_log=False,
            loop="uvloop" if sys.platform != "win32" else "asyncio",
            http=HTTP_PROTOCOL,
        )
        return
    # Bind once here first, so that a port in use stops the server at once with a clear error.
    _listen(host, port).close()
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(target=_worker, args=(host, port, log_level), name=f"birtereze-web-{index}")
        for index in range(workers)
    ]
    stopping = False

    def stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        for process in processes:
            process.start()
        while not stopping:
            time.sleep(0.5)
            for index, process in enumerate(processes):
                if not stopping and not process.is_alive():
                    # A worker that died is replaced, as uvicorn's own supervisor does.
                    replacement = context.Process(
                        target=_worker, args=(host, port, log_level), name=process.name
                    )
                    replacement.start()
                    processes[index] = replacement
    finally:
        for process in processes:
            if process.is_alive() and process.pid is not None:
                # uvicorn finishes the requests in flight and the application's shutdown on SIGINT.
                with contextlib.suppress(ProcessLookupError):
                    os.kill(process.pid, signal.SIGINT)
        for process in processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextlib.asynccontextmanager
async def serving(app: ASGIApp) -> AsyncIterator[str]:
    """uvicorn, with the production server's protocol, serving ``app`` (its lifespan already run by the
    caller) on a free port of 127.0.0.1: the base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        lifespan="off",
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=2,
        http=HTTP_PROTOCOL,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    for _ in range(500):
        if server.started or task.done():
            break
        await asyncio.sleep(0.01)
    if not server.started:
        task.cancel()
        sock.close()
        raise RuntimeError("the test server did not start")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=10)
        sock.close()
