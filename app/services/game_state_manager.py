"""Game state in Redis for every action, in PostgreSQL at every turn boundary.

Durability contract
-------------------
A completed turn is never lost: once `GameStateManager.persist_to_db` has
returned for a turn boundary, that state (or a newer one) survives a crash of
the application process, of Redis, or of both. A crash of the application
process or of Redis loses at most the actions of the turn in progress. While
Redis is unreachable, `GameStateManager.save_to_cache` writes every accepted
action through to PostgreSQL instead, so not even those are lost. If PostgreSQL
is unreachable at a turn boundary, `persist_to_db` raises
`GameStoreUnavailableError`; the turn stays in Redis, marked dirty, and a later
`GameStateManager.flush_dirty` writes it. Until then that turn is only as
durable as Redis. This assumes PostgreSQL commits durably (``synchronous_commit``
on, its default) and that `flush_dirty` runs more often than the cache TTL.

Load is not an outage: a call that finds every pooled connection in use waits
(``REDIS_POOL_TIMEOUT``, ``DB_POOL_TIMEOUT``); if none frees up in time it raises
`GameStoreBusyError` and nothing is written through, since Redis is reachable
and may hold newer versions than PostgreSQL. Only while Redis is already known
to be down (a real failure to reach it) does a full Redis pool count as part of
that outage. A turn-boundary persist that reached PostgreSQL returns normally
even if Redis is then too busy to clear the dirty mark: `flush_dirty` clears it.

How the guarantees are kept
---------------------------
* Every write is version-checked in the store itself: a Lua script in Redis,
  ``INSERT ... ON CONFLICT DO UPDATE ... WHERE active_games.version <
  excluded.version`` in PostgreSQL. An older state never replaces a newer one,
  whichever process, retry or duplicate delivers it.
* Redis marks a game dirty (a sorted set scored by the time of the oldest
  unpersisted change, taken from the Redis clock) in the same script that caches
  it, and a persist clears the mark only while Redis still holds that version.
* A game that has ended (it has a ``game_history`` row) is never written back to
  ``active_games`` by a late persist.

Each public method is one unit of work and commits its own PostgreSQL
transaction: callers pass states, never sessions.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar, Final
from uuid import UUID

from pydantic import ValidationError
from redis.exceptions import MaxConnectionsError, RedisError, ResponseError
from sqlalchemy import delete, exists, or_, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.core.enums import GameType
from app.core.game_state import GameResult, GameState
from app.db.models import ActiveGame, GameHistory
from app.db.redis import RedisClient, prefixed
from app.db.session import session_scope
from app.errors import MantimonError
from app.observability.metrics import GameMetrics, instrumented
from app.services.replays import replay_setup

logger = logging.getLogger(__name__)

DEFAULT_REDIS_PROBE_INTERVAL: Final = 1.0
"""Seconds between attempts to use Redis again after it failed."""

ProgressCallback = Callable[[int], None]
"""Called after each batch with the number of games handled so far."""


class GameStateError(MantimonError):
    """Base of the errors the GameStateManager raises; each names the game concerned."""


class InvalidGameIdError(GameStateError, ValueError):
    """A game or user id that is not a UUID."""


class StaleStateError(GameStateError):
    """A save was refused because the store already holds this version or a newer one."""

    refusal_reason: ClassVar[str] = "stale"

    def __init__(self, game_id: UUID, version: int, stored_version: int | None, store: str) -> None:
        self.game_id = game_id
        self.version = version
        self.stored_version = stored_version
        self.store = store
        held = "the same version" if stored_version is None else f"version {stored_version}"
        super().__init__(
            f"game {game_id}: refused to save version {version}; {store} already holds {held}",
        )


class CorruptGameStateError(GameStateError):
    """A stored state does not parse as a `GameState`, and no store holds a usable copy."""

    def __init__(self, game_id: UUID, store: str, reason: str) -> None:
        self.game_id = game_id
        self.store = store
        super().__init__(f"game {game_id}: the state in {store} is unusable: {reason}")


class GameStoreUnavailableError(GameStateError):
    """The store an operation needs is unreachable; nothing was half-written."""


class GameStoreBusyError(GameStoreUnavailableError):
    """Every pooled connection stayed in use for the pool timeout: load, not an outage.

    Raised where `GameStoreUnavailableError` would be, with the same promise
    that calling again is safe; the message names the pool and its settings.
    Unlike an outage, a busy Redis never makes a save write through.
    """


_POOL_EXHAUSTED: Final = (MaxConnectionsError, PoolTimeoutError)
"""A pool that had no free connection in time (redis-py, SQLAlchemy): load, not an outage."""


def _store_error(message: str, exc: Exception) -> GameStoreUnavailableError:
    """`GameStoreBusyError` when `exc` is a pool timeout, else `GameStoreUnavailableError`."""
    if isinstance(exc, _POOL_EXHAUSTED):
        return GameStoreBusyError(message)
    return GameStoreUnavailableError(message)


class GamePersistRefusedError(GameStateError):
    """PostgreSQL refused the row (for example a player id that is not a user)."""


class GameEndedError(GameStateError):
    """The game has already been moved to the history; it cannot be saved again."""


class SaveOutcome(StrEnum):
    """Where `GameStateManager.save_to_cache` put the state."""

    CACHED = "cached"
    """In Redis, marked dirty until the next persist."""
    WRITTEN_THROUGH = "written_through"
    """Redis was unreachable: written to PostgreSQL instead."""


class PersistOutcome(StrEnum):
    """What `GameStateManager.persist_to_db` did with the state."""

    WRITTEN = "written"
    ALREADY_CURRENT = "already_current"
    """PostgreSQL already held this version or a newer one; nothing changed."""
    GAME_ENDED = "game_ended"
    """The game is in the history; nothing was written and its cache entry was dropped."""


@dataclass(frozen=True, slots=True)
class GameFailure:
    """One game a batch operation could not handle, and why."""

    game_id: str
    reason: str


@dataclass(slots=True)
class RecoverySummary:
    """What `GameStateManager.recover_active_games` did, game by game."""

    recovered: int = 0
    skipped_newer: int = 0
    """Redis already held a newer version (actions after the last persisted turn)."""
    unchanged: int = 0
    """Redis already held the same version."""
    failed: list[GameFailure] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Every active game seen."""
        return self.recovered + self.skipped_newer + self.unchanged + len(self.failed)


@dataclass(slots=True)
class FlushSummary:
    """What `GameStateManager.flush_dirty` did, game by game."""

    persisted: int = 0
    already_current: int = 0
    ended: int = 0
    failed: list[GameFailure] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class DirtyStats:
    """Games whose latest state is only in Redis, for health checks."""

    count: int
    oldest_change_at: datetime | None
    """When the oldest unpersisted change was cached (Redis clock); None when nothing is dirty."""
    oldest_age_seconds: float | None


@dataclass(frozen=True, slots=True)
class PlayerGame:
    """An active game of one player, as the reconnection screen lists it.

    Read from PostgreSQL: ``turn_number`` and ``version`` are those of the
    last persisted turn; `GameStateManager.load_state` returns the latest state.
    """

    game_id: UUID
    game_type: GameType
    player1_id: UUID | None
    player2_id: UUID | None
    npc_id: str | None
    turn_number: int
    version: int
    last_action_at: datetime
    turn_deadline: datetime | None


# Lua: cache a state if it is newer than the cached one.
# KEYS[1] the game's hash {v: version, s: state JSON}; KEYS[2] the dirty set.
# ARGV: version, payload, ttl seconds, mode, game id. Modes: "dirty" (an accepted
# action, not in PostgreSQL yet), "clean" (read from PostgreSQL), "replace" (clean,
# and overwrite whatever is cached). Returns {1, previous or -1} when written,
# {2, version} when the identical write was already applied (a retried command),
# {0, cached version} when refused. A key of another type is corrupt: replaced.
_CACHE_STATE_LUA = """
local version = tonumber(ARGV[1])
local kind = redis.call('TYPE', KEYS[1])['ok']
local current = nil
if kind == 'hash' then
  current = tonumber(redis.call('HGET', KEYS[1], 'v'))
elseif kind ~= 'none' then
  redis.call('DEL', KEYS[1])
end
if current ~= nil and ARGV[4] ~= 'replace' then
  if current > version then
    return {0, current}
  end
  if current == version then
    if redis.call('HGET', KEYS[1], 's') == ARGV[2] then
      redis.call('EXPIRE', KEYS[1], ARGV[3])
      return {2, current}
    end
    return {0, current}
  end
end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 's', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
if ARGV[4] == 'dirty' then
  local now = redis.call('TIME')
  local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
  redis.call('ZADD', KEYS[2], 'NX', now_ms, ARGV[5])
else
  redis.call('ZREM', KEYS[2], ARGV[5])
end
return {1, current or -1}
"""

# Lua: after version ARGV[1] of game ARGV[2] reached PostgreSQL, unmark it unless
# Redis meanwhile holds a newer version (which is still unpersisted).
_CLEAR_DIRTY_LUA = """
local current = nil
if redis.call('TYPE', KEYS[1])['ok'] == 'hash' then
  current = tonumber(redis.call('HGET', KEYS[1], 'v'))
end
if current ~= nil and current > tonumber(ARGV[1]) then
  return 0
end
return redis.call('ZREM', KEYS[2], ARGV[2])
"""

_MODE_DIRTY, _MODE_CLEAN, _MODE_REPLACE = "dirty", "clean", "replace"
_AUTOCOMMIT: Final = {"isolation_level": "AUTOCOMMIT"}

# The history guard makes a late persist of an ended game a no-op instead of a resurrection.
_UPSERT_SQL = text(
    """
    INSERT INTO active_games AS a (
        id, game_type, player1_id, player2_id, npc_id, rules_config, game_state,
        turn_number, version, started_at, last_action_at, turn_deadline
    )
    SELECT CAST(:id AS uuid), CAST(:game_type AS varchar), CAST(:player1_id AS uuid),
           CAST(:player2_id AS uuid), CAST(:npc_id AS varchar), CAST(:rules_config AS jsonb),
           CAST(:game_state AS jsonb), CAST(:turn_number AS integer), CAST(:version AS integer),
           CAST(:started_at AS timestamptz), CAST(:last_action_at AS timestamptz),
           CAST(:turn_deadline AS timestamptz)
    WHERE NOT EXISTS (SELECT 1 FROM game_history AS h WHERE h.id = CAST(:id AS uuid))
    ON CONFLICT (id) DO UPDATE SET
        player1_id = excluded.player1_id,
        player2_id = excluded.player2_id,
        npc_id = excluded.npc_id,
        rules_config = excluded.rules_config,
        game_state = excluded.game_state,
        turn_number = excluded.turn_number,
        version = excluded.version,
        last_action_at = excluded.last_action_at,
        turn_deadline = excluded.turn_deadline,
        updated_at = now()
    WHERE a.version < excluded.version
    RETURNING a.version
    """,
)

_HISTORY_EXISTS_SQL = text(
    "SELECT EXISTS (SELECT 1 FROM game_history WHERE id = CAST(:id AS uuid))"
)

_READ_STATE_SQL = text(
    "SELECT version, game_state::text AS state FROM active_games WHERE id = CAST(:id AS uuid)",
)

# Streamed by recovery. The JSONB comparisons catch a row whose state disagrees with
# its columns without parsing 10-40 KB of JSON per game in Python.
_RECOVERY_SQL = text(
    """
    SELECT a.id::text AS id, a.version,
           (a.game_state -> 'version' = to_jsonb(a.version)
            AND a.game_state -> 'game_id' = to_jsonb(a.id::text)) AS consistent,
           a.game_state::text AS state
    FROM active_games AS a
    WHERE NOT EXISTS (SELECT 1 FROM game_history AS h WHERE h.id = a.id)
    """,
)


def parse_uuid(value: UUID | str, what: str = "game id") -> UUID:
    """`value` as a UUID.

    Raises:
        InvalidGameIdError: `value` is not a UUID or a string holding one.
    """
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value))
    except ValueError:
        raise InvalidGameIdError(f"{what} {value!r} is not a UUID") from None


def _validation_summary(exc: ValidationError, limit: int = 3) -> str:
    parts = [
        f"{'.'.join(str(p) for p in error['loc']) or '<root>'}: {error['msg']}"
        for error in exc.errors()[:limit]
    ]
    more = exc.error_count() - limit
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")


def _batches(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class GameStateManager:
    """Loads and saves game states; Redis is the primary copy, PostgreSQL the durable one.

    The manager owns its units of work: each `save_to_cache` is one Redis script,
    each `persist_to_db` one PostgreSQL statement in its own transaction followed by
    one Redis script, each `end_game` one PostgreSQL transaction followed by one
    Redis transaction. It takes its collaborators in the constructor, so two
    managers (two processes, in tests) can share servers but not pools.

    When Redis fails, the manager logs it once, serves from PostgreSQL and tries
    Redis again at most every `redis_probe_interval` seconds; when Redis answers
    again it logs that once too, and first re-caches the states it wrote through
    meanwhile, so Redis never serves an older state than PostgreSQL holds.
    """

    def __init__(
        self,
        redis: RedisClient,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        key_prefix: str = "mantimon:",
        cache_ttl_seconds: int = 86_400,
        redis_probe_interval: float = DEFAULT_REDIS_PROBE_INTERVAL,
        metrics: GameMetrics | None = None,
    ) -> None:
        if cache_ttl_seconds < 1:
            raise ValueError(f"cache_ttl_seconds must be at least 1, got {cache_ttl_seconds}")
        self._redis = redis
        self._sessionmaker = sessionmaker
        self._prefix = key_prefix
        self._ttl = cache_ttl_seconds
        self._probe_interval = redis_probe_interval
        self.metrics = metrics if metrics is not None else GameMetrics()
        self._dirty_key = prefixed(key_prefix, "games", "dirty")
        self._cache_state = redis.register_script(_CACHE_STATE_LUA)
        self._clear_dirty = redis.register_script(_CLEAR_DIRTY_LUA)
        self._redis_down_since: float | None = None
        self._redis_retry_at = 0.0
        # Games whose Redis entry went stale while Redis was down: the (version, JSON) to
        # cache once it answers again, or None to drop the entry (the game ended meanwhile).
        self._uncached: dict[UUID, tuple[int, str] | None] = {}

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        redis: RedisClient,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        metrics: GameMetrics | None = None,
    ) -> GameStateManager:
        """A manager with the key prefix and cache TTL of `settings`, reporting to `metrics`."""
        return cls(
            redis,
            sessionmaker,
            key_prefix=settings.redis_key_prefix,
            cache_ttl_seconds=settings.game_cache_ttl_seconds,
            metrics=metrics,
        )

    def game_key(self, game_id: UUID) -> str:
        """The Redis key of a game's cached state: ``<prefix>game:<id>``."""
        return prefixed(self._prefix, "game", str(game_id))

    @property
    def dirty_key(self) -> str:
        """The Redis sorted set of games with unpersisted changes."""
        return self._dirty_key

    # -- Redis health -----------------------------------------------------------------

    def _redis_failed(self, operation: str, exc: Exception) -> None:
        """Count `exc` as Redis failing, unless it is a busy pool while Redis answers.

        Raises:
            GameStoreBusyError: no pooled connection was free in time and Redis is
                not known to be down (waiting behind a hung server, before its
                callers time out, also ends here).
        """
        if isinstance(exc, MaxConnectionsError) and self._redis_down_since is None:
            raise GameStoreBusyError(f"{operation}: {exc}; Redis is busy, not down") from exc
        now = time.monotonic()
        self._redis_retry_at = now + self._probe_interval
        if self._redis_down_since is None:
            self._redis_down_since = now
            self.metrics.redis_outage()
            logger.warning(
                "Redis failed during %s (%s: %s); using PostgreSQL until it answers again",
                operation,
                type(exc).__name__,
                exc,
            )
        else:
            logger.debug("Redis still failing during %s: %s", operation, exc)

    def _redis_ok(self) -> None:
        if self._redis_down_since is not None:
            self.metrics.redis_recovered()
            logger.warning(
                "Redis answers again after %.1f s",
                time.monotonic() - self._redis_down_since,
            )
            self._redis_down_since = None

    async def _redis_ready(self) -> bool:
        """Whether to try Redis now; first re-caches what was written through meanwhile."""
        if self._redis_down_since is not None and time.monotonic() < self._redis_retry_at:
            return False
        if self._uncached:
            await self._repair_cache()
        return self._redis_down_since is None or time.monotonic() >= self._redis_retry_at

    async def _repair_cache(self) -> None:
        for game_id, entry in list(self._uncached.items()):
            try:
                if entry is None:
                    await self._drop_cached(game_id)
                else:
                    await self._write_cache(game_id, entry[0], entry[1], _MODE_CLEAN)
            except RedisError as exc:
                self._redis_failed("re-caching games written through", exc)
                return
            self._redis_ok()
            if self._uncached.get(game_id) == entry:
                del self._uncached[game_id]

    def _cache_call(
        self, game_id: UUID, version: int, payload: str | bytes, mode: str
    ) -> dict[str, Any]:
        return {
            "keys": [self.game_key(game_id), self._dirty_key],
            "args": [version, payload, self._ttl, mode, str(game_id)],
        }

    async def _write_cache(
        self, game_id: UUID, version: int, payload: str | bytes, mode: str
    ) -> tuple[int, int]:
        result: list[int] = await self._cache_state(
            **self._cache_call(game_id, version, payload, mode)
        )
        return result[0], result[1]

    async def _drop_cached(self, game_id: UUID) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(self.game_key(game_id))
            pipe.zrem(self._dirty_key, str(game_id))
            await pipe.execute()

    # -- the fast path ------------------------------------------------------------------

    @instrumented("save")
    async def save_to_cache(self, state: GameState) -> SaveOutcome:
        """Cache `state` after an accepted action; Redis only, unless Redis is down.

        Atomic and version-checked in Redis: the game is marked dirty and its TTL
        refreshed. Saving the identical state twice (a retry) is accepted. If Redis
        is unreachable the state is written through to PostgreSQL instead, so the
        action is not lost.

        Raises:
            StaleStateError: the store already holds this version (with other
                content) or a newer one; another writer got there first.
            GameEndedError: written through, but the game has already ended.
            GameStoreUnavailableError: neither Redis nor PostgreSQL is reachable.
            GamePersistRefusedError: written through, and PostgreSQL refused the row.
        """
        payload = state.model_dump_json()
        if await self._redis_ready():
            try:
                status, cached = await self._write_cache(
                    state.game_id, state.version, payload, _MODE_DIRTY
                )
            except RedisError as exc:
                self._redis_failed("save_to_cache", exc)
            else:
                self._redis_ok()
                if status == 0:
                    raise StaleStateError(state.game_id, state.version, cached, "Redis")
                return SaveOutcome.CACHED
        try:
            outcome = await self._upsert(state, payload)
        except GameStoreUnavailableError as exc:
            raise type(exc)(f"{exc}; Redis is unreachable too") from exc
        if outcome is PersistOutcome.GAME_ENDED:
            raise GameEndedError(f"game {state.game_id} has ended; version {state.version} dropped")
        if outcome is PersistOutcome.ALREADY_CURRENT:
            raise StaleStateError(state.game_id, state.version, None, "PostgreSQL")
        self._uncached[state.game_id] = (state.version, payload)
        return SaveOutcome.WRITTEN_THROUGH

    @instrumented("load")
    async def load_state(self, game_id: UUID | str) -> GameState | None:
        """The latest state of a game: from Redis, else from PostgreSQL (then re-cached).

        A cached payload that does not parse is logged with the game id and
        replaced by the PostgreSQL copy. Returns None if neither store has the game.

        Raises:
            InvalidGameIdError: `game_id` is not a UUID.
            CorruptGameStateError: no store holds a usable copy of an existing game.
            GameStoreUnavailableError: the state is not in a reachable store.
        """
        return await self._load(parse_uuid(game_id), recache=True)

    async def _load(self, game_id: UUID, *, recache: bool) -> GameState | None:
        corrupt: str | None = None
        redis_usable = await self._redis_ready()
        if redis_usable:
            try:
                raw: bytes | str | None = await self._redis.hget(self.game_key(game_id), "s")
            except ResponseError as exc:
                self._redis_ok()
                corrupt = str(exc)
            except RedisError as exc:
                self._redis_failed("load_state", exc)
                redis_usable = False
            else:
                self._redis_ok()
                if raw is not None:
                    try:
                        state = GameState.model_validate_json(raw)
                    except ValidationError as exc:
                        corrupt = _validation_summary(exc)
                    else:
                        if state.game_id == game_id:
                            return state
                        corrupt = f"the key holds game {state.game_id}"
            if corrupt is not None:
                logger.error(
                    "game %s: cached state is unusable (%s); reading PostgreSQL", game_id, corrupt
                )
        row = await self._read_row(game_id)
        if row is None:
            if corrupt is not None:
                raise CorruptGameStateError(game_id, "Redis", corrupt)
            return None
        state, payload = row
        if recache and redis_usable:
            try:
                await self._write_cache(
                    game_id,
                    state.version,
                    payload,
                    _MODE_CLEAN if corrupt is None else _MODE_REPLACE,
                )
            except RedisError as exc:
                self._redis_failed("load_state", exc)
        return state

    # -- PostgreSQL ---------------------------------------------------------------------

    async def _read_row(self, game_id: UUID) -> tuple[GameState, str] | None:
        try:
            async with self._sessionmaker() as session:
                row = (await session.execute(_READ_STATE_SQL, {"id": game_id})).first()
        except (SQLAlchemyError, OSError) as exc:
            raise _store_error(
                f"game {game_id}: cannot read PostgreSQL ({type(exc).__name__}: {exc})"
                + ("" if self._redis_down_since is None else "; Redis is unreachable too"),
                exc,
            ) from exc
        if row is None:
            return None
        try:
            state = GameState.model_validate_json(row.state)
        except ValidationError as exc:
            reason = _validation_summary(exc)
            logger.error("game %s: the state in PostgreSQL is unusable (%s)", game_id, reason)
            raise CorruptGameStateError(game_id, "PostgreSQL", reason) from None
        if state.game_id != game_id or state.version != row.version:
            reason = (
                f"the row (version {row.version}) holds game {state.game_id} "
                f"at version {state.version}"
            )
            logger.error("game %s: the state in PostgreSQL is unusable (%s)", game_id, reason)
            raise CorruptGameStateError(game_id, "PostgreSQL", reason)
        return state, row.state

    async def _upsert(self, state: GameState, payload: str) -> PersistOutcome:
        first, second = state.players
        params = {
            "id": state.game_id,
            "game_type": state.game_type.value,
            "player1_id": first.user_id,
            "player2_id": second.user_id,
            "npc_id": state.npc_id,
            "rules_config": state.rules.model_dump_json(),
            "game_state": payload,
            "turn_number": state.turn_number,
            "version": state.version,
            "started_at": state.started_at,
            "last_action_at": state.last_action_at,
            "turn_deadline": state.turn_deadline,
        }
        try:
            async with self._sessionmaker() as session:
                # One statement is its own transaction: no BEGIN/COMMIT round trips.
                connection = await session.connection(execution_options=_AUTOCOMMIT)
                written = (await connection.execute(_UPSERT_SQL, params)).first()
                if written is not None:
                    return PersistOutcome.WRITTEN
                ended = (
                    await connection.execute(_HISTORY_EXISTS_SQL, {"id": state.game_id})
                ).scalar()
        except (IntegrityError, DataError) as exc:
            raise GamePersistRefusedError(
                f"game {state.game_id}: PostgreSQL refused version {state.version}: {exc.orig}",
            ) from exc
        except (SQLAlchemyError, OSError) as exc:
            raise _store_error(
                f"game {state.game_id}: cannot write version {state.version} to PostgreSQL "
                f"({type(exc).__name__}: {exc})",
                exc,
            ) from exc
        return PersistOutcome.GAME_ENDED if ended else PersistOutcome.ALREADY_CURRENT

    @instrumented("persist")
    async def persist_to_db(self, state: GameState) -> PersistOutcome:
        """Write `state` to PostgreSQL at a turn boundary; harmless to repeat.

        The row is only replaced by a strictly newer version. Afterwards the dirty
        mark is cleared if Redis still holds this version (if Redis is down, the mark
        stays and a later `flush_dirty` finds PostgreSQL already current).

        Raises:
            GameStoreUnavailableError: PostgreSQL is unreachable; the state stays in
                Redis, marked dirty.
            GamePersistRefusedError: PostgreSQL refused the row.
        """
        outcome = await self._upsert(state, state.model_dump_json())
        await self._after_persist(state.game_id, state.version, outcome)
        return outcome

    async def _after_persist(self, game_id: UUID, version: int, outcome: PersistOutcome) -> None:
        if outcome is PersistOutcome.GAME_ENDED:
            await self._forget_cached(game_id)
            return
        # The state is in PostgreSQL: a busy Redis leaves the dirty mark for flush_dirty.
        with suppress(GameStoreBusyError):
            await self._clear_dirty_mark(game_id, version)

    async def _clear_dirty_mark(self, game_id: UUID, version: int) -> None:
        if not await self._redis_ready():
            return
        try:
            await self._clear_dirty(
                keys=[self.game_key(game_id), self._dirty_key],
                args=[version, str(game_id)],
            )
        except RedisError as exc:
            self._redis_failed("persist_to_db", exc)
        else:
            self._redis_ok()

    async def _forget_cached(self, game_id: UUID) -> None:
        """Drop the game from Redis now, or as soon as Redis answers (or has a free connection).

        Called once the game has left PostgreSQL's active games, so it never raises.
        """
        self._uncached[game_id] = None
        with suppress(GameStoreBusyError):
            await self._redis_ready()  # re-caches what it can: here, drops this game

    # -- whole-game operations ----------------------------------------------------------

    async def delete_game(self, game_id: UUID | str) -> None:
        """Remove a game from both stores, without a history row; repeating it is harmless.

        Redis first, so a dirty cached copy cannot be flushed back after the row is gone.

        Raises:
            InvalidGameIdError: `game_id` is not a UUID.
            GameStoreUnavailableError: a store is unreachable; call again later.
        """
        gid = parse_uuid(game_id)
        try:
            await self._drop_cached(gid)
        except RedisError as exc:
            self._redis_failed("delete_game", exc)
            raise GameStoreUnavailableError(
                f"game {gid}: cannot delete it from Redis ({exc}); nothing was deleted",
            ) from exc
        self._redis_ok()
        self._uncached.pop(gid, None)
        try:
            async with session_scope(self._sessionmaker) as session:
                await session.execute(delete(ActiveGame).where(ActiveGame.id == gid))
        except (SQLAlchemyError, OSError) as exc:
            raise _store_error(
                f"game {gid}: deleted from Redis but not from PostgreSQL ({exc}); call again",
                exc,
            ) from exc

    async def end_game(self, game_id: UUID | str, result: GameResult) -> bool:
        """Move a finished game to the history; True if this call wrote the history row.

        The history row (winner, end reason, turn count, duration, and the action
        log as replay data) is inserted and the ``active_games`` row deleted in one
        PostgreSQL transaction, then the Redis entry is dropped. The history row's
        id is the game id, so a second call (or a retry after a crash between the
        two steps) writes nothing more and returns False, as it does for an
        unknown game.

        Raises:
            InvalidGameIdError: `game_id` is not a UUID.
            CorruptGameStateError, GameStoreUnavailableError: as for `load_state`.
        """
        gid = parse_uuid(game_id)
        state = await self._load(gid, recache=False)
        if state is None:
            return False
        ended_at = result.ended_at or datetime.now(UTC)
        winner_id = None if result.winner is None else state.players[result.winner].user_id
        history = {
            "id": gid,
            "game_type": state.game_type,
            "player1_id": state.players[0].user_id,
            "player2_id": state.players[1].user_id,
            "npc_id": state.npc_id,
            "winner_id": winner_id,
            "end_reason": result.end_reason,
            "turn_count": state.turn_number,
            "duration_seconds": max(0, int((ended_at - state.started_at).total_seconds())),
            "replay_data": _replay_data(state, result),
            "played_at": ended_at,
        }
        try:
            async with session_scope(self._sessionmaker) as session:
                inserted = (
                    await session.execute(
                        pg_insert(GameHistory)
                        .values(**history)
                        .on_conflict_do_nothing(index_elements=[GameHistory.id])
                        .returning(GameHistory.id),
                    )
                ).first()
                await session.execute(delete(ActiveGame).where(ActiveGame.id == gid))
        except (IntegrityError, DataError) as exc:
            raise GamePersistRefusedError(
                f"game {gid}: PostgreSQL refused its history row: {exc.orig}",
            ) from exc
        except (SQLAlchemyError, OSError) as exc:
            raise _store_error(
                f"game {gid}: cannot end it in PostgreSQL ({exc}); nothing changed, call again",
                exc,
            ) from exc
        await self._forget_cached(gid)
        return inserted is not None

    async def get_player_active_games(self, user_id: UUID | str) -> list[PlayerGame]:
        """The active games a user plays in, most recently played first, from PostgreSQL.

        Uses the indexed player columns, so it works with an empty Redis. A game
        appears once its first turn boundary has been persisted.

        Raises:
            InvalidGameIdError: `user_id` is not a UUID.
            GameStoreUnavailableError: PostgreSQL is unreachable.
        """
        uid = parse_uuid(user_id, "user id")
        stmt = (
            select(
                ActiveGame.id,
                ActiveGame.game_type,
                ActiveGame.player1_id,
                ActiveGame.player2_id,
                ActiveGame.npc_id,
                ActiveGame.turn_number,
                ActiveGame.version,
                ActiveGame.last_action_at,
                ActiveGame.turn_deadline,
            )
            .where(or_(ActiveGame.player1_id == uid, ActiveGame.player2_id == uid))
            .where(~exists().where(GameHistory.id == ActiveGame.id))
            .order_by(ActiveGame.last_action_at.desc(), ActiveGame.id)
        )
        try:
            async with self._sessionmaker() as session:
                rows = (await session.execute(stmt)).all()
        except (SQLAlchemyError, OSError) as exc:
            raise _store_error(
                f"user {uid}: cannot list active games ({exc})",
                exc,
            ) from exc
        return [
            PlayerGame(
                game_id=row.id,
                game_type=row.game_type,
                player1_id=row.player1_id,
                player2_id=row.player2_id,
                npc_id=row.npc_id,
                turn_number=row.turn_number,
                version=row.version,
                last_action_at=row.last_action_at,
                turn_deadline=row.turn_deadline,
            )
            for row in rows
        ]

    # -- start-up, shutdown and health --------------------------------------------------

    @instrumented("recover")
    async def recover_active_games(
        self,
        *,
        batch_size: int = 500,
        validate: bool = False,
        progress: ProgressCallback | None = None,
    ) -> RecoverySummary:
        """Copy every active game from PostgreSQL into Redis, for start-up.

        Rows are streamed from a server-side cursor and written in pipelined
        batches of `batch_size`, so memory holds one batch whatever the number of
        games. A game whose cached version is newer (actions after its last
        persisted turn) is left alone. A row whose state disagrees with its
        columns is reported as failed, as is (with `validate`) one that does not
        parse as a `GameState`.

        Raises:
            ValueError: `batch_size` is below 1.
            GameStoreUnavailableError: PostgreSQL or Redis is unreachable.
        """
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        summary = RecoverySummary()
        try:
            async with self._sessionmaker() as session:
                result = await session.stream(
                    _RECOVERY_SQL.execution_options(yield_per=batch_size),
                )
                async for rows in result.partitions(batch_size):
                    await self._recover_batch(rows, summary, validate=validate)
                    if progress is not None:
                        progress(summary.total)
        except RedisError as exc:
            self._redis_failed("recover_active_games", exc)
            raise GameStoreUnavailableError(
                f"recovery stopped after {summary.total} games: Redis failed ({exc})",
            ) from exc
        except (SQLAlchemyError, OSError) as exc:
            raise _store_error(
                f"recovery stopped after {summary.total} games: cannot read PostgreSQL ({exc})",
                exc,
            ) from exc
        logger.info(
            "recovered %d games into Redis (%d newer in Redis, %d unchanged, %d failed)",
            summary.recovered,
            summary.skipped_newer,
            summary.unchanged,
            len(summary.failed),
        )
        self.metrics.recovered(
            recovered=summary.recovered,
            skipped_newer=summary.skipped_newer,
            unchanged=summary.unchanged,
            failed=len(summary.failed),
        )
        return summary

    async def _recover_batch(
        self,
        rows: Sequence[Any],
        summary: RecoverySummary,
        *,
        validate: bool,
    ) -> None:
        pending: list[Any] = []
        async with self._redis.pipeline(transaction=False) as pipe:
            for row in rows:
                reason = self._recovery_problem(row, validate=validate)
                if reason is not None:
                    summary.failed.append(GameFailure(row.id, reason))
                    logger.error("game %s: not recovered: %s", row.id, reason)
                    continue
                await self._cache_state(
                    **self._cache_call(UUID(row.id), row.version, row.state, _MODE_CLEAN),
                    client=pipe,
                )
                pending.append(row)
            replies = await pipe.execute(raise_on_error=False)
        self._redis_ok()
        for row, reply in zip(pending, replies, strict=True):
            if isinstance(reply, Exception):
                summary.failed.append(GameFailure(row.id, f"Redis refused it: {reply}"))
            elif reply[0] == 1:
                summary.recovered += 1
            elif reply[1] > row.version:
                summary.skipped_newer += 1
            else:
                summary.unchanged += 1

    @staticmethod
    def _recovery_problem(row: Any, *, validate: bool) -> str | None:
        if not row.consistent:
            return f"its game_state does not carry its id and version {row.version}"
        if validate:
            try:
                GameState.model_validate_json(row.state)
            except ValidationError as exc:
                return f"invalid game state: {_validation_summary(exc)}"
        return None

    @instrumented("flush")
    async def flush_dirty(
        self,
        *,
        batch_size: int = 100,
        progress: ProgressCallback | None = None,
    ) -> FlushSummary:
        """Persist every game marked dirty, for shutdown and a periodic task.

        Each game is its own unit of work, exactly as `persist_to_db`. A dirty
        mark whose cached state is gone (expired or deleted) is dropped and
        reported; a cached state that does not parse stays marked and is reported,
        so `dirty_stats` keeps showing it.

        Raises:
            ValueError: `batch_size` is below 1.
            GameStoreUnavailableError: Redis or PostgreSQL is unreachable; games not
                yet persisted stay marked dirty.
        """
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        summary = FlushSummary()
        try:
            dirty: list[bytes] = await self._redis.zrange(self._dirty_key, 0, -1)  # type: ignore[assignment]
            members = [member.decode() for member in dirty]
            for chunk in _batches(members, batch_size):
                async with self._redis.pipeline(transaction=False) as pipe:
                    for member in chunk:
                        pipe.hget(prefixed(self._prefix, "game", member), "s")
                    payloads: list[bytes | None] = await pipe.execute()
                for member, payload in zip(chunk, payloads, strict=True):
                    await self._flush_one(member, payload, summary)
                if progress is not None:
                    progress(
                        summary.persisted
                        + summary.already_current
                        + summary.ended
                        + len(summary.failed)
                    )
        except RedisError as exc:
            self._redis_failed("flush_dirty", exc)
            raise GameStoreUnavailableError(f"flush stopped: Redis failed ({exc})") from exc
        self._redis_ok()
        return summary

    async def _flush_one(self, member: str, payload: bytes | None, summary: FlushSummary) -> None:
        if payload is None:
            await self._redis.zrem(self._dirty_key, member)
            summary.failed.append(GameFailure(member, "no cached state left to persist"))
            logger.error("game %s: marked dirty but its cached state is gone", member)
            return
        try:
            state = GameState.model_validate_json(payload)
        except ValidationError as exc:
            reason = f"cached state is unusable: {_validation_summary(exc)}"
            summary.failed.append(GameFailure(member, reason))
            logger.error("game %s: not flushed: %s", member, reason)
            return
        try:
            outcome = await self._upsert(state, payload.decode())
        except GamePersistRefusedError as exc:
            summary.failed.append(GameFailure(member, str(exc)))
            logger.error("game %s: not flushed: %s", member, exc)
            return
        await self._after_persist(state.game_id, state.version, outcome)
        if outcome is PersistOutcome.WRITTEN:
            summary.persisted += 1
        elif outcome is PersistOutcome.ALREADY_CURRENT:
            summary.already_current += 1
        else:
            summary.ended += 1

    async def dirty_stats(self) -> DirtyStats:
        """How many games have unpersisted changes, and since when (Redis clock).

        The age is that of the oldest change not yet persisted; while newer
        versions keep arriving during a persist it may err on the old side, never
        on the young side.

        Raises:
            GameStoreUnavailableError: Redis is unreachable.
        """
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.zcard(self._dirty_key)
                pipe.zrange(self._dirty_key, 0, 0, withscores=True)
                pipe.time()
                count, oldest, (seconds, micros) = await pipe.execute()
        except RedisError as exc:
            self._redis_failed("dirty_stats", exc)
            raise GameStoreUnavailableError(f"cannot read the dirty games: {exc}") from exc
        self._redis_ok()
        if not oldest:
            return DirtyStats(count=int(count), oldest_change_at=None, oldest_age_seconds=None)
        oldest_ms = float(oldest[0][1])
        now_ms = seconds * 1000 + micros / 1000
        return DirtyStats(
            count=int(count),
            oldest_change_at=datetime.fromtimestamp(oldest_ms / 1000, UTC),
            oldest_age_seconds=max(0.0, (now_ms - oldest_ms) / 1000),
        )


def _replay_data(state: GameState, result: GameResult) -> dict[str, Any]:
    """What a replay needs: the rules, the seats, the seed, the setup and every action in order.

    ``setup`` (`app.services.replays.replay_setup`) lets `replay_from_history`
    deal the initial state again and reproduce the final one.
    """
    return {
        "schema_version": state.schema_version,
        "setup": replay_setup(state),
        "rules": state.rules.model_dump(mode="json"),
        "players": [
            {"user_id": str(p.user_id) if p.user_id else None, "npc_id": p.npc_id}
            for p in state.players
        ],
        "rng_seed": state.rng_seed,
        "winner": result.winner,
        "end_reason": result.end_reason.value,
        "final_version": state.version,
        "actions": [action.model_dump(mode="json") for action in state.action_log],
    }
