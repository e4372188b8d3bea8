"""``create_app(settings)``: the FastAPI authorization server.

The lifespan opens the :class:`~jwtkit.server.runtime.Runtime` (database, migrations, key
ring, services); the routers stay thin. Every error becomes the protocol's JSON answer:
RFC 6749 for the OAuth endpoints, RFC 6750 (with ``WWW-Authenticate``) for bearer-protected
ones, ``temporarily_unavailable`` with ``Retry-After`` when the database is out of reach, and
a bare ``server_error`` — never a traceback — for anything unforeseen.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from .db import DATABASE_UNAVAILABLE
from .errors import BearerError, InvalidClientError, RateLimitedError, ServerError
from .middleware import BodyLimitMiddleware, DefaultHeadersMiddleware
from .routes import admin, auth, browser, health, oauth, wellknown
from .routes.openapi import replace_validation_errors
from .runtime import Runtime, open_runtime
from .settings import Settings
from .web.cors import CorsMiddleware

__all__ = ["create_app"]

log = logging.getLogger("jwtkit.server")

#: SQLSTATE class 22, "data exception": the values in a statement, not the database, are wrong.
_DATA_EXCEPTION = "22"
#: Seconds of clock difference from the database beyond which the start-up log warns.
_CLOCK_TOLERANCE = 2.0

_DESCRIPTION = """
The jwtkit authorization server. **Authorize** above logs in with the password flow
(leave client_id empty for the built-in first-party client); then try `GET /auth/userinfo`.
"""


def create_app(
    settings: Settings | None = None, *, clock: Callable[[], float] = time.time
) -> FastAPI:
    """The server as an ASGI app (``uvicorn`` runs it; tests call it through httpx)."""
    settings = settings if settings is not None else Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with open_runtime(settings, clock=clock) as runtime:
            app.state.runtime = runtime
            if runtime.redis is not None:
                runtime.redis.start()
            await _announce(runtime)
            purging = None
            if settings.purge_interval > 0:
                purging = asyncio.create_task(runtime.purge.every(settings.purge_interval))
            try:
                yield
            finally:
                if purging is not None:
                    purging.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await purging

    app = FastAPI(
        title="jwtkit authorization server",
        version=__version__,
        description=_DESCRIPTION,
        lifespan=lifespan,
        swagger_ui_init_oauth={"usePkceWithAuthorizationCodeGrant": True},
    )
    for router in (
        oauth.router,
        auth.router,
        wellknown.router,
        health.router,
        admin.router,
        browser.router,
    ):
        app.include_router(router)
    browser.install(app, settings)
    replace_validation_errors(app)
    _install_error_handlers(app)
    app.add_middleware(CorsMiddleware)
    app.add_middleware(DefaultHeadersMiddleware)
    app.add_middleware(BodyLimitMiddleware, max_body_bytes=settings.max_body_bytes)
    return app


async def _announce(runtime: Runtime) -> None:
    """Say where the server is and what it runs on; on a new install, how to go on."""
    settings = runtime.settings
    before, after = runtime.migrated
    sqlite = settings.sqlite_path
    database = sqlite.resolve() if sqlite is not None else settings.database_url.split("@")[-1]
    key = await runtime.keys.signing_key()
    log.info("jwtkit authorization server, issuer %s", settings.issuer_url)
    log.info(
        "database: %s (%s)",
        database,
        f"schema {after}" if before == after else f"migrated {before or 'empty'} -> {after}",
    )
    log.info(
        "signing with %s key %s; JWKS at %s/.well-known/jwks.json",
        key.alg,
        key.kid,
        settings.issuer_url,
    )
    log.info("API docs at %s/docs", settings.issuer_url)
    if runtime.redis is not None:
        log.info(
            "rate limits and the access-token denylist in Redis at %s (prefix %r)",
            runtime.redis.url.split("@")[-1],
            settings.redis_prefix,
        )
    elif not settings.is_sqlite:
        log.warning(
            "rate limits are counted in this process only: with several replicas or workers "
            "each counts its own (an attacker gets N times the limit); set JWTKIT_REDIS_URL"
        )
    offset = await runtime.database.clock_offset()
    if offset is not None and abs(offset) > _CLOCK_TOLERANCE:
        log.warning(
            "this machine's clock is %.1f s %s the database's: token lifetimes and refresh "
            "expiry drift by that much between replicas; keep every clock synchronized (NTP)",
            abs(offset),
            "behind" if offset < 0 else "ahead of",
        )
    if await runtime.users.count(admins_only=True) == 0:
        log.info(
            "no admin yet; create the first one with:  uv run jwtkit admin users create "
            "NAME --admin%s",
            ""
            if settings.database_url == "sqlite:///./jwtkit.db"
            else "   (with the same JWTKIT_DATABASE_URL)",
        )


def error_body(error: str, description: str) -> dict[str, str]:
    return {"error": error, "error_description": description}


def _quoted(text: str) -> str:
    return text.replace("\\", "").replace('"', "'")


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ServerError)
    async def server_error(request: Request, error: ServerError) -> JSONResponse:
        headers: dict[str, str] = {}
        body = error_body(error.error, error.description)
        if isinstance(error, BearerError):
            challenge = 'Bearer realm="jwtkit"'
            if "authorization" in request.headers:  # RFC 6750 §3.1: no code if none was sent
                challenge += (
                    f', error="{error.error}", error_description="{_quoted(error.description)}"'
                )
                if error.scope:
                    challenge += f', scope="{error.scope}"'
            else:
                body = {"error": "invalid_request", "error_description": error.description}
            headers["WWW-Authenticate"] = challenge
        elif isinstance(error, InvalidClientError):
            headers["WWW-Authenticate"] = 'Basic realm="jwtkit"'
        if isinstance(error, RateLimitedError):
            headers["Retry-After"] = str(error.retry_after)
        elif error.status_code == 503:
            headers["Retry-After"] = "5"
        return JSONResponse(body, status_code=error.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_body(request: Request, error: RequestValidationError) -> JSONResponse:
        problems = []
        for problem in error.errors()[:5]:  # never the input itself: it may be a password
            where = ".".join(str(part) for part in problem.get("loc", ()) if part != "body")
            problems.append(
                f"{where}: {problem.get('msg', 'invalid')}"
                if where
                else problem.get("msg", "invalid")
            )
        return JSONResponse(
            error_body("invalid_request", "; ".join(problems) or "The request is malformed"),
            status_code=400,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        names = {404: "not_found", 405: "method_not_allowed", 413: "invalid_request"}
        description = error.detail if isinstance(error.detail, str) else "Request refused"
        return JSONResponse(
            error_body(names.get(error.status_code, "invalid_request"), description),
            status_code=error.status_code,
            headers=getattr(error, "headers", None),
        )

    async def database_error(request: Request, error: Exception) -> JSONResponse:
        if isinstance(error, IntegrityError):
            return JSONResponse(
                error_body("conflict", "The change conflicts with existing data"), status_code=409
            )
        cause = error.orig if isinstance(error, DBAPIError) and error.orig else error
        if str(getattr(cause, "sqlstate", "") or "").startswith(_DATA_EXCEPTION):
            # The request's text, not the database: NUL (which PostgreSQL cannot store), a
            # value too long for its column. An outage answer would invite a retry and log a
            # false alarm for every such request.
            return JSONResponse(
                error_body(
                    "invalid_request", "A value in the request cannot be stored or looked up"
                ),
                status_code=400,
            )
        log.warning("database unavailable: %s", type(cause).__name__)
        return _unavailable()

    for unavailable in DATABASE_UNAVAILABLE:
        app.add_exception_handler(unavailable, database_error)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return JSONResponse(
            error_body("server_error", "The server could not complete the request"), status_code=500
        )


def _unavailable() -> JSONResponse:
    return JSONResponse(
        error_body("temporarily_unavailable", "The service is temporarily unavailable"),
        status_code=503,
        headers={"Retry-After": "5"},
    )
