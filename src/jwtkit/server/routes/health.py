"""Liveness (the process answers) and readiness (it can reach its database)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from .deps import CurrentRuntime

__all__ = ["router"]

router = APIRouter(tags=["health"])
log = logging.getLogger("jwtkit.server")


@router.get("/healthz", summary="The process is alive")
async def healthz() -> Any:
    return {"status": "ok"}


@router.get("/readyz", summary="The server can reach its database")
async def readyz(runtime: CurrentRuntime) -> Any:
    try:
        await runtime.database.ping()
    except Exception as error:
        log.warning("readiness check failed: %s", type(error).__name__)
        return JSONResponse(
            {"status": "unavailable", "database": "unreachable"},
            status_code=503,
            headers={"Retry-After": "5"},
        )
    return {"status": "ok", "database": "ok"}
