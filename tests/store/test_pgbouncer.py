"""PostgreSQL behind PgBouncer in transaction pooling (issue 22, section 3).

A PgBouncer of the test's own (two server connections, so transactions of the
same client connection land on different server connections and those of
different clients share one) sits in front of the suite's PostgreSQL and this
run's database. The store and the API work through it with
``DB_STATEMENT_CACHE_SIZE=0``; the first test shows what the setting prevents.
Migrations are not run through it: the suite migrates its database over the
direct URL, as deployments should (README, "Deployment").
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.config import load_settings
from app.core.enums import EndReason
from app.core.game_state import GameResult, GameState
from app.db import migrate
from app.db.redis import RedisClient
from app.db.session import build_engine, build_sessionmaker
from app.store.manager import DivergedStateError, GameStateManager, PersistOutcome, SaveOutcome
from tests.api.conftest import client_for, make_settings, started
from tests.harness.pgbouncer import PgBouncer
from tests.store.conftest import StateFactory
from tests.store.test_game_state_manager import advance, row
from tests.store.test_lineage_refusal import turn_end

pytestmark = pytest.mark.usefixtures("players")


@pytest.fixture
def pgbouncer(database_url: str) -> Iterator[PgBouncer]:
    bouncer = PgBouncer(database_url)
    bouncer.start()
    try:
        yield bouncer
    finally:
        bouncer.stop()


async def engine_through(pgbouncer: PgBouncer, database_url: str, cache: int) -> AsyncEngine:
    settings = load_settings(
        database_url=pgbouncer.url_for(database_url),
        db_statement_cache_size=cache,
        db_pool_size=6,
        db_max_overflow=0,
    )
    return build_engine(settings)


@pytest.fixture
async def bounced(
    pgbouncer: PgBouncer, database_url: str
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions through PgBouncer with ``DB_STATEMENT_CACHE_SIZE=0``."""
    engine = await engine_through(pgbouncer, database_url, 0)
    try:
        yield build_sessionmaker(engine)
    finally:
        await engine.dispose()


async def run_on_two_connections(engine: AsyncEngine) -> None:
    """A statement that a client connection prepared, run again on another server connection.

    With two server connections, LIFO reuse and the second client holding one in
    an open transaction, the first client's next transaction gets the other.
    """
    query = text("SELECT count(*) FROM active_games")
    async with engine.connect() as first, engine.connect() as second:
        for _ in range(3):
            await first.execute(query)
            await first.commit()
            await second.execute(query)  # holds the server connection `first` just used
            await first.execute(query)
            await first.commit()
            await second.commit()


async def test_asyncpgs_default_statement_cache_breaks_behind_transaction_pooling(
    pgbouncer: PgBouncer, database_url: str
) -> None:
    engine = await engine_through(pgbouncer, database_url, 100)
    try:
        with pytest.raises(DBAPIError, match="prepared statement"):
            await run_on_two_connections(engine)
    finally:
        await engine.dispose()


async def test_statement_cache_size_zero_works_behind_transaction_pooling(
    pgbouncer: PgBouncer, database_url: str
) -> None:
    engine = await engine_through(pgbouncer, database_url, 0)
    try:
        await run_on_two_connections(engine)
    finally:
        await engine.dispose()


async def play_turns(manager: GameStateManager, state: GameState, turns: int) -> GameState:
    for _ in range(turns):
        state = advance(state, 1)
        assert await manager.save_to_cache(state) is SaveOutcome.CACHED
        state = turn_end(state)
        assert await manager.save_to_cache(state) is SaveOutcome.CACHED
        assert await manager.persist_to_db(state) is PersistOutcome.WRITTEN
    return state


async def test_the_store_through_pgbouncer(
    bounced: async_sessionmaker[AsyncSession],
    sessionmaker: async_sessionmaker[AsyncSession],
    redis_client: RedisClient,
    redis_key_prefix: str,
    new_state: StateFactory,
) -> None:
    manager = GameStateManager(redis_client, bounced, key_prefix=redis_key_prefix)
    games = [new_state() for _ in range(12)]
    finals = await asyncio.gather(*(play_turns(manager, g, 4) for g in games))
    for final in finals:
        stored = await row(sessionmaker, final.game_id)  # read directly, not through PgBouncer
        assert stored is not None
        assert stored.version == final.version

    # The lineage upsert refuses a branch through PgBouncer too.
    branch = advance(games[0], 3, seed=99)
    with pytest.raises(DivergedStateError):
        await manager.persist_to_db(turn_end(branch))

    # A fresh manager (cache miss after Redis lost the keys) reads PostgreSQL through it.
    await redis_client.delete(*(manager.game_key(f.game_id) for f in finals))
    fresh = GameStateManager(redis_client, bounced, key_prefix=redis_key_prefix)
    assert await fresh.load_state(finals[1].game_id) == finals[1]
    summary = await fresh.recover_active_games()
    assert summary.failed == []
    for final in finals:
        assert await fresh.load_state(final.game_id) == final

    # Dirty games flushed, a game ended, the restore check: all through PgBouncer.
    moved = advance(finals[2], 2)
    assert await fresh.save_to_cache(moved) is SaveOutcome.CACHED
    flushed = await fresh.flush_dirty()
    assert flushed.failed == []
    assert (await row(sessionmaker, moved.game_id)).version == moved.version  # type: ignore[union-attr]
    assert await fresh.end_game(finals[3].game_id, GameResult(end_reason=EndReason.ABANDONED))
    assert await row(sessionmaker, finals[3].game_id) is None
    assert await fresh.check_postgres() is None


async def test_the_api_through_pgbouncer(
    pgbouncer: PgBouncer, database_url: str, redis_url: str
) -> None:
    settings = make_settings(
        pgbouncer.url_for(database_url), redis_url, db_statement_cache_size=0, db_pool_size=4
    )
    async with started(settings) as app, client_for(app) as client:
        for _ in range(3):
            ready = await client.get("/ready")
            assert ready.status_code == 200, ready.text
            card = await client.get("/api/v1/cards/mv1-001")
            assert card.status_code == 200
        metrics = await client.get("/metrics")
        assert metrics.status_code == 200


async def test_reading_the_migration_revision_through_pgbouncer(
    pgbouncer: PgBouncer, database_url: str
) -> None:
    """What `/ready` and `mantimon db current` do; upgrades go to PostgreSQL directly."""
    engine = await engine_through(pgbouncer, database_url, 0)
    try:
        assert await migrate.is_at_head(engine)
        assert await migrate.schema_drift(engine) == []
    finally:
        await engine.dispose()
