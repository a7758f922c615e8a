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
* In Redis a game is a snapshot at its last turn boundary plus a log of the
  actions since (`app.store.log`); an action is appended in the same script that
  checks its version, the instance and the lineage head it was played on, and a
  load replays the log and refuses (serving PostgreSQL's state instead) one that
  does not rebuild the state its last entry recorded the digest of.
* PostgreSQL coming back older than the writes Redis saw (a restore from an older
  backup) is noticed through a write counter (`app.store.restore`) and repaired
  from Redis by start-up recovery and every flush.
* Every write is version-checked in the store itself: a Lua script in Redis,
  ``INSERT ... ON CONFLICT DO UPDATE ... WHERE active_games.version <
  excluded.version`` in PostgreSQL. An older state never replaces a newer one,
  whichever process, retry or duplicate delivers it.
* The PostgreSQL upsert also checks lineage in the same statement: the row
  keeps the head of its state's hash chain over the action log
  (`app.store.lineage`) and the incoming state's chain must pass through
  it, so a newer version that does not contain the stored turn is refused.
* Every Lua script that reads or writes a game checks the Redis instance it runs
  on (``run_id`` and ``master_replid``, see `app.store.redis_epoch`) against
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

Where the code lives
--------------------
`GameStateManager` is the one public entry point and only delegates; every
name callers import is re-exported here. Behind it: `copies` decides which
store serves and takes each game (and when a cached copy must be compared with
PostgreSQL), `cache` runs everything sent to Redis, `keys` says where its keys
live (one Redis, or a Cluster's buckets, one hash slot each), `log` the snapshot and
action log a game is kept as there (and its replay), `rows` everything
sent to PostgreSQL for one game, `batches` recovery and the flush, `restore`
the check for a PostgreSQL restored from an older backup and the write-back,
`redis_health` tracks a Redis outage, `redis_epoch` which Redis instance (per
bucket) the cached copies were checked on, `history` builds the history row, and
`errors` / `results` hold what callers catch and receive.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Final, TypeVar
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.core.cards import CardDefinition
from app.core.game_state import GameResult, GameState
from app.db.redis import RedisClient, is_cluster
from app.engine.events import Event
from app.observability.metrics import GameMetrics, instrumented
from app.store.batches import GameBatches
from app.store.cache import GameCache
from app.store.copies import GameCopies
from app.store.errors import (
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
)
from app.store.history import replay_data as _replay_data
from app.store.keys import KeyLayout
from app.store.log import Replayer
from app.store.redis_epoch import RedisEpoch
from app.store.redis_health import RedisHealth
from app.store.restore import PostgresRestore, PostgresRewind
from app.store.results import (
    DirtyStats,
    EndHook,
    EventsSince,
    FlushSummary,
    GameFailure,
    PersistHook,
    PersistOutcome,
    PlayerGame,
    ProgressCallback,
    RecoverySummary,
    SaveOutcome,
)
from app.store.rows import GameRows

__all__ = [
    "DEFAULT_REDIS_PROBE_INTERVAL",
    "CorruptGameStateError",
    "DirtyStats",
    "DivergedStateError",
    "EventsSince",
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
    "PostgresRewind",
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

_T = TypeVar("_T")


class GameStateManager:
    """Loads and saves game states; Redis is the primary copy, PostgreSQL the durable one.

    The manager owns its units of work: each `save_to_cache` is one Redis script that
    appends the action to the game's log (a whole-state snapshot at a turn boundary;
    after, on a game's first use on a Redis instance, one PostgreSQL query and one
    Redis read), each `load_state` one Redis script and a replay of the actions since
    the snapshot, each `persist_to_db` one PostgreSQL statement in its own transaction
    followed by one Redis script, each `end_game` one PostgreSQL transaction followed by
    two Redis calls (the end kept, the game dropped). It takes its collaborators in the
    constructor, so two managers (two processes, in tests) can share servers but not pools.

    When Redis fails, the manager logs it once, serves from PostgreSQL and tries
    Redis again at most every `redis_probe_interval` seconds; when Redis answers
    again it logs that once too, and first re-caches the states it wrote through
    meanwhile, so Redis never serves an older state than PostgreSQL holds.

    Every Lua script that reads or writes a game checks which Redis instance it
    runs on (see `app.store.redis_epoch`). A game's cached copy is used only
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
        cards: Mapping[str, CardDefinition] | None = None,
        cards_dir: Path | None = None,
    ) -> None:
        if cache_ttl_seconds < 1:
            raise ValueError(f"cache_ttl_seconds must be at least 1, got {cache_ttl_seconds}")
        self._sessionmaker = sessionmaker  # so another manager can share the pool (tests do)
        self.metrics = metrics if metrics is not None else GameMetrics()
        # One health record and one instance epoch, shared by the Redis and PostgreSQL
        # sides: a refused branch distrusts the cached copy, and a PostgreSQL error says
        # whether Redis is down too.
        health = RedisHealth(redis_probe_interval, self.metrics)
        layout = KeyLayout(key_prefix, cluster=is_cluster(redis))
        epoch = RedisEpoch(scope_of=layout.scope)
        self._cache = GameCache(
            redis,
            layout=layout,
            ttl_seconds=cache_ttl_seconds,
            health=health,
            epoch=epoch,
            replayer=Replayer(cards, cards_dir),
        )
        self._rows = GameRows(sessionmaker, health=health, epoch=epoch)
        self._copies = GameCopies(self._cache, self._rows)
        self._batches = GameBatches(
            sessionmaker, self._cache, self._rows, self._copies, self.metrics
        )
        self._restore = PostgresRestore(sessionmaker, self._cache, self._rows, self.metrics)

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        redis: RedisClient,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        metrics: GameMetrics | None = None,
        cards: Mapping[str, CardDefinition] | None = None,
    ) -> GameStateManager:
        """A manager with the key prefix, cache TTL and card catalog of `settings`.

        `cards` (the catalog already loaded) spares loading ``settings.cards_dir``
        again on the first replay of a game's log.
        """
        return cls(
            redis,
            sessionmaker,
            key_prefix=settings.redis_key_prefix,
            cache_ttl_seconds=settings.game_cache_ttl_seconds,
            metrics=metrics,
            cards=cards,
            cards_dir=settings.cards_dir,
        )

    def game_key(self, game_id: UUID) -> str:
        """The Redis key of a game's cached state: ``<prefix>game:<id>`` (`app.store.keys`)."""
        return self._cache.game_key(game_id)

    @property
    def dirty_key(self) -> str:
        """The Redis sorted set of games with unpersisted changes, on a single Redis."""
        return self._cache.dirty_key

    def dirty_key_for(self, game_id: UUID) -> str:
        """The sorted set `game_id`'s dirty mark is in (its bucket's, on a Cluster)."""
        return self._cache.dirty_key_for(game_id)

    @property
    def key_layout(self) -> KeyLayout:
        """Where this manager's keys live (one Redis, or a Cluster's buckets)."""
        return self._cache.layout

    async def _on_one_instance(self, operation: Callable[[], Awaitable[_T]]) -> _T:
        """Run `operation`, starting over while Redis turns out to be another instance.

        Raises:
            RedisError: the instance changed on every attempt (treated as Redis failing).
        """
        return await self._cache.on_one_instance(operation)

    # -- the fast path ------------------------------------------------------------------

    @instrumented("save")
    async def save_to_cache(
        self, state: GameState, events: Sequence[Event] | None = None
    ) -> SaveOutcome:
        """Cache `state` after an accepted action; Redis only, unless Redis is down.

        Pass the `events` `apply` returned for the state's last action: the action
        and its events are then appended to the game's log in Redis (a few hundred
        bytes; one serialization of the state for its digest, one Lua script). At a
        turn boundary, without `events`, or when Redis's head is not the version
        before this one on the same lineage, the whole state is written instead, as
        the game's new snapshot (zlib-compressed, a tenth of its JSON).

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
        return await self._copies.save(state, events)

    @instrumented("load")
    async def load_state(self, game_id: UUID | str) -> GameState | None:
        """The latest state of a game: from Redis, else from PostgreSQL (then re-cached).

        Costs one Lua script reading the snapshot and the log since it, and the
        engine replaying that log (the actions of the turn in progress, a few
        milliseconds at most); the replayed state must hash to the digest its last
        entry recorded, else the copy is treated as unusable (below).

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
        return await self._copies.load(parse_uuid(game_id), recache=True)

    @instrumented("load")
    async def current_state(self, known: GameState) -> GameState | None:
        """`known` itself when it is still the game's latest state, else `load_state`'s answer.

        For a process that keeps the games it serves in memory between actions: it costs
        one small script reading the cached copy's version and lineage head (nothing is
        parsed or replayed) instead of a load. `known` is the latest when Redis holds its
        version on its lineage and this manager trusts that Redis instance (the same
        condition under which `load_state` serves Redis's copy without asking PostgreSQL);
        in every other case (another writer moved on, Redis lost the game, restarted or
        changed instance, or is unreachable) this is exactly `load_state`.

        The caller must not have changed `known` since it was loaded or saved (a state
        applied but not saved is not the store's: drop it instead).

        Raises:
            As `load_state`.
        """
        return await self._copies.current(known)

    async def events_since(
        self, game_id: UUID | str, version: int, seat: int | None
    ) -> EventsSince | None:
        """The events a client at `version` missed, as `seat` may see them (None: a spectator).

        Read from the game's log in Redis: one Lua script and a replay of the log,
        as `load_state` (the log is checked the same way, and a game whose copy must
        be compared with PostgreSQL first is). A `version` older than the game's
        last snapshot (the last turn boundary), or newer than its head, gets
        ``resync=True`` and no events: the client fetches the whole view. While
        Redis is unreachable only PostgreSQL's turn-boundary state is known, so any
        other version gets a resync. Returns None for a game neither store has.

        Raises:
            InvalidGameIdError: `game_id` is not a UUID.
            GameStoreUnavailableError: as for `load_state`.
        """
        return await self._copies.events_since(parse_uuid(game_id), version, seat)

    # -- turn boundaries ----------------------------------------------------------------

    @instrumented("persist")
    async def persist_to_db(
        self, state: GameState, also: PersistHook | None = None
    ) -> PersistOutcome:
        """Write `state` to PostgreSQL at a turn boundary; harmless to repeat.

        The row is only replaced by a strictly newer version that descends from it
        (its action log contains the stored state's, checked in the same statement
        through the lineage digest). Afterwards the dirty mark is cleared if Redis
        still holds this version (if Redis is down, the mark stays and a later
        `flush_dirty` finds PostgreSQL already current).

        `also` runs once the state is in PostgreSQL (written now, or found there or newer),
        on the connection that wrote it when it did: a caller's own row that must reach
        PostgreSQL at each turn boundary (the game service's record) costs no second
        connection checkout. It runs as its own statement, not in one transaction with the
        state; what it raises is raised here, after the state was written.

        Raises:
            DivergedStateError: PostgreSQL holds a state `state` does not descend
                from; it keeps its state (reload the game and play on from it).
            GameStoreUnavailableError: PostgreSQL is unreachable; the state stays in
                Redis, marked dirty.
            GamePersistRefusedError: PostgreSQL refused the row.
        """
        return await self._copies.persist(state, also)

    # -- whole-game operations ----------------------------------------------------------

    async def delete_game(self, game_id: UUID | str) -> None:
        """Remove a game from both stores, without a history row; repeating it is harmless.

        Redis first, so a dirty cached copy cannot be flushed back after the row is gone.

        Raises:
            InvalidGameIdError: `game_id` is not a UUID.
            GameStoreUnavailableError: a store is unreachable; call again later.
        """
        await self._copies.delete(parse_uuid(game_id))

    async def end_game(
        self, game_id: UUID | str, result: GameResult, also: EndHook | None = None
    ) -> bool:
        """Move a finished game to the history; True if this call wrote the history row.

        The history row (winner, end reason, turn count, duration, and the action
        log as replay data) is inserted and the ``active_games`` row deleted in one
        PostgreSQL transaction; then Redis keeps the end (the final state and result,
        compressed, for the cache TTL: see `check_postgres`) and drops the game's entry.
        The history row's id is the game id, so a second call (or a retry after a crash between the
        two steps) writes nothing more and returns False, as it does for an
        unknown game. `also` runs inside that transaction, only when it inserts the
        history row: what it writes (a ranked game's ratings) is recorded exactly once.

        Raises:
            InvalidGameIdError: `game_id` is not a UUID.
            CorruptGameStateError, GameStoreUnavailableError: as for `load_state`.
        """
        return await self._copies.end(parse_uuid(game_id), result, also)

    async def get_player_active_games(self, user_id: UUID | str) -> list[PlayerGame]:
        """The active games a user plays in, most recently played first, from PostgreSQL.

        Uses the indexed player columns, so it works with an empty Redis. A game
        appears once its first turn boundary has been persisted.

        Raises:
            InvalidGameIdError: `user_id` is not a UUID.
            GameStoreUnavailableError: PostgreSQL is unreachable.
        """
        return await self._rows.player_games(parse_uuid(user_id, "user id"))

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
        with suppress(GameStoreUnavailableError):  # recovery itself reports the outage
            await self._restore.check()
        return await self._batches.recover(
            batch_size=batch_size, validate=validate, progress=progress
        )

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
        with suppress(GameStoreUnavailableError):  # the flush itself reports the outage
            await self._restore.check()
        return await self._batches.flush(batch_size=batch_size, progress=progress)

    async def check_postgres(self) -> PostgresRewind | None:
        """Whether PostgreSQL came back older than the writes Redis saw; if so, repair it.

        Start-up recovery and every flush run it first. Costs one Redis GET and one
        PostgreSQL query; after a restore, a write-back of every game Redis holds
        (see `app.store.restore`). Returns the finding, None when PostgreSQL is current.

        Raises:
            GameStoreUnavailableError: PostgreSQL or Redis is unreachable.
        """
        return await self._restore.check()

    @property
    def postgres_rewind(self) -> PostgresRewind | None:
        """The last time this manager found PostgreSQL older, for `/ready`; None if never."""
        return self._restore.last

    async def dirty_stats(self) -> DirtyStats:
        """How many games have unpersisted changes, and since when (Redis clock).

        The age is that of the oldest change not yet persisted; while newer
        versions keep arriving during a persist it may err on the old side, never
        on the young side.

        Raises:
            GameStoreUnavailableError: Redis is unreachable.
        """
        return await self._cache.dirty_stats()
