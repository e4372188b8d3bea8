"""``jwtkit serve``: run the authorization server under uvicorn.

The flags override ``JWTKIT_*`` variables and are passed on through the environment, so
``--workers N`` processes all run with the same settings. Everything is validated before
uvicorn starts: a bad setting is one line and exit code 2.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from typing import Annotated, Any

import typer

from ._output import fail
from ._server_settings import DatabaseOption, apply_to_environment, load_settings

__all__ = ["serve"]


def serve(
    host: Annotated[
        str | None, typer.Option(help="Address to listen on [default: 127.0.0.1]")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port [default: 8000]")] = None,
    database_url: DatabaseOption = None,
    issuer: Annotated[
        str | None, typer.Option(help="The tokens' iss [default: http://HOST:PORT]")
    ] = None,
    redis_url: Annotated[
        str | None, typer.Option(help="Redis for rate limits and the denylist")
    ] = None,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes")] = 1,
    log_level: Annotated[
        str | None, typer.Option(help="debug, info, warning or error [default: info]")
    ] = None,
) -> None:
    """Run the authorization server (settings: JWTKIT_* variables, see docs/server.md)."""
    flags = {
        "host": host,
        "port": port,
        "database_url": database_url,
        "issuer": issuer,
        "redis_url": redis_url,
        "log_level": log_level,
    }
    settings = load_settings(**flags)
    apply_to_environment(**flags)
    import uvicorn

    logging.basicConfig(format="%(message)s")
    logging.getLogger("jwtkit").setLevel(settings.log_level.upper())
    _check_startable(settings)
    uvicorn.run(
        "jwtkit.server.app:create_app",
        factory=True,
        # uvicorn has no deadline for reading a request; this protocol adds one (slowloris).
        http="jwtkit.server.http_protocol:BoundedReadH11Protocol",
        # A worker on a busy machine may take longer than uvicorn's 5 s to answer its first
        # health check; it is restarted (forever) if it does not.
        timeout_worker_healthcheck=30,
        host=settings.host,
        port=settings.port,
        workers=workers,
        log_level=settings.log_level,
        # Applied in every worker process too (basicConfig above is only this process's).
        log_config=_log_config(settings.log_level),
        proxy_headers=False,  # jwtkit reads X-Forwarded-For itself, from trusted proxies only
        server_header=False,
        timeout_keep_alive=5,
        timeout_graceful_shutdown=20,
    )


def _check_startable(settings: Any) -> None:
    """Refuse, in one line and exit code 2, a start that cannot succeed: a master key that
    cannot open the stored signing keys, or a database that cannot be reached."""
    from ..errors import KeyRingError
    from ..server.db import DATABASE_UNAVAILABLE
    from ..server.runtime import check_master_key

    try:
        asyncio.run(check_master_key(settings))
    except KeyRingError as error:
        fail(str(error))
    except DATABASE_UNAVAILABLE as error:
        fail(f"cannot reach the database: {type(error).__name__}")


def _log_config(level: str) -> dict[str, Any]:
    """uvicorn's logging configuration plus jwtkit's own lines (plain messages)."""
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["jwtkit"] = {"format": "%(message)s"}
    config["handlers"]["jwtkit"] = {
        "class": "logging.StreamHandler",
        "formatter": "jwtkit",
        "stream": "ext://sys.stderr",
    }
    config["loggers"]["jwtkit"] = {
        "handlers": ["jwtkit"],
        "level": level.upper(),
        "propagate": False,
    }
    return config
