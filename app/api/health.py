"""Liveness and readiness probes, outside the versioned API so their paths never move.

``GET /health`` answers as soon as the process serves HTTP and touches nothing
else, so a supervisor restarts the process only when it is really stuck.
``GET /ready`` checks every dependency a request may need and answers 503 when
one fails, so a load balancer stops sending traffic without the process being
restarted. The 503 is a problem document like every other error (type
``urn:mantimon:problem:not-ready``), its ``detail`` naming each failed check and
its ``checks`` member holding the same per-check entries as the 200. Each check
has its own time budget: a hung server makes ``/ready`` fail, not hang.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from datetime import datetime
from http import HTTPStatus
from typing import Any, Final, Literal, TypeVar

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from app.api.deps import AppServices, ServicesDep, SettingsDep
from app.api.errors import PROBLEM_MEDIA_TYPE, Problem, problem_response
from app.config import Environment
from app.db.migrate import current_revision

CHECK_TIMEOUT_SECONDS: Final = 3.0
"""How long one readiness check may take before it counts as failed."""

_T = TypeVar("_T")

router = APIRouter(tags=["health"])


class Health(BaseModel):
    """The process is up and serving HTTP."""

    status: Literal["ok"] = "ok"
    version: str = Field(description="Version of the running code.")
    environment: Environment


class Check(BaseModel):
    """Outcome of one readiness check; ``error`` says why it failed."""

    ok: bool
    error: str | None = None


class DatabaseCheck(Check):
    """PostgreSQL answers and holds every migration this code ships."""

    revision: str | None = Field(default=None, description="Migration the database is at.")
    head: str | None = Field(description="Newest migration this code ships.")


class RedisCheck(Check):
    """Redis answers a PING."""

    latency_ms: float | None = None


class CatalogCheck(Check):
    """The card catalog is loaded in memory."""

    cards: int
    sets: int


class GamesCheck(Check):
    """Games whose latest state is only in Redis (not yet written to PostgreSQL)."""

    dirty_games: int | None = None
    oldest_unpersisted_change_at: datetime | None = Field(
        default=None, description="When the oldest change not yet in PostgreSQL was cached."
    )
    oldest_unpersisted_age_seconds: float | None = None
    postgres_restored_older: str | None = Field(
        default=None,
        description="Set once PostgreSQL was found older than the writes Redis saw (restored "
        "from an older backup): when, and what was written back from Redis.",
    )


class ReadyChecks(BaseModel):
    """One entry per dependency."""

    database: DatabaseCheck
    redis: RedisCheck
    catalog: CatalogCheck
    games: GamesCheck


class Readiness(BaseModel):
    """The service can handle requests now; what each check found."""

    status: Literal["ready"] = "ready"
    checks: ReadyChecks


class NotReadyProblem(Problem):
    """The 503 of ``/ready``: a problem document with every check's outcome in ``checks``."""

    checks: ReadyChecks | None = Field(
        default=None,
        description="Every check's outcome; absent while the service is starting or stopping.",
    )


async def _bounded(work: Awaitable[_T]) -> _T:
    return await asyncio.wait_for(work, CHECK_TIMEOUT_SECONDS)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return f"no answer within {CHECK_TIMEOUT_SECONDS:g} s"
    first_line = str(getattr(exc, "orig", None) or exc).partition("\n")[0]
    return f"{type(exc).__name__}: {first_line}" if first_line else type(exc).__name__


async def _check_database(services: AppServices) -> DatabaseCheck:
    try:
        revision = await _bounded(current_revision(services.engine))
    except Exception as exc:  # any failure means not ready
        return DatabaseCheck(ok=False, head=services.schema_head, error=_reason(exc))
    at_head = revision == services.schema_head
    return DatabaseCheck(
        ok=at_head,
        revision=revision,
        head=services.schema_head,
        error=None if at_head else "the database is not at the latest migration",
    )


async def _check_redis(services: AppServices) -> RedisCheck:
    start = time.perf_counter()
    try:
        await _bounded(services.redis.ping())
    except Exception as exc:
        return RedisCheck(ok=False, error=_reason(exc))
    return RedisCheck(ok=True, latency_ms=round((time.perf_counter() - start) * 1000, 3))


async def _check_games(services: AppServices) -> GamesCheck:
    try:
        stats = await _bounded(services.games.dirty_stats())
    except Exception as exc:
        return GamesCheck(ok=False, error=_reason(exc))
    rewind = services.games.postgres_rewind
    return GamesCheck(
        ok=True,
        dirty_games=stats.count,
        oldest_unpersisted_change_at=stats.oldest_change_at,
        oldest_unpersisted_age_seconds=stats.oldest_age_seconds,
        postgres_restored_older=None if rewind is None else rewind.describe(),
    )


@router.get("/health", summary="The process is up")
async def health(request: Request, settings: SettingsDep) -> Health:
    """Liveness: answers without touching PostgreSQL or Redis, even during start-up."""
    return Health(version=str(request.app.version), environment=settings.environment)


@router.get(
    "/ready",
    summary="The service can handle requests",
    response_model=Readiness,
    responses={
        HTTPStatus.SERVICE_UNAVAILABLE.value: {
            "model": NotReadyProblem,
            "description": "Not ready (a check failed, or the service is starting or stopping).",
            "content": {PROBLEM_MEDIA_TYPE: {}},
        },
    },
)
async def ready(request: Request, services: ServicesDep) -> Any:
    """Readiness: database at the latest migration, Redis reachable, catalog loaded.

    The games entry reports how many games have changes only in Redis and the
    age of the oldest, so a growing backlog shows before it becomes a loss.
    """
    database, redis, games = await asyncio.gather(
        _check_database(services), _check_redis(services), _check_games(services)
    )
    cards = services.cards
    catalog = CatalogCheck(
        ok=len(cards) > 0,
        cards=len(cards),
        sets=len(cards.sets),
        error=None if len(cards) > 0 else "no cards loaded",
    )
    checks = ReadyChecks(database=database, redis=redis, catalog=catalog, games=games)
    failed = {
        name: check
        for name, check in (
            ("database", database),
            ("redis", redis),
            ("catalog", catalog),
            ("games", games),
        )
        if not check.ok
    }
    if not failed:
        return Readiness(checks=checks)
    return problem_response(
        request,
        HTTPStatus.SERVICE_UNAVAILABLE,
        title="Service not ready",
        slug="not-ready",
        detail="; ".join(f"{name}: {check.error}" for name, check in failed.items()),
        checks=checks.model_dump(mode="json"),
    )
