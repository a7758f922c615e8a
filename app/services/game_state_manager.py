"""Game state in Redis for every action, in PostgreSQL at every turn boundary.

Durability contract
-------------------
A completed turn is never lost: once `GameStateManager.persist_to_db` has
returned for a turn boundary (``WRITTEN`` or ``ALREADY_CURRENT``), PostgreSQL
holds that state or one played on from it, whatever happens next: a crash of
the application process, of Redis or of both, or a Redis that comes back older
(restarted empty, from its AOF or an RDB snapshot, or a promoted replica that
missed the last writes). A crash of the application process or of Redis loses
at most the actions of the turn in progress. While Redis is unreachable,
`GameStateManager.save_to_cache` writes every accepted action through to
PostgreSQL instead, so not even those are lost. If PostgreSQL is unreachable at
a turn boundary, `persist_to_db` raises `GameStoreUnavailableError`; the turn
stays in Redis, marked dirty, and a later `GameStateManager.flush_dirty` writes
it. Until then that turn is only as durable as Redis. This assumes PostgreSQL
commits durably (``synchronous_commit`` on, its default) and that `flush_dirty`
runs more often than the cache TTL.

When Redis comes back older, what each case costs:

* Restarted empty, or from an AOF / RDB older than PostgreSQL, or replaced by a
  promoted replica (or a server demoted and promoted back): the actions after
  the last turn boundary that only Redis held. Once a manager has seen the new
  instance it never serves, nor (while PostgreSQL answers) accepts a first save
  built on, a cached copy older than PostgreSQL's: the copy is compared on the
  game's first use and replaced by PostgreSQL's state; `flush_dirty` refreshes
  dirty copies that PostgreSQL is ahead of.
* A game server that played on from an older copy anyway: PostgreSQL refuses
  its states (`DivergedStateError`) on every path (persist, write-through,
  flush) and keeps its own; the actions played on the older copy are lost.
* A manager that has not seen the change yet (another process that cannot reach
  Redis writes through meanwhile): its trusted copy may lag PostgreSQL until the
  writer reaches Redis again and re-caches; anything built on it is refused.

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
* The PostgreSQL upsert also checks lineage in the same statement: the row
  keeps the head of its state's hash chain over the action log
  (`app.services.game_lineage`) and the incoming state's chain must pass through
  it, so a newer version that does not contain the stored turn is refused.
* Every Lua script that reads or writes a game checks the Redis instance it runs
  on (``run_id`` and ``master_replid``, see `app.services.redis_epoch`) against
  the one the manager expects, atomically with its read or write. A game's
  cached copy is trusted only after it was compared with PostgreSQL (or written
  by this manager) on that instance; a new instance distrusts every copy. A
  save on a trusted game costs no PostgreSQL round trip.
* Redis marks a game dirty (a sorted set scored by the time of the oldest
  unpersisted change, taken from the Redis clock) in the same script that caches
  it, and a persist clears the mark only while Redis still holds that version.
* A game that has ended (it has a ``game_history`` row) is never written back to
  ``active_games`` by a late persist, and a cached copy of it that a restored
  Redis brings back is dropped on its next use.

Each public method is one unit of work and commits its own PostgreSQL
transaction: callers pass states, never sessions.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, NoReturn, TypeVar
from uuid import UUID

from pydantic import ValidationError
from redis.commands.core import AsyncScript
from redis.exceptions import MaxConnectionsError, RedisError
from sqlalchemy import delete, exists, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.core.game_state import ACTION_LOG, GameResult, GameState
from app.db.models import ActiveGame, GameHistory
from app.db.redis import RedisClient, prefixed
from app.db.session import session_scope
from app.observability.metrics import GameMetrics, instrumented
from app.services.game_lineage import LineageCache, descends_from, head_digest, lineage_chain
from app.services.game_state_errors import (
    CorruptGameStateError,
    DivergedStateError,
    GameEndedError,
    GamePersistRefusedError,
    GameStateError,
    GameStoreBusyError,
    GameStoreUnavailableError,
    InvalidGameIdError,
    StaleStateError,
    logger,
    parse_uuid,
    store_error,
    validation_summary,
)
from app.services.game_state_results import (
    DirtyStats,
    FlushSummary,
    GameFailure,
    PersistOutcome,
    PlayerGame,
    ProgressCallback,
    RecoverySummary,
    SaveOutcome,
)
from app.services.game_store_statements import (
    CACHE_MOVED,
    CACHE_REFUSED,
    CACHE_STATE_LUA,
    CLEAR_DIRTY_LUA,
    IDENTITY_MISMATCH,
    MODE_CLEAN,
    MODE_DIRTY,
    MODE_REPLACE,
    READ_MISSING,
    READ_STATE_LUA,
    READ_STATE_SQL,
    RECOVERY_SQL,
    STORED_SQL,
    UPSERT_SQL,
)
from app.services.redis_epoch import (
    ANY_IDENTITY,
    UNKNOWN_IDENTITY,
    RedisEpoch,
    RedisIdentityChanged,
)
from app.services.replays import replay_setup

__all__ = [
    "DEFAULT_REDIS_PROBE_INTERVAL",
    "CorruptGameStateError",
    "DirtyStats",
    "DivergedStateError",
    "FlushSummary",
    "GameEndedError",
    "GameFailure",
    "GamePersistRefusedError",
    "GameStateError",
    "GameStateManager",
    "GameStoreBusyError",
    "GameStoreUnavailableError",
    "InvalidGameIdError",
    "PersistOutcome",
    "PlayerGame",
    "ProgressCallback",
    "RecoverySummary",
    "SaveOutcome",
    "StaleStateError",
    "_replay_data",
    "logger",
    "parse_uuid",
]


DEFAULT_REDIS_PROBE_INTERVAL: Final = 1.0
"""Seconds between attempts to use Redis again after it failed."""


_AUTOCOMMIT: Final = {"isolation_level": "AUTOCOMMIT"}
_IDENTITY_ATTEMPTS: Final = 3
"""How often one operation starts over when Redis turns out to be another instance."""
_UPSERT_ATTEMPTS: Final = 3
"""How often a persist is retried when the row changes between its two statements."""


_T = TypeVar("_T")


class _CacheMoved(Exception):
    """A compare-and-set on a cached copy found it changed since it was read."""


@dataclass(frozen=True, slots=True)
class _Stored:
    """What PostgreSQL holds for a game."""

    version: int | None
    """None when there is no active row."""
    lineage: bytes | None
    ended: bool


@dataclass(frozen=True, slots=True)
class _Cached:
    """A game's copy in Redis, as one checked read found it."""

    seen: str
    """The raw version field ("" for no hash): the token of a later compare-and-set."""
    state: GameState | None
    problem: str | None
    """Why the copy is unusable; None when it is usable or absent."""


def _contains(state: GameState, version: int, lineage: bytes | None) -> bool:
    """Whether `state` is PostgreSQL's state (at `version`, head `lineage`) or descends from it."""
    if state.version < version:
        return False
    return descends_from(lineage_chain(state, upto=version), version, lineage)


def _batches(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class GameStateManager:
    """Loads and saves game states; Redis is the primary copy, PostgreSQL the durable one.

    The manager owns its units of work: each `save_to_cache` is one Redis script
    (after, on a game's first use on a Redis instance, one PostgreSQL query and one
    Redis read), each `persist_to_db` one PostgreSQL statement in its own transaction
    followed by one Redis script, each `end_game` one PostgreSQL transaction followed by one
    Redis transaction. It takes its collaborators in the constructor, so two
    managers (two processes, in tests) can share servers but not pools.

    When Redis fails, the manager logs it once, serves from PostgreSQL and tries
    Redis again at most every `redis_probe_interval` seconds; when Redis answers
    again it logs that once too, and first re-caches the states it wrote through
    meanwhile, so Redis never serves an older state than PostgreSQL holds.

    Every Lua script that reads or writes a game checks which Redis instance it
    runs on (see `app.services.redis_epoch`). A game's cached copy is used only
    once the manager has compared it with PostgreSQL on that instance (or written
    it there itself); a new instance (a restart, a promoted replica) makes every
    copy suspect again, so it is compared on its next use and replaced by
    PostgreSQL's state when it is older or on another branch.
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
        self._cache_state = redis.register_script(CACHE_STATE_LUA)
        self._read_state = redis.register_script(READ_STATE_LUA)
        self._clear_dirty = redis.register_script(CLEAR_DIRTY_LUA)
        self._epoch = RedisEpoch()
        self._lineage = LineageCache()
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
                    await self._write_cache(game_id, entry[0], entry[1], MODE_CLEAN)
            except RedisError as exc:
                self._redis_failed("re-caching games written through", exc)
                return
            self._redis_ok()
            # Compared with PostgreSQL again on next use, whatever the cached copy was.
            self._epoch.distrust(game_id)
            if self._uncached.get(game_id) == entry:
                del self._uncached[game_id]

    # -- which Redis instance ---------------------------------------------------------

    def _instance_changed(self, identity: str) -> None:
        previous = self._epoch.adopt(identity)
        if previous is None:
            return
        if previous == UNKNOWN_IDENTITY:
            logger.info(
                "Redis instance %s: each cached game is compared with PostgreSQL on first use",
                identity,
            )
            return
        logger.warning(
            "Redis is another instance now (%s, was %s): it restarted or failed over, so "
            "every cached game is compared with PostgreSQL before it is used again",
            identity,
            previous,
        )

    async def _checked(self, script: AsyncScript, keys: list[str], args: list[Any]) -> list[Any]:
        """Run an instance-checked script; raises RedisIdentityChanged (after adopting it)."""
        reply: list[Any] = await script(keys=keys, args=args)
        if reply[0] == IDENTITY_MISMATCH:
            raw = reply[1]
            identity = raw.decode() if isinstance(raw, bytes) else str(raw)
            self._instance_changed(identity)
            raise RedisIdentityChanged(identity)
        return reply

    async def _on_one_instance(self, operation: Callable[[], Awaitable[_T]]) -> _T:
        """Run `operation`, starting over while Redis turns out to be another instance.

        Raises:
            RedisError: the instance changed on every attempt (treated as Redis failing).
        """
        for _ in range(_IDENTITY_ATTEMPTS):
            try:
                return await operation()
            except (RedisIdentityChanged, _CacheMoved):
                continue
        raise RedisError(f"Redis changed instance or copy {_IDENTITY_ATTEMPTS} times in a row")

    # -- Redis primitives ---------------------------------------------------------------

    def _cache_call(
        self,
        game_id: UUID,
        version: int,
        payload: str | bytes,
        mode: str,
        identity: str = ANY_IDENTITY,
        expected: str = "",
    ) -> dict[str, Any]:
        return {
            "keys": [self.game_key(game_id), self._dirty_key],
            "args": [identity, version, payload, self._ttl, mode, str(game_id), expected],
        }

    async def _write_cache(
        self,
        game_id: UUID,
        version: int,
        payload: str | bytes,
        mode: str,
        identity: str = ANY_IDENTITY,
        expected: str = "",
    ) -> tuple[int, int]:
        reply = await self._checked(
            self._cache_state,
            **self._cache_call(game_id, version, payload, mode, identity, expected),
        )
        return int(reply[0]), int(reply[1])

    async def _read_cached(self, game_id: UUID, identity: str) -> _Cached:
        reply = await self._checked(self._read_state, [self.game_key(game_id)], [identity])
        if reply[0] == READ_MISSING:
            kind = reply[1].decode()
            return _Cached("", None, None if kind == "none" else f"the key holds a {kind}")
        seen, raw = reply[1].decode(), reply[2]
        if not raw:
            return _Cached(seen, None, None)
        try:
            state = GameState.model_validate_json(raw)
        except ValidationError as exc:
            return _Cached(seen, None, validation_summary(exc))
        if state.game_id != game_id:
            return _Cached(seen, None, f"the key holds game {state.game_id}")
        return _Cached(seen, state, None)

    async def _drop_cached(self, game_id: UUID) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(self.game_key(game_id))
            pipe.zrem(self._dirty_key, str(game_id))
            await pipe.execute()

    async def _replace_cached(
        self, game_id: UUID, cached: _Cached, identity: str, stored_version: int | None
    ) -> GameState | None:
        """Replace the cached copy by PostgreSQL's state, if it is still the copy `cached` saw.

        Returns PostgreSQL's state (None when it has no row any more).

        Raises:
            _CacheMoved: the cached copy changed meanwhile; start over.
        """
        row = await self._read_row(game_id)
        if row is None:
            return None
        state, payload = row
        status, _ = await self._write_cache(
            game_id, state.version, payload, MODE_REPLACE, identity, cached.seen
        )
        if status == CACHE_MOVED:
            raise _CacheMoved
        if cached.state is not None:
            logger.warning(
                "game %s: Redis held version %d, %s PostgreSQL's version %s; "
                "replaced it with PostgreSQL's",
                game_id,
                cached.state.version,
                "older than" if cached.state.version < state.version else "diverged from",
                stored_version,
            )
        return state

    # -- the fast path ------------------------------------------------------------------

    @instrumented("save")
    async def save_to_cache(self, state: GameState) -> SaveOutcome:
        """Cache `state` after an accepted action; Redis only, unless Redis is down.

        Atomic and version-checked in Redis: the game is marked dirty and its TTL
        refreshed. Saving the identical state twice (a retry) is accepted. If Redis
        is unreachable the state is written through to PostgreSQL instead, so the
        action is not lost. The first save of a game on a Redis instance (in this
        process, or after Redis restarted or failed over) is also checked against
        PostgreSQL, and a cached copy older than PostgreSQL's is replaced first; when
        PostgreSQL is unreachable for that check the save goes ahead, and
        `persist_to_db` checks it instead.

        Raises:
            StaleStateError: the store already holds this version (with other
                content) or a newer one; another writer got there first.
            DivergedStateError: `state` does not descend from the state PostgreSQL
                holds (it was built on an older copy); nothing was written.
            GameEndedError: written through, but the game has already ended.
            GameStoreUnavailableError: neither Redis nor PostgreSQL is reachable.
            GamePersistRefusedError: written through, and PostgreSQL refused the row.
        """
        payload = state.model_dump_json()
        if await self._redis_ready():
            try:
                status, cached = await self._on_one_instance(
                    lambda: self._save_checked(state, payload)
                )
            except RedisError as exc:
                self._redis_failed("save_to_cache", exc)
            else:
                self._redis_ok()
                if status == CACHE_REFUSED:
                    raise StaleStateError(state.game_id, state.version, cached, "Redis")
                return SaveOutcome.CACHED
        try:
            outcome, _ = await self._upsert(state, payload)
        except GameStoreUnavailableError as exc:
            raise type(exc)(f"{exc}; Redis is unreachable too") from exc
        if outcome is PersistOutcome.GAME_ENDED:
            raise GameEndedError(f"game {state.game_id} has ended; version {state.version} dropped")
        if outcome is PersistOutcome.ALREADY_CURRENT:
            raise StaleStateError(state.game_id, state.version, None, "PostgreSQL")
        self._uncached[state.game_id] = (state.version, payload)
        return SaveOutcome.WRITTEN_THROUGH

    async def _save_checked(self, state: GameState, payload: str) -> tuple[int, int]:
        identity, trusted = self._epoch.snapshot(state.game_id)
        if not trusted:
            await self._check_new_save(state, identity)
        status, cached = await self._write_cache(
            state.game_id, state.version, payload, MODE_DIRTY, identity
        )
        if status != CACHE_REFUSED:
            # The cached copy is now this caller's state, written on this instance.
            self._epoch.trust(state.game_id, identity)
        return status, cached

    async def _check_new_save(self, state: GameState, identity: str) -> None:
        """Refuse `state` unless it contains PostgreSQL's; replace a cached copy that does not."""
        game_id = state.game_id
        try:
            stored = await self._stored(game_id)
        except GameStoreUnavailableError as exc:
            logger.debug("game %s: saved unchecked, PostgreSQL unreachable: %s", game_id, exc)
            return
        if stored.version is None or stored.ended:
            return
        if state.version < stored.version:
            raise StaleStateError(game_id, state.version, stored.version, "PostgreSQL")
        if not _contains(state, stored.version, stored.lineage):
            self._diverged(game_id, state.version, stored.version)
        cached = await self._read_cached(game_id, identity)
        if cached.state is None and cached.problem is None:
            return
        if cached.state is None or not _contains(cached.state, stored.version, stored.lineage):
            await self._replace_cached(game_id, cached, identity, stored.version)

    def _diverged(self, game_id: UUID, version: int, stored_version: int) -> NoReturn:
        self._epoch.distrust(game_id)
        logger.error(
            "game %s: refused version %d, which does not descend from version %d in PostgreSQL",
            game_id,
            version,
            stored_version,
        )
        raise DivergedStateError(game_id, version, stored_version)

    @instrumented("load")
    async def load_state(self, game_id: UUID | str) -> GameState | None:
        """The latest state of a game: from Redis, else from PostgreSQL (then re-cached).

        Never older than PostgreSQL's state once this manager has seen the Redis
        instance it reads change: the first read of a game on an instance compares
        the cached copy with PostgreSQL (version and lineage), and a copy that is
        older or on another branch is replaced by PostgreSQL's state, which is
        returned. A cached payload that does not parse is logged with the game id
        and replaced in the same way. Returns None if neither store has the game.

        Raises:
            InvalidGameIdError: `game_id` is not a UUID.
            CorruptGameStateError: no store holds a usable copy of an existing game.
            GameStoreUnavailableError: the state is not in a reachable store, or the
                cached copy must be compared with PostgreSQL and PostgreSQL is unreachable.
        """
        return await self._load(parse_uuid(game_id), recache=True)

    async def _load(self, game_id: UUID, *, recache: bool) -> GameState | None:
        if await self._redis_ready():
            try:
                state = await self._on_one_instance(
                    lambda: self._load_checked(game_id, recache=recache)
                )
            except RedisError as exc:
                self._redis_failed("load_state", exc)
            else:
                self._redis_ok()
                return state
        row = await self._read_row(game_id)
        return None if row is None else row[0]

    async def _load_checked(self, game_id: UUID, *, recache: bool) -> GameState | None:
        identity, trusted = self._epoch.snapshot(game_id)
        cached = await self._read_cached(game_id, identity)
        if cached.state is not None and trusted:
            return cached.state
        if cached.problem is not None:
            logger.error(
                "game %s: cached state is unusable (%s); reading PostgreSQL",
                game_id,
                cached.problem,
            )
        elif cached.state is None:
            return await self._load_missing(game_id, identity, recache=recache)
        stored = await self._stored(game_id)
        if stored.ended:
            await self._drop_cached(game_id)
            return None
        if stored.version is None:
            if cached.state is None:
                raise CorruptGameStateError(game_id, "Redis", cached.problem or "no state")
            self._epoch.trust(game_id, identity)
            return cached.state
        if cached.state is not None and _contains(cached.state, stored.version, stored.lineage):
            self._epoch.trust(game_id, identity)
            return cached.state
        if not recache:
            row = await self._read_row(game_id)
            return None if row is None else row[0]
        state = await self._replace_cached(game_id, cached, identity, stored.version)
        self._epoch.trust(game_id, identity)
        return state

    async def _load_missing(
        self, game_id: UUID, identity: str, *, recache: bool
    ) -> GameState | None:
        """A cache miss: PostgreSQL's copy is the latest there is."""
        row = await self._read_row(game_id)
        if row is None:
            return None
        state, payload = row
        if recache:
            await self._write_cache(game_id, state.version, payload, MODE_CLEAN, identity)
            self._epoch.trust(game_id, identity)
        return state

    # -- PostgreSQL ---------------------------------------------------------------------

    async def _read_row(self, game_id: UUID) -> tuple[GameState, str] | None:
        try:
            async with self._sessionmaker() as session:
                row = (await session.execute(READ_STATE_SQL, {"id": game_id})).first()
        except (SQLAlchemyError, OSError) as exc:
            raise store_error(
                f"game {game_id}: cannot read PostgreSQL ({type(exc).__name__}: {exc})"
                + ("" if self._redis_down_since is None else "; Redis is unreachable too"),
                exc,
            ) from exc
        if row is None:
            return None
        try:
            state = GameState.model_validate_json(row.state)
        except ValidationError as exc:
            reason = validation_summary(exc)
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

    async def _stored(self, game_id: UUID) -> _Stored:
        """The version and lineage PostgreSQL holds for a game, without reading its state."""
        try:
            async with self._sessionmaker() as session:
                row = (await session.execute(STORED_SQL, {"id": game_id})).one()
        except (SQLAlchemyError, OSError) as exc:
            raise store_error(
                f"game {game_id}: cannot read PostgreSQL to check the cached copy against it "
                f"({type(exc).__name__}: {exc})",
                exc,
            ) from exc
        return _Stored(row.version, row.lineage_digest, bool(row.ended))

    async def _upsert(self, state: GameState, payload: str) -> tuple[PersistOutcome, int | None]:
        """Write `state` if it is newer than, and descends from, PostgreSQL's state.

        Returns the outcome and, when nothing was written, the version PostgreSQL holds.

        Raises:
            DivergedStateError: PostgreSQL holds a state `state` does not descend from.
            GamePersistRefusedError, GameStoreUnavailableError: as for `persist_to_db`.
        """
        first, second = state.players
        chain = self._lineage.chain(state)
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
            "lineage_digest": head_digest(chain),
            "lineage": chain,
        }
        for _ in range(_UPSERT_ATTEMPTS):
            try:
                async with self._sessionmaker() as session:
                    # One statement is its own transaction: no BEGIN/COMMIT round trips.
                    connection = await session.connection(execution_options=_AUTOCOMMIT)
                    if (await connection.execute(UPSERT_SQL, params)).first() is not None:
                        return PersistOutcome.WRITTEN, None
                    found = (await connection.execute(STORED_SQL, {"id": state.game_id})).one()
            except (IntegrityError, DataError) as exc:
                raise GamePersistRefusedError(
                    f"game {state.game_id}: PostgreSQL refused version {state.version}: {exc.orig}",
                ) from exc
            except (SQLAlchemyError, OSError) as exc:
                raise store_error(
                    f"game {state.game_id}: cannot write version {state.version} to PostgreSQL "
                    f"({type(exc).__name__}: {exc})",
                    exc,
                ) from exc
            stored = _Stored(found.version, found.lineage_digest, bool(found.ended))
            if stored.ended:
                return PersistOutcome.GAME_ENDED, None
            if await self._already_held(state, chain, stored):
                return PersistOutcome.ALREADY_CURRENT, stored.version
        raise GameStoreUnavailableError(
            f"game {state.game_id}: its row kept changing while version {state.version} "
            "was written; nothing was written, call again",
        )

    async def _already_held(self, state: GameState, chain: bytes, stored: _Stored) -> bool:
        """After a refused upsert: True if PostgreSQL holds `state` or a descendant of it.

        False means the row changed between the two statements (try again).

        Raises:
            DivergedStateError: the two states are on different branches.
        """
        if stored.version is None:
            return False
        if stored.version <= state.version:
            if not descends_from(chain, stored.version, stored.lineage):
                self._diverged(state.game_id, state.version, stored.version)
            return stored.version == state.version
        row = await self._read_row(state.game_id)
        if row is None:
            return False
        held = row[0]
        if held.version <= state.version:
            return False
        if head_digest(lineage_chain(held, upto=state.version)) != head_digest(chain):
            self._diverged(state.game_id, state.version, held.version)
        return True

    @instrumented("persist")
    async def persist_to_db(self, state: GameState) -> PersistOutcome:
        """Write `state` to PostgreSQL at a turn boundary; harmless to repeat.

        The row is only replaced by a strictly newer version that descends from it
        (its action log contains the stored state's, checked in the same statement
        through the lineage digest). Afterwards the dirty mark is cleared if Redis
        still holds this version (if Redis is down, the mark stays and a later
        `flush_dirty` finds PostgreSQL already current).

        Raises:
            DivergedStateError: PostgreSQL holds a state `state` does not descend
                from; it keeps its state (reload the game and play on from it).
            GameStoreUnavailableError: PostgreSQL is unreachable; the state stays in
                Redis, marked dirty.
            GamePersistRefusedError: PostgreSQL refused the row.
        """
        outcome, _ = await self._upsert(state, state.model_dump_json())
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
        self._epoch.distrust(game_id)
        self._lineage.forget(game_id)
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
        self._epoch.distrust(gid)
        self._lineage.forget(gid)
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
            raise store_error(
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
        try:
            state = await self._load(gid, recache=False)
        except GameStoreUnavailableError as exc:
            raise GameStoreUnavailableError(f"{exc}; nothing changed, call again") from exc
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
            raise store_error(
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
            raise store_error(
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
                    RECOVERY_SQL.execution_options(yield_per=batch_size),
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
            raise store_error(
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
                    **self._cache_call(UUID(row.id), row.version, row.state, MODE_CLEAN),
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
                return f"invalid game state: {validation_summary(exc)}"
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
        so `dirty_stats` keeps showing it. A cached state older than PostgreSQL's
        (Redis came back older) is `refreshed`, and one that PostgreSQL refuses as
        not descending from its state is logged and counted as `diverged`: in both
        cases PostgreSQL keeps its state and the cached copy is replaced by it.

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
                    progress(summary.total)
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
            reason = f"cached state is unusable: {validation_summary(exc)}"
            summary.failed.append(GameFailure(member, reason))
            logger.error("game %s: not flushed: %s", member, reason)
            return
        try:
            outcome, stored_version = await self._upsert(state, payload.decode())
        except GamePersistRefusedError as exc:
            summary.failed.append(GameFailure(member, str(exc)))
            logger.error("game %s: not flushed: %s", member, exc)
            return
        except DivergedStateError as exc:
            self.metrics.refused(exc.refusal_reason)
            await self._refresh_after_flush(state)
            summary.diverged += 1
            return
        if stored_version is not None and stored_version > state.version:
            await self._refresh_after_flush(state)
            summary.refreshed += 1
            return
        await self._after_persist(state.game_id, state.version, outcome)
        if outcome is PersistOutcome.WRITTEN:
            summary.persisted += 1
        elif outcome is PersistOutcome.ALREADY_CURRENT:
            summary.already_current += 1
        else:
            summary.ended += 1

    async def _refresh_after_flush(self, flushed: GameState) -> None:
        """Replace the cached copy just flushed by PostgreSQL's state, unless it changed since."""
        cached = _Cached(str(flushed.version), flushed, None)
        try:
            await self._replace_cached(flushed.game_id, cached, ANY_IDENTITY, None)
        except _CacheMoved:
            logger.debug("game %s: cached copy changed during the flush", flushed.game_id)
        self._epoch.distrust(flushed.game_id)

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
        "actions": ACTION_LOG.dump_python(state.action_log, mode="json"),
    }
