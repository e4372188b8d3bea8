"""Liveness (the process answers) and readiness (it can reach what it needs).

``/readyz`` is 503 when the database cannot answer: nothing works without it, and a load
balancer should send requests elsewhere. Redis is reported but does not fail readiness:
every replica shares the one Redis, so taking replicas out over it would turn a degraded
service (limits counted per process, revocation checked in the database) into no service
at all.
"""

from __future__ import annotations

import logging
from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from .deps import CurrentRuntime

__all__ = ["router"]

router = APIRouter(tags=["health"])
log = logging.getLogger("jwtkit.server")


class Liveness(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    status: Literal["ok", "degraded", "unavailable"]
    database: Literal["ok", "unreachable"]
    redis: Literal["ok", "unreachable", "not configured"]


@router.get("/healthz", summary="The process is alive", response_model=Liveness)
async def healthz() -> Liveness:
    return Liveness(status="ok")


@router.get(
    "/readyz",
    summary="The server can reach its database (and reports Redis)",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "The database cannot answer"}},
)
async def readyz(runtime: CurrentRuntime) -> JSONResponse:
    database: Literal["ok", "unreachable"] = "ok"
    try:
        await runtime.database.ping()
    except Exception as error:
        log.warning("readiness check: database unreachable (%s)", type(error).__name__)
        database = "unreachable"
    redis: Literal["ok", "unreachable", "not configured"] = "not configured"
    if runtime.redis is not None:
        redis = "ok" if await runtime.redis.ping() else "unreachable"
    if database != "ok":
        status: Literal["ok", "degraded", "unavailable"] = "unavailable"
    else:
        status = "degraded" if redis == "unreachable" else "ok"
    body = Readiness(status=status, database=database, redis=redis)
    if status == "unavailable":
        return JSONResponse(body.model_dump(), status_code=503, headers={"Retry-After": "5"})
    return JSONResponse(body.model_dump())
