"""PostgreSQL that comes back older: noticed, reported, and repaired from Redis.

A PostgreSQL restored from an older ``pg_dump`` (or recovered to an earlier
point in time) holds older rows than the states Redis holds, and those states
descend from its rows, so no version or lineage check refuses anything: games
that ended after the dump are active again, games begun after it are gone, and
turns acknowledged after it live only in Redis copies marked clean.

How it is noticed: every write of a game to PostgreSQL draws
``nextval('store_write_seq')`` (migration 005) and Redis keeps the highest value
drawn (the *write mark*, raised in the Lua script that clears a game's dirty
mark, and when a game ends). A sequence never goes back in normal operation:
not on rollback, not on a crash (it is WAL-logged ahead of use), not on a
failover to a synchronous replica; but a restore brings back the value it had
when the backup was taken. So ``last_value`` below the mark means PostgreSQL
lost writes that Redis saw acknowledged. A new, empty database (the sequence
starts over) is caught the same way. What it cannot notice: a Redis that lost
its mark too (both came back older; the contract then falls back to
PostgreSQL), and a restore of a backup taken after the last write (nothing was
lost).

What it does (`PostgresRestore.check`, run by start-up recovery, by every
flush, so every ``GAME_FLUSH_INTERVAL_SECONDS``, and by hand): logs an error
naming both values, counts it in ``mantimon_postgres_rewinds``, keeps the
finding for ``/ready`` (`GameStateManager.postgres_rewind`), then writes back
every Redis copy through the ordinary checked upsert (so only a copy newer than
and descending from PostgreSQL's row, or of a game PostgreSQL lost, is
written), moves back to the history every game whose end Redis kept (the final
state and result, kept for the cache TTL after the end) and raises the
sequence to the mark so the same loss is reported once.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.game_state import GameResult, GameState
from app.observability.metrics import GameMetrics
from app.store.cache import GameCache
from app.store.errors import (
    DivergedStateError,
    GamePersistRefusedError,
    GameStoreUnavailableError,
    logger,
    store_error,
)
from app.store.history import history_row
from app.store.results import PersistOutcome
from app.store.rows import GameRows
from app.store.statements import LAST_WRITE_SQL, RAISE_WRITES_SQL


def ended_record(state: GameState, result: GameResult) -> bytes:
    """What Redis keeps of an ended game: its final state and result, compressed."""
    record = {"state": state.model_dump_json(), "result": result.model_dump_json()}
    return zlib.compress(json.dumps(record).encode(), 6)


def _parse_ended(raw: bytes) -> tuple[GameState, GameResult]:
    record = json.loads(zlib.decompress(raw))
    return (
        GameState.model_validate_json(record["state"]),
        GameResult.model_validate_json(record["result"]),
    )


@dataclass(slots=True)
class PostgresRewind:
    """A PostgreSQL found older than the writes Redis saw, and what was written back."""

    detected_at: datetime
    postgres_writes: int
    """``store_write_seq`` as found."""
    redis_mark: int
    """The highest value a write had drawn before."""
    games_written_back: int = 0
    games_ended_again: list[str] = field(default_factory=list)
    """Games that ended after the backup: moved back to the history from Redis."""
    failed: list[str] = field(default_factory=list)
    """Games that could not be written back, with why: for the operator to review."""

    def describe(self) -> str:
        """One line for the log and `/ready`."""
        return (
            f"PostgreSQL came back older (write counter {self.postgres_writes}, Redis saw "
            f"{self.redis_mark}) at {self.detected_at.isoformat()}: {self.games_written_back} "
            f"games written back from Redis, {len(self.games_ended_again)} ended again, "
            f"{len(self.failed)} to review"
            + (f" ({'; '.join(self.failed[:5])})" if self.failed else "")
        )


class PostgresRestore:
    """The check and the write-back, for one manager; see the module docstring."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        cache: GameCache,
        rows: GameRows,
        metrics: GameMetrics,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._cache = cache
        self._rows = rows
        self._metrics = metrics
        self.last: PostgresRewind | None = None

    async def _postgres_writes(self) -> int:
        try:
            async with self._sessionmaker() as session:
                return int((await session.execute(LAST_WRITE_SQL)).scalar_one())
        except (SQLAlchemyError, OSError) as exc:
            raise store_error(f"cannot read PostgreSQL's write counter ({exc})", exc) from exc

    async def check(self) -> PostgresRewind | None:
        """Compare PostgreSQL's write counter with Redis's mark; repair if it went back.

        Returns the finding, or None when PostgreSQL is not behind.

        Raises:
            GameStoreUnavailableError: PostgreSQL or Redis is unreachable.
        """
        try:
            mark = await self._cache.write_mark()
        except RedisError as exc:
            raise GameStoreUnavailableError(f"cannot read the write mark: {exc}") from exc
        if mark is None:
            return None
        writes = await self._postgres_writes()
        if writes >= mark:
            return None
        rewind = PostgresRewind(datetime.now(UTC), writes, mark)
        logger.error(
            "PostgreSQL came back older: its write counter is %d but Redis saw %d; writing "
            "back every newer game Redis holds",
            writes,
            mark,
        )
        self._metrics.postgres_rewinds.inc()
        self.last = rewind
        try:
            await self._write_back(rewind)
            await self._end_again(rewind)
        except RedisError as exc:
            raise GameStoreUnavailableError(f"write-back stopped: Redis failed ({exc})") from exc
        try:
            async with self._sessionmaker() as session, session.begin():
                await session.execute(RAISE_WRITES_SQL, {"mark": mark})
        except (SQLAlchemyError, OSError) as exc:
            raise store_error(f"cannot raise PostgreSQL's write counter ({exc})", exc) from exc
        logger.error("%s", rewind.describe())
        return rewind

    async def _write_back(self, rewind: PostgresRewind) -> None:
        ids = await self._cache.game_ids()
        for start in range(0, len(ids), 100):
            chunk = ids[start : start + 100]
            for game_id, copy in zip(chunk, await self._cache.copies(chunk), strict=True):
                if copy.state is None:
                    if copy.problem is not None:
                        rewind.failed.append(f"{game_id}: cached copy unusable ({copy.problem})")
                    continue
                try:
                    outcome, _ = await self._rows.upsert(copy.state, copy.state.model_dump_json())
                except (DivergedStateError, GamePersistRefusedError) as exc:
                    rewind.failed.append(f"{game_id}: {exc}")
                    continue
                if outcome is PersistOutcome.WRITTEN:
                    rewind.games_written_back += 1
                    logger.warning(
                        "game %s: version %d written back from Redis", game_id, copy.state.version
                    )

    async def _end_again(self, rewind: PostgresRewind) -> None:
        for game_id, raw in await self._cache.ended_records():
            try:
                state, result = _parse_ended(raw)
            except (ValueError, KeyError, zlib.error) as exc:
                rewind.failed.append(f"{game_id}: its kept end is unusable ({exc})")
                continue
            if await self._rows.end(game_id, history_row(game_id, state, result)):
                rewind.games_ended_again.append(str(game_id))
                logger.warning(
                    "game %s: ended after the backup; moved back to the history", game_id
                )
            await self._cache.forget_end(game_id)
