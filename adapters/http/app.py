"""The FastAPI application: routers, error mapping, lazy container (so a database outage is a 503)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from adapters.accounts import TokenCache
from adapters.background import Background
from adapters.bootstrap import Container
from adapters.http import agencies, errors, notices, prevention, schema, transport
from adapters.http.docs import install_docs

HEADERS = """Headers (docs/http-headers.md):

- `Idempotency-Key` (request, every POST): the same key and body again is applied at most once
  and answered as the first time, with `Idempotent-Replayed: true`; the same key with another
  body is 422. Keys are kept 7 days (at least 24 hours).
- `If-Match: "<version>"` (request, commands): 412 when the aggregate has moved on.
- `Linkage-Position` (response of a write that stored events): the position of its last event.
  As a request header on `GET /api/v1/agencies/...`: wait until that agency's read model holds it.
- `Linkage-Stale: true` (response of such a read): the read model had not reached the reader's
  last write (or the position asked for) within LINKAGE_READ_YOUR_WRITES_TIMEOUT (2 s).
"""


class LazyContainer:
    """Builds the container on first use and again after a failure, never at import."""

    def __init__(self, factory: Callable[[], Container], background: bool) -> None:
        self.factory = factory
        self.background = background
        self._container: Container | None = None
        self._bg: Background | None = None
        self._lock = threading.Lock()

    def __call__(self) -> Container:
        if self._container is not None:
            return self._container
        with self._lock:
            if self._container is None:
                self._container = self.factory()
                if self.background:
                    self._bg = Background(self._container)
                    self._bg.start()
            return self._container

    def ready(self) -> Container | None:
        """The container if built, without waiting: request handlers check this first."""
        return self._container

    def close(self) -> None:
        if self._bg is not None:
            self._bg.close()
        if self._container is not None:
            self._container.close()


def install_probes(app: FastAPI, lazy: LazyContainer) -> None:
    """/healthz (the process answers), /readyz (the database answers), /metrics (Prometheus)."""
    from fastapi.responses import JSONResponse, Response
    from starlette.concurrency import run_in_threadpool

    from adapters.export import Export  # ?format=csv|xlsx of the lists (inside the metrics)
    from adapters.http.fresh import WritesMiddleware  # Linkage-Position on writes
    from adapters.logs import RequestIds
    from adapters.metrics import CONTENT_TYPE, HttpMetrics, StateCollector, exposition

    app.add_middleware(WritesMiddleware)  # innermost
    app.add_middleware(Export)
    app.add_middleware(HttpMetrics)
    app.add_middleware(RequestIds)  # outermost: every line of the request carries its id
    state = StateCollector(lazy.ready)

    @app.get("/healthz", tags=["health"])
    async def healthz() -> dict[str, Any]:
        return {"status": "ok"}

    def check() -> None:
        c = lazy()
        c.app.recorder.max_notification_id()
        with c.store("api").transaction(write=False) as tx:
            tx.get("users", "-")

    @app.get("/readyz", tags=["health"])
    async def readyz() -> Any:
        try:
            await run_in_threadpool(check)
        except Exception as e:
            return JSONResponse({"status": "unavailable", "code": "database_unavailable",
                                 "detail": f"database: {type(e).__name__}"}, status_code=503)
        return {"status": "ready"}

    @app.get("/metrics", tags=["health"], include_in_schema=False)
    async def metrics() -> Response:
        body = await run_in_threadpool(exposition, state)
        return Response(body, media_type=CONTENT_TYPE)


def create_app(factory: Callable[[], Container], background: bool = True,
               token_cache_seconds: float = 2.0) -> FastAPI:
    lazy = LazyContainer(factory, background)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Start consumers and the watcher now if the database is there; else 503 until it is.
        with contextlib.suppress(Exception):
            lazy()
        yield
        lazy.close()

    app = FastAPI(
        title="linkage API",
        version="1",
        summary="工伤事故预防联动机制 — work-accident prevention linkage mechanism",
        description=HEADERS,
        lifespan=lifespan,
        docs_url=None,  # served by install_docs from the project's own files
        redoc_url=None,
    )
    app.state.container = lazy
    app.state.tokens = TokenCache(token_cache_seconds)  # short-lived: revocations reach it
    from fastapi import Depends

    from adapters.http.audit import auditors_read_only  # auditors write nothing, on any route
    from adapters.http.deps import refuse_early

    app.router.dependencies.append(Depends(auditors_read_only))
    from adapters.web.render import routing_page

    errors.install(app, guards=refuse_early, pages=routing_page)
    install_docs(app)
    app.include_router(notices.router)
    app.include_router(agencies.router)
    app.include_router(prevention.router)
    from adapters.http import inspections, meetings, registers, safety

    app.include_router(inspections.router)
    app.include_router(safety.router)
    app.include_router(meetings.router)
    app.include_router(registers.router)
    from adapters.http import contacts, deliveries  # issue 18: the notifier's contacts and log

    app.include_router(contacts.router)
    app.include_router(deliveries.router)
    app.include_router(schema.router)
    app.include_router(transport.router)
    from adapters.http import audit

    app.include_router(audit.router)
    from adapters.http import security, users

    app.include_router(users.router)
    app.include_router(security.router)
    app.add_middleware(security.AccessLog)  # who read which notice, which agency's models
    app.add_middleware(security.SecurityHeaders)
    from adapters.web import install as install_web  # the staff UI: /ui/..., /static

    install_web(app)
    from adapters.http import openapi

    openapi.install(app)  # the statuses and error bodies the API really sends

    install_probes(app, lazy)
    return app


def from_settings() -> FastAPI:
    """The app for `linkage serve --workers N` (uvicorn imports it in each worker)."""
    import logging
    import os

    from adapters.bootstrap import bootstrap
    from adapters.gc_tuning import for_serving
    from adapters.logs import setup
    from adapters.settings import Settings

    setup()  # a worker is a fresh process: its own handler, the same format
    if os.environ.get("LINKAGE_ACCESS_LOG") == "0":
        logging.getLogger("linkage.access").setLevel(logging.WARNING)
    settings = Settings()
    app = create_app(lambda: bootstrap(settings), token_cache_seconds=settings.token_cache_seconds)
    for_serving()
    return app
