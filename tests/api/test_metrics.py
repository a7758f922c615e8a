"""GET /metrics after real requests and real game operations, on real PostgreSQL and Redis."""

from __future__ import annotations

import asyncio
import math
import random
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Environment, Settings
from app.core.game_state import GameState
from app.core.game_state_factory import build_game_state, play_action
from app.db.embedded_redis import EmbeddedRedis, free_tcp_port
from app.main import create_app
from app.observability.metrics import GameMetrics, instrumented
from app.store.manager import (
    DEFAULT_REDIS_PROBE_INTERVAL,
    PersistOutcome,
    SaveOutcome,
    StaleStateError,
)
from tests.api.conftest import client_for, make_settings, services_of, started
from tests.store.conftest import create_users, delete_users_and_games

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
CARD = "/api/v1/cards/{card_id}"


def parse(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def scrape(client: httpx.AsyncClient) -> Samples:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return parse(response.text)


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def moved(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


@pytest.fixture
async def player(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[uuid.UUID]:
    (user_id,) = await create_users(sessionmaker, 1)
    yield user_id
    await delete_users_and_games(sessionmaker, [user_id])


def new_game(player: uuid.UUID) -> GameState:
    return build_game_state(player_ids=(player, None), turn_number=2, seed=random.randrange(1000))


def played_on(state: GameState) -> GameState:
    following = state.model_copy(deep=True)
    play_action(following, random.Random(7))
    return following


# -- HTTP -------------------------------------------------------------------------------------


async def test_requests_are_counted_by_route_template_method_and_status(
    api: httpx.AsyncClient,
) -> None:
    before = await scrape(api)
    assert (await api.get("/api/v1/cards/mv1-001")).status_code == 200
    assert (await api.get("/api/v1/cards/mv1-002")).status_code == 200
    assert (await api.get("/api/v1/cards/nope-999")).status_code == 404
    assert (await api.head("/api/v1/cards/mv1-003")).status_code == 200
    assert (await api.get("/no/such/page")).status_code == 404
    assert (await api.get("/openapi.json")).status_code == 200
    assert (await api.get("/docs/assets/swagger-ui.css")).status_code == 200
    after = await scrape(api)

    requests = "mantimon_http_requests_total"
    assert moved(before, after, requests, method="GET", route=CARD, status="200") == 2
    assert moved(before, after, requests, method="GET", route=CARD, status="404") == 1
    assert moved(before, after, requests, method="HEAD", route=CARD, status="200") == 1
    assert moved(before, after, requests, method="GET", route="<unmatched>", status="404") == 1
    assert moved(before, after, requests, method="GET", route="/metrics", status="200") == 1
    assert moved(before, after, requests, method="GET", route="/openapi.json", status="200") == 1
    docs_asset = {"method": "GET", "route": "/docs/assets/{path}", "status": "200"}
    assert moved(before, after, requests, **docs_asset) == 1
    duration = "mantimon_http_request_duration_seconds_count"
    assert moved(before, after, duration, method="GET", route=CARD) == 3
    assert value(after, "mantimon_http_request_duration_seconds_sum", method="GET", route=CARD) > 0
    routes = {dict(labels).get("route") for _, labels in after}
    assert not any(route and ("mv1-" in route or "/no/such" in route) for route in routes)


async def test_metrics_answer_before_start_up_with_the_backlog_unknown() -> None:
    app = create_app(Settings(environment=Environment.TEST))
    async with client_for(app) as client:
        assert (await client.get("/ready")).status_code == 503
        samples = await scrape(client)
    assert math.isnan(value(samples, "mantimon_games_dirty"))
    assert math.isnan(value(samples, "mantimon_games_oldest_unpersisted_age_seconds"))
    assert value(
        samples, "mantimon_http_requests_total", method="GET", route="/ready", status="503"
    )
    assert value(samples, "mantimon_game_refusals_total", reason="diverged") == 0
    assert value(samples, "mantimon_game_operation_seconds_count", operation="save") == 0


async def test_every_app_counts_on_its_own_registry() -> None:
    first = create_app(Settings(environment=Environment.TEST))
    second = create_app(Settings(environment=Environment.TEST))
    assert first.state.metrics.registry is not second.state.metrics.registry
    async with client_for(first) as client:
        await client.get("/health")
        await client.get("/health")
    async with client_for(second) as client:
        await client.get("/health")
        samples = await scrape(client)
    labels = {"method": "GET", "route": "/health", "status": "200"}
    assert value(samples, "mantimon_http_requests_total", **labels) == 1


async def test_openmetrics_is_served_when_asked_for(api: httpx.AsyncClient) -> None:
    response = await api.get("/metrics", headers={"Accept": "application/openmetrics-text"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/openmetrics-text")
    assert response.text.endswith("# EOF\n")


# -- the game state manager -------------------------------------------------------------------


async def test_game_operations_refusals_backlog_and_recovery_are_counted(
    database_url: str, redis_url: str, player: uuid.UUID
) -> None:
    async with started(make_settings(database_url, redis_url)) as app, client_for(app) as client:
        games = services_of(app).games
        start = await scrape(client)
        assert value(start, "mantimon_games_dirty") == 0
        assert value(start, "mantimon_game_operation_seconds_count", operation="recover") == 1

        state = new_game(player)
        assert await games.save_to_cache(state) is SaveOutcome.CACHED
        cached = await scrape(client)
        assert value(cached, "mantimon_games_dirty") == 1
        assert value(cached, "mantimon_games_oldest_unpersisted_age_seconds") >= 0
        assert (
            moved(
                start, cached, "mantimon_game_operations_total", operation="save", outcome="cached"
            )
            == 1
        )

        assert await games.load_state(state.game_id) == state
        assert await games.load_state(uuid.uuid4()) is None
        assert await games.persist_to_db(state) is PersistOutcome.WRITTEN
        assert await games.persist_to_db(state) is PersistOutcome.ALREADY_CURRENT
        newer = played_on(state)
        assert await games.save_to_cache(newer) is SaveOutcome.CACHED
        with pytest.raises(StaleStateError):
            await games.save_to_cache(state.model_copy(update={"turn_number": 9}))
        flushed = await games.flush_dirty()
        assert flushed.persisted == 1
        recovery = await games.recover_active_games()
        end = await scrape(client)

    operations = "mantimon_game_operations_total"
    expected = {
        ("save", "cached"): 2,
        ("save", "StaleStateError"): 1,
        ("load", "ok"): 1,
        ("load", "none"): 1,
        ("persist", "written"): 1,
        ("persist", "already_current"): 1,
        ("flush", "ok"): 1,
        ("recover", "ok"): 1,
    }
    for (operation, outcome), count in expected.items():
        assert moved(start, end, operations, operation=operation, outcome=outcome) == count
    for operation, count in {"save": 3, "load": 2, "persist": 2, "flush": 1, "recover": 1}.items():
        seconds = "mantimon_game_operation_seconds_count"
        assert moved(start, end, seconds, operation=operation) == count, operation
        assert value(end, "mantimon_game_operation_seconds_sum", operation=operation) > 0
    assert moved(start, end, "mantimon_game_refusals_total", reason="stale") == 1
    assert moved(start, end, "mantimon_game_refusals_total", reason="diverged") == 0
    assert value(end, "mantimon_games_dirty") == 0
    assert value(end, "mantimon_games_oldest_unpersisted_age_seconds") == 0
    recovered = "mantimon_games_recovered_total"
    assert moved(start, end, recovered, result="recovered") == recovery.recovered
    assert moved(start, end, recovered, result="unchanged") == recovery.unchanged
    assert moved(start, end, recovered, result="skipped_newer") == recovery.skipped_newer
    assert moved(start, end, recovered, result="failed") == len(recovery.failed)
    assert recovery.total >= 1


async def test_a_redis_outage_writes_through_and_recovery_are_counted(
    database_url: str, tmp_path: Path, player: uuid.UUID
) -> None:
    server = EmbeddedRedis(tmp_path / "redis", port=free_tcp_port())
    url = server.start()
    try:
        async with (
            started(make_settings(database_url, url), clean_redis=False) as app,
            client_for(app) as client,
        ):
            games = services_of(app).games
            state = new_game(player)
            assert await games.save_to_cache(state) is SaveOutcome.CACHED
            start = await scrape(client)
            assert value(start, "mantimon_redis_outages_total") == 0

            server.stop()
            newer = played_on(state)
            assert await games.save_to_cache(newer) is SaveOutcome.WRITTEN_THROUGH
            newest = played_on(newer)
            assert await games.save_to_cache(newest) is SaveOutcome.WRITTEN_THROUGH
            down = await scrape(client)
            assert value(down, "mantimon_redis_outages_total") == 1
            assert value(down, "mantimon_redis_recoveries_total") == 0
            assert math.isnan(value(down, "mantimon_games_dirty"))
            written_through = {"operation": "save", "outcome": "written_through"}
            assert moved(start, down, "mantimon_game_operations_total", **written_through) == 2

            server.start()
            await asyncio.sleep(DEFAULT_REDIS_PROBE_INTERVAL + 0.1)  # the manager tries again
            assert await games.load_state(state.game_id) == newest
            back = await scrape(client)
            assert value(back, "mantimon_redis_outages_total") == 1
            assert value(back, "mantimon_redis_recoveries_total") == 1
            assert not math.isnan(value(back, "mantimon_games_dirty"))
    finally:
        server.stop()


# -- the decorator, for refusals no public operation raises yet --------------------------------


class _DivergedError(Exception):
    refusal_reason = "diverged"


class _Store:
    def __init__(self, metrics: GameMetrics) -> None:
        self.metrics = metrics

    @instrumented("end")  # an operation not declared in advance gets its series on first use
    async def persist(self, *, diverge: bool) -> PersistOutcome:
        if diverge:
            raise _DivergedError("game x: version 14 does not descend from version 13")
        return PersistOutcome.WRITTEN


async def test_an_error_declaring_a_refusal_reason_is_counted_as_that_refusal() -> None:
    registry = CollectorRegistry()
    store = _Store(GameMetrics(registry))
    assert await store.persist(diverge=False) is PersistOutcome.WRITTEN
    with pytest.raises(_DivergedError):
        await store.persist(diverge=True)
    sample = registry.get_sample_value
    assert sample("mantimon_game_refusals_total", {"reason": "diverged"}) == 1
    assert sample("mantimon_game_refusals_total", {"reason": "stale"}) == 0
    assert (
        sample("mantimon_game_operations_total", {"operation": "end", "outcome": "_DivergedError"})
        == 1
    )
    assert sample("mantimon_game_operation_seconds_count", {"operation": "end"}) == 2
    assert store.persist.__name__ == "persist"
