"""``GET /metrics``: what the service has done, in the Prometheus text format.

The counters and histograms are updated as requests and game operations happen
(`app.observability.metrics`); the dirty-game gauges are read from Redis when
the endpoint is scraped, as ``/ready`` does, within the same time budget. The
endpoint answers during start-up and shutdown too, with those gauges NaN.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request, Response

from app.api.deps import AppServices
from app.api.health import CHECK_TIMEOUT_SECONDS
from app.observability.metrics import AppMetrics

router = APIRouter(tags=["health"])


async def _refresh_backlog(metrics: AppMetrics, services: object) -> None:
    if not isinstance(services, AppServices):
        metrics.games.set_dirty(None, None)
        return
    try:
        stats = await asyncio.wait_for(services.games.dirty_stats(), CHECK_TIMEOUT_SECONDS)
    except Exception:  # an unreadable backlog is NaN, not a failed scrape
        metrics.games.set_dirty(None, None)
        return
    metrics.games.set_dirty(stats.count, stats.oldest_age_seconds)


@router.get(
    "/metrics",
    summary="Metrics for Prometheus",
    response_class=Response,
    responses={
        200: {
            "description": "Every metric, in the Prometheus text format (or OpenMetrics).",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        },
    },
)
async def metrics(request: Request) -> Response:
    """Request counts and latencies per route, game store latencies, refusals and outages."""
    app_metrics: AppMetrics = request.app.state.metrics
    await _refresh_backlog(app_metrics, getattr(request.app.state, "services", None))
    body, media_type = app_metrics.render(request.headers.get("accept", ""))
    return Response(body, media_type=media_type)
