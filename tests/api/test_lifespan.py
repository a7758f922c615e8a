"""The lifespan: migrates, loads the catalog, recovers games, flushes on shutdown, refuses clearly.

Each test starts its own app, on its own Redis key prefix and, where the schema
matters, on an empty database of its own.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import random
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Callable, MutableMapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from app.catalog.card_service import CardService, CatalogLoadError
from app.config import Environment, Settings
from app.core.game_state import GameState
from app.core.game_state_factory import build_game_state, play_action
from app.db.embedded_redis import EmbeddedRedis
from app.db.migrate import current_revision, head_revision
from app.db.models import ActiveGame
from app.db.redis import RedisClient
from app.errors import MantimonError
from app.main import StartupError, create_app
from app.runtime import StoreUnavailableError
from app.store.manager import GameStateManager, SaveOutcome
from tests.accounts.keys import signing_keys_json
from tests.api.conftest import client_for, make_settings, services_of, started
from tests.harness.postgres import temporary_database
from tests.store.conftest import create_users, delete_users_and_games

CARDS_DIR = Path(__file__).resolve().parents[2] / "data" / "cards"
TIMED = r"\(\d+\.\d\d s\)"


@pytest.fixture
async def player(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[uuid.UUID]:
    """One committed user; their games and account are deleted after the test."""
    (user_id,) = await create_users(sessionmaker, 1)
    yield user_id
    await delete_users_and_games(sessionmaker, [user_id])


def new_game(player: uuid.UUID) -> GameState:
    return build_game_state(player_ids=(player, None), turn_number=2, seed=random.randrange(1000))


async def stored_version(
    sessionmaker: async_sessionmaker[AsyncSession], game_id: uuid.UUID
) -> int | None:
    async with sessionmaker() as session:
        result = await session.execute(select(ActiveGame.version).where(ActiveGame.id == game_id))
        return result.scalar_one_or_none()


def plain_dsn(url: str) -> str:
    """`url` as asyncpg itself takes it (no SQLAlchemy driver name)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def set_revision(url: str, revision: str) -> None:
    connection = await asyncpg.connect(plain_dsn(url))
    try:
        await connection.execute(
            "CREATE TABLE IF NOT EXISTS alembic_version (version_num varchar(32) PRIMARY KEY)"
        )
        await connection.execute("DELETE FROM alembic_version")
        await connection.execute("INSERT INTO alembic_version VALUES ($1)", revision)
    finally:
        await connection.close()


async def revision_of(url: str) -> str | None:
    engine = create_async_engine(url)
    try:
        return await current_revision(engine)
    finally:
        await engine.dispose()


def prod_settings(database_url: str, redis_url: str) -> Settings:
    return make_settings(
        database_url,
        redis_url,
        environment=Environment.PROD,
        secret_key="s" * 40,
        jwt_signing_keys=signing_keys_json(),
    )


# -- start-up --------------------------------------------------------------------------------


async def test_start_up_migrates_an_empty_database_loads_cards_and_logs_each_step(
    postgres_admin_url: str, redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    head = head_revision()
    async with temporary_database(postgres_admin_url, "api_empty") as url:
        settings = make_settings(url, redis_url)
        with caplog.at_level(logging.INFO, logger="app.main"):
            async with started(settings) as app:
                services = services_of(app)
                assert await current_revision(services.engine) == head
                assert len(services.cards) == len(CardService.load(settings.cards_dir))
                async with client_for(app) as client:
                    assert (await client.get("/ready")).status_code == 200
            assert app.state.services is None
        log = caplog.text
        assert re.search(
            rf"servers: PostgreSQL \(configured\).*; Redis \(configured\).*{TIMED}", log
        )
        assert re.search(
            rf"database schema: migrated from none \(empty database\) to {head} {TIMED}", log
        )
        assert re.search(rf"card catalog: \d+ cards in \d+ sets from .*cards {TIMED}", log)
        assert re.search(rf"game recovery: 0 games copied to Redis.* {TIMED}", log)
        assert re.search(r"start-up: ready in \d+\.\d\d s \(test environment\)", log)
        assert re.search(rf"shutdown: flush dirty games: 0 written to PostgreSQL.* {TIMED}", log)
        assert re.search(r"shutdown: stopped in \d+\.\d\d s", log)

        caplog.clear()
        with caplog.at_level(logging.INFO, logger="app.main"):
            async with started(settings):
                pass
        assert f"database schema: at the latest migration ({head})" in caplog.text


async def test_prod_refuses_to_start_below_head_and_dev_refuses_an_unknown_revision(
    postgres_admin_url: str, redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with temporary_database(postgres_admin_url, "api_prod") as url:
        with (
            caplog.at_level(logging.ERROR, logger="app.main"),
            pytest.raises(StartupError) as refused,
        ):
            async with started(prod_settings(url, redis_url)):
                pytest.fail("prod started on an unmigrated database")
        message = str(refused.value)
        assert "\n" not in message
        assert message == (
            f"the database is at migration none (empty database) but this code needs "
            f"{head_revision()}: run `mantimon db upgrade`, then start again"
        )
        assert f"start-up refused: {message}" in caplog.text
        assert await revision_of(url) is None

        await set_revision(url, "0000deadbeef")
        with pytest.raises(StartupError, match="migration 0000deadbeef but this code needs"):
            async with started(prod_settings(url, redis_url)):
                pytest.fail("prod started on a database of another version")
        with pytest.raises(StartupError, match="cannot migrate the database from 0000deadbeef to "):
            async with started(make_settings(url, redis_url)):
                pytest.fail("started on a database of an unknown version")


async def test_prod_starts_on_a_database_at_head(database_url: str, redis_url: str) -> None:
    async with started(prod_settings(database_url, redis_url)) as app:
        assert services_of(app).settings.environment is Environment.PROD


async def test_a_broken_catalog_stops_start_up_listing_every_problem(
    database_url: str, redis_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cards_dir = tmp_path / "cards"
    shutil.copytree(CARDS_DIR, cards_dir)
    index = json.loads((cards_dir / "_index.json").read_text())
    index["sets"][0]["file"] = "missing.json"
    (cards_dir / "_index.json").write_text(json.dumps(index))
    (cards_dir / index["sets"][1]["file"]).write_text("{not json")
    settings = make_settings(database_url, redis_url, cards_dir=cards_dir)
    with (
        caplog.at_level(logging.ERROR, logger="app.main"),
        pytest.raises(CatalogLoadError) as refused,
    ):
        async with started(settings):
            pytest.fail("started on a broken catalog")
    assert len(refused.value.problems) == 2
    message = str(refused.value)
    assert "missing.json: file not found" in message
    assert "malformed JSON at line 1" in message
    assert "start-up refused: card catalog in" in caplog.text


async def test_an_unreachable_database_stops_start_up_with_one_line(redis_url: str) -> None:
    settings = make_settings("postgresql://nobody@127.0.0.1:1/nothing", redis_url)
    with pytest.raises(StoreUnavailableError, match=r"cannot reach PostgreSQL at .*127\.0\.0\.1:1"):
        async with started(settings):
            pytest.fail("started without a database")


# -- games -----------------------------------------------------------------------------------


async def test_start_up_recovers_games_that_are_in_postgres_but_not_in_redis(
    database_url: str,
    redis_url: str,
    redis_client: RedisClient,
    redis_key_prefix: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    player: uuid.UUID,
    caplog: pytest.LogCaptureFixture,
) -> None:
    writer = GameStateManager(redis_client, sessionmaker, key_prefix=redis_key_prefix)
    state = new_game(player)
    await writer.persist_to_db(state)
    settings = make_settings(database_url, redis_url)
    key = f"{settings.redis_key_prefix}game:{state.game_id}"
    assert not await redis_client.exists(key)
    with caplog.at_level(logging.INFO, logger="app.main"):
        async with started(settings) as app:
            assert await redis_client.hget(key, "v") == str(state.version).encode()
            assert await services_of(app).games.load_state(state.game_id) == state
    recovered = re.search(r"game recovery: (\d+) games copied to Redis", caplog.text)
    assert recovered is not None
    assert int(recovered.group(1)) >= 1


async def test_shutdown_flushes_a_dirty_game_to_postgres(
    database_url: str,
    redis_url: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    player: uuid.UUID,
    caplog: pytest.LogCaptureFixture,
) -> None:
    state = new_game(player)
    with caplog.at_level(logging.INFO, logger="app.main"):
        async with started(make_settings(database_url, redis_url)) as app:
            games = services_of(app).games
            await games.persist_to_db(state)
            play_action(state, random.Random(1), at=state.last_action_at + timedelta(seconds=5))
            assert await games.save_to_cache(state) is SaveOutcome.CACHED
            assert await stored_version(sessionmaker, state.game_id) == state.version - 1
            async with client_for(app) as client:
                body = (await client.get("/ready")).json()
            assert body["checks"]["games"]["dirty_games"] == 1
            assert body["checks"]["games"]["oldest_unpersisted_change_at"] is not None
            assert body["checks"]["games"]["oldest_unpersisted_age_seconds"] >= 0
    assert await stored_version(sessionmaker, state.game_id) == state.version
    assert "flush dirty games: 1 written to PostgreSQL" in caplog.text


async def test_a_running_service_flushes_dirty_games_periodically(
    database_url: str,
    redis_url: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    player: uuid.UUID,
) -> None:
    state = new_game(player)
    settings = make_settings(database_url, redis_url, game_flush_interval_seconds=0.05)
    async with started(settings) as app:
        games = services_of(app).games
        assert await games.save_to_cache(state) is SaveOutcome.CACHED
        for _ in range(200):
            if await stored_version(sessionmaker, state.game_id) == state.version:
                break
            await asyncio.sleep(0.05)
        assert await stored_version(sessionmaker, state.game_id) == state.version
        assert (await games.dirty_stats()).count == 0


# -- readiness when a dependency fails -------------------------------------------------------


async def test_ready_reports_a_database_behind_head_then_gone(
    postgres_admin_url: str, redis_url: str
) -> None:
    async with (
        temporary_database(postgres_admin_url, "api_ready") as url,
        started(make_settings(url, redis_url)) as app,
        client_for(app) as client,
    ):
        await set_revision(url, "0000deadbeef")
        response = await client.get("/ready")
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert body["type"] == "urn:mantimon:problem:not-ready"
        assert body["title"] == "Service not ready"
        assert body["status"] == 503
        assert body["instance"] == "/ready"
        assert body["detail"] == "database: the database is not at the latest migration"
        assert body["checks"]["database"] == {
            "ok": False,
            "error": "the database is not at the latest migration",
            "revision": "0000deadbeef",
            "head": head_revision(),
        }
        assert body["checks"]["redis"]["ok"] is True
        assert body["checks"]["catalog"]["ok"] is True

        admin = await asyncpg.connect(plain_dsn(postgres_admin_url))
        name = make_url(url).database
        try:
            await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        finally:
            await admin.close()
        response = await client.get("/ready")
        assert response.status_code == 503
        database = response.json()["checks"]["database"]
        assert database["ok"] is False
        assert database["revision"] is None
        assert f'"{name}" does not exist' in database["error"]


async def test_ready_reports_redis_down_and_shutdown_survives_it(
    database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    server = EmbeddedRedis(tmp_path / "redis")
    url = server.start()
    try:
        settings = make_settings(database_url, url)
        with caplog.at_level(logging.INFO, logger="app.main"):
            async with started(settings, clean_redis=False) as app, client_for(app) as client:
                assert (await client.get("/ready")).status_code == 200
                server.stop()
                response = await client.get("/ready")
                assert response.status_code == 503
                checks = response.json()["checks"]
                assert checks["database"]["ok"] is True
                assert checks["redis"]["ok"] is False
                assert checks["redis"]["latency_ms"] is None
                assert "ConnectionError" in checks["redis"]["error"]
                assert checks["games"]["ok"] is False
                assert checks["games"]["dirty_games"] is None
                detail = response.json()["detail"]
                assert detail.startswith("redis: ConnectionError"), detail
                assert "; games: " in detail
        assert "shutdown: games with unpersisted changes stay in Redis" in caplog.text
        assert "shutdown: flush dirty games: failed" in caplog.text
        assert re.search(r"shutdown: stopped in \d+\.\d\d s", caplog.text)
    finally:
        server.stop()


# -- what the ASGI server (uvicorn) is told --------------------------------------------------


async def run_lifespan_protocol(
    app: FastAPI,
    sent: list[dict[str, Any]] | None = None,
    before_shutdown: Callable[[], None] = lambda: None,
) -> list[dict[str, Any]]:
    """Drive `app` through the ASGI lifespan protocol as a server does; return what it sent."""
    sent = [] if sent is None else sent
    incoming = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]

    async def receive() -> dict[str, Any]:
        if len(incoming) == 1:
            before_shutdown()
        return incoming.pop(0)

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(dict(message))

    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    await app(scope, receive, send)
    return sent


async def test_the_server_is_told_of_a_normal_start_and_stop(
    database_url: str, redis_url: str
) -> None:
    app = create_app(make_settings(database_url, redis_url))
    assert await run_lifespan_protocol(app) == [
        {"type": "lifespan.startup.complete"},
        {"type": "lifespan.shutdown.complete"},
    ]


async def test_a_refused_start_reaches_the_server_without_a_traceback(redis_url: str) -> None:
    app = create_app(make_settings("postgresql://nobody@127.0.0.1:1/nothing", redis_url))
    assert await run_lifespan_protocol(app) == [{"type": "lifespan.startup.failed", "message": ""}]


async def test_a_bug_during_start_up_reaches_the_server_with_its_traceback(
    database_url: str, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> str:
        raise RuntimeError("a bug in start-up")

    monkeypatch.setattr("app.main.head_revision", broken)
    app = create_app(make_settings(database_url, redis_url))
    sent: list[dict[str, Any]] = []
    with pytest.raises(RuntimeError, match="a bug in start-up"):
        await run_lifespan_protocol(app, sent)
    assert [message["type"] for message in sent] == ["lifespan.startup.failed"]
    assert sent[0]["message"].startswith("Traceback")
    assert "RuntimeError: a bug in start-up" in sent[0]["message"]


async def test_a_domain_error_during_shutdown_is_reported_as_a_shutdown_failure(
    database_url: str, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def failing_flush(**_: Any) -> None:
        raise MantimonError("flush exploded")

    app = create_app(make_settings(database_url, redis_url))

    def break_flush() -> None:
        monkeypatch.setattr(services_of(app).games, "flush_dirty", failing_flush)

    sent: list[dict[str, Any]] = []
    with pytest.raises(MantimonError, match="flush exploded"):
        await run_lifespan_protocol(app, sent, before_shutdown=break_flush)
    assert [message["type"] for message in sent] == [
        "lifespan.startup.complete",
        "lifespan.shutdown.failed",
    ]


def test_the_service_process_freezes_what_start_up_built_and_spaces_out_collections() -> None:
    """`mantimon serve` (and only it) settles the garbage collector once started.

    Checked in a process of its own: freezing and thresholds are the whole process's.
    """
    script = (
        "import gc; from app.main import GC_THRESHOLDS, _settle_garbage_collector; "
        "before = gc.get_freeze_count(); _settle_garbage_collector(); "
        "assert before == 0 and gc.get_freeze_count() > 10_000, gc.get_freeze_count(); "
        "assert gc.get_threshold() == GC_THRESHOLDS, gc.get_threshold()"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)
    # The apps this test process started in-process (other tests' fixtures) froze nothing.
    assert gc.get_freeze_count() == 0
