"""The one assembly point: settings, database, hub, worker, middleware and every router."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles

from birtereze.applications.api import router as applications_router
from birtereze.applications.callback_api import router as applications_callback_router
from birtereze.applications.citizen_pages import router as applications_citizen_pages_router
from birtereze.applications.govstack import router as govstack_router
from birtereze.applications.pages import router as applications_pages_router
from birtereze.appointments.api import router as appointments_router
from birtereze.appointments.pages import router as appointments_pages_router
from birtereze.branches.api import router as branches_router
from birtereze.branches.pages import router as branches_pages_router
from birtereze.branches.public_load import LoadCache, LoadFastPath
from birtereze.catalog.api import router as catalog_router
from birtereze.catalog.pages import router as catalog_pages_router
from birtereze.citizens import deps as citizens_deps
from birtereze.citizens.api import router as citizens_router
from birtereze.citizens.pages import router as citizens_pages_router
from birtereze.core import logging as birtereze_logging
from birtereze.core.clock import Clock, SystemClock
from birtereze.core.db import create_engine, session_factory
from birtereze.core.live import create_hub
from birtereze.core.settings import Settings, get_settings
from birtereze.core.sql import memo_of
from birtereze.notify.pages import router as notify_pages_router
from birtereze.notify.push_api import router as push_router
from birtereze.queue.announce import Announcer
from birtereze.queue.announce_api import router as announce_router
from birtereze.queue.api import router as queue_router
from birtereze.queue.assist_api import router as assist_router
from birtereze.queue.config_api import router as queue_config_router
from birtereze.queue.console import router as console_router
from birtereze.queue.kiosk import router as kiosk_router
from birtereze.queue.kpi_api import router as kpi_router
from birtereze.queue.manager import router as manager_router
from birtereze.queue.pages import router as queue_pages_router
from birtereze.queue.remote_api import router as remote_router
from birtereze.queue.remote_pages import router as remote_pages_router
from birtereze.staff.api import router as staff_router
from birtereze.staffing.api import router as staffing_router
from birtereze.staffing.pages import router as staffing_pages_router
from birtereze.web import ops, problems, pwa, stream
from birtereze.web.deps import TokenCache
from birtereze.web.middleware import ObserveRequests
from birtereze.web.templating import STATIC_DIR

log = structlog.get_logger(__name__)

# The garbage collector's thresholds while serving. Python's default (a young collection every 700 new
# objects) walks the objects of every request in flight hundreds of times a second under load: about 6 %
# of a loaded web process's CPU, for requests that leave almost no reference cycles behind. Collections
# twenty times rarer cost a fraction of that, and what cycles there are wait a little longer.
GC_THRESHOLDS: tuple[int, int, int] = (20_000, 10, 10)


def create_app(
    settings: Settings | None = None, clock: Clock | None = None, *, worker: bool | None = None
) -> FastAPI:
    settings = settings or get_settings()
    clock = clock or SystemClock()
    birtereze_logging.configure(settings.log_level, settings.log_json)
    run_worker = settings.embedded_worker if worker is None else worker

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings.database_url, pool_size=settings.db_pool_size)
        app.state.engine = engine
        app.state.sessions = session_factory(engine)
        app.state.load_cache = LoadCache(app.state.sessions, clock.now, fresh_s=settings.load_cache_s)
        app.state.hub = create_hub(settings.redis_url, prefix=settings.live_channel_prefix)
        await app.state.hub.start()
        app.state.hub.attach(memo_of(engine.sync_engine))
        background = None
        if run_worker:
            from birtereze.worker import Worker

            background = Worker(app.state.sessions, app.state.hub, clock, settings)
            background.start()
        # What the start-up made (modules, routes, compiled statements: hundreds of thousands of objects)
        # lives as long as the process: out of the garbage collector's full scans, which would otherwise
        # walk it all every few seconds under load, a pause felt by the requests in flight.
        gc.collect()
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLDS)
        log.info("app.started", database=engine.url.get_backend_name(), redis=bool(settings.redis_url))
        try:
            yield
        finally:
            if background is not None:
                await background.stop()
            await app.state.load_cache.close()
            await app.state.hub.stop()
            await engine.dispose()

    app = FastAPI(
        title="Birtereze",
        version="0.1.0",
        summary="One-window Public Service Centre platform: the electronic queue API.",
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
    )
    app.state.settings = settings
    app.state.clock = clock
    app.state.token_cache = TokenCache(settings.token_cache_ttl_s)
    app.state.announcer = Announcer(settings.voice_cache_dir)

    problems.install(app)
    citizens_deps.install(app)
    # Requests are matched against the routes in this order: the queue's hot routes first.
    for router in (
        queue_router,
        ops.router,
        staff_router,
        branches_router,
        queue_config_router,
        kpi_router,
        staffing_router,
        stream.router,
        announce_router,
        queue_pages_router,
        staffing_pages_router,
        assist_router,
        kiosk_router,
        console_router,
        manager_router,
        branches_pages_router,
        citizens_router,
        citizens_pages_router,
        notify_pages_router,
        appointments_router,
        appointments_pages_router,
        remote_router,
        remote_pages_router,
        push_router,
        pwa.router,
        catalog_router,
        catalog_pages_router,
        applications_router,
        applications_callback_router,
        applications_pages_router,
        applications_citizen_pages_router,
        govstack_router,
    ):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    app.add_middleware(LoadFastPath)  # inside the observation: its answers are counted as the route's
    app.add_middleware(ObserveRequests)

    return app


def _operation_id(route: APIRoute) -> str:
    # Routes set operation_id explicitly; this keeps any that do not stable too.
    return route.name
