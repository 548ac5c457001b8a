"""A real HTTP server for streaming and browser tests, and a headless Chromium.

The server is uvicorn running the test's ``app`` (already started, with its ManualClock and database) in
the test's own event loop, on a free port (``web.server.serving``): SSE streams arrive frame by frame, as
in production (httpx's in-process transport would wait for the whole response).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI
from playwright.async_api import Browser, async_playwright

from birtereze.web.server import serving
from tests.conftest import need

CHROMIUM = "/usr/bin/chromium"
HAVE_CHROMIUM = os.path.exists(CHROMIUM)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
async def live_server(app: FastAPI) -> AsyncIterator[str]:
    """The base URL of uvicorn serving ``app`` on 127.0.0.1 (the ``app`` fixture runs the lifespan)."""
    async with serving(app) as url:
        yield url


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright (its own browser downloads are never used)."""
    need("Chromium", HAVE_CHROMIUM)
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        await chromium.close()
