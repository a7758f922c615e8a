"""One game's two copies, Redis and PostgreSQL: which to serve, which to write, and when.

This is the policy half of the GameStateManager; `app.store.cache` and
`app.store.rows` only run statements. `GameCopies` decides:

* which store takes a save (Redis, or PostgreSQL while Redis is down) and which
  serves a load (Redis, else PostgreSQL, re-cached);
* when a cached copy may be used as it is: only once it was compared with
  PostgreSQL (version and lineage) on the Redis instance it lives on, or written
  there by this manager; otherwise it is compared first and, if it is older or
  on another branch, replaced by PostgreSQL's state (compare-and-set);
* what a persist, a delete or the end of a game leaves in each store.

The public methods are documented on `GameStateManager`, which delegates to them.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from typing import Final
from uuid import UUID

from redis.exceptions import RedisError

from app.core.game_state import GameResult, GameState
from app.engine.events import Event, events_for, is_turn_boundary
from app.store.cache import CachedCopy, CacheMoved, GameCache
from app.store.errors import (
    CorruptGameStateError,
    GameEndedError,
    GameStoreBusyError,
    GameStoreUnavailableError,
    StaleStateError,
    logger,
)
from app.store.history import history_row
from app.store.lineage import descends_from, digest_at, head_digest, lineage_chain
from app.store.log import (
    encode_snapshot,
    entry_for,
    records_json,
    without_log,
)
from app.store.redis_epoch import ANY_IDENTITY
from app.store.restore import ended_record
from app.store.results import EndHook, EventsSince, PersistHook, PersistOutcome, SaveOutcome
from app.store.rows import GameRows
from app.store.statements import (
    APPEND_NEEDS_SNAPSHOT,
    CACHE_MOVED,
    CACHE_REFUSED,
    MODE_CLEAN,
    MODE_DIRTY,
    MODE_REPLACE,
)

_MAX_SNAPSHOTS: Final = 100_000
"""Games whose last snapshot version a process remembers; past it, forgotten (costs bytes)."""


def _events_after(copy: CachedCopy, version: int, seat: int | None) -> EventsSince:
    """The events of `copy`'s log after `version`, for `seat`; resync before its snapshot."""
    assert copy.state is not None
    head = copy.state.version
    base = head if copy.snapshot_version is None else copy.snapshot_version
    if not base <= version <= head:
        return EventsSince(version=head, events=[], resync=True)
    events = [
        (entry.record.version, event)
        for entry in copy.entries
        if entry.record.version > version
        for event in events_for(entry.events, seat)
    ]
    return EventsSince(version=head, events=events)


def _contains(state: GameState, version: int, lineage: bytes | None) -> bool:
    """Whether `state` is PostgreSQL's state (at `version`, head `lineage`) or descends from it."""
    if state.version < version:
        return False
    return descends_from(lineage_chain(state, upto=version), version, lineage)


class GameCopies:
    """Loads, saves, persists and removes one game across the cache and the rows."""

    def __init__(self, cache: GameCache, rows: GameRows) -> None:
        self._cache = cache
        self._rows = rows
        self._epoch = cache.epoch
        # The version of the last snapshot this process wrote per game: a turn boundary
        # then sends only the records since it (the script checks they line up).
        self._snapshots: dict[UUID, int] = {}

    def _remember_snapshot(self, game_id: UUID, version: int) -> None:
        if game_id not in self._snapshots and len(self._snapshots) >= _MAX_SNAPSHOTS:
            self._snapshots.clear()
        self._snapshots[game_id] = version

    # -- saves --------------------------------------------------------------------------

    async def save(self, state: GameState, events: Sequence[Event] | None = None) -> SaveOutcome:
        """See `GameStateManager.save_to_cache`."""
        payload = state.model_dump_json()
        if await self._cache.ready():
            try:
                status, cached = await self._cache.on_one_instance(
                    lambda: self._save_checked(state, payload, events)
                )
            except RedisError as exc:
                self._cache.health.failed("save_to_cache", exc)
            else:
                self._cache.health.ok()
                if status == CACHE_REFUSED:
                    raise StaleStateError(state.game_id, state.version, cached, "Redis")
                return SaveOutcome.CACHED
        try:
            outcome, _ = await self._rows.upsert(state, payload)
        except GameStoreUnavailableError as exc:
            raise type(exc)(f"{exc}; Redis is unreachable too") from exc
        if outcome is PersistOutcome.GAME_ENDED:
            raise GameEndedError(f"game {state.game_id} has ended; version {state.version} dropped")
        if outcome is PersistOutcome.ALREADY_CURRENT:
            raise StaleStateError(state.game_id, state.version, None, "PostgreSQL")
        self._cache.written_through(state.game_id, state.version, payload)
        return SaveOutcome.WRITTEN_THROUGH

    async def _save_checked(
        self, state: GameState, payload: str, events: Sequence[Event] | None
    ) -> tuple[int, int]:
        identity, trusted = self._epoch.snapshot(state.game_id)
        if not trusted:
            await self._check_new_save(state, identity)
        chain = self._rows.chain(state)
        head = head_digest(chain)
        previous = digest_at(chain, state.version - 1) if state.version >= 1 else None
        status = APPEND_NEEDS_SNAPSHOT
        snapshot: bytes | None = None
        boundary = events is not None and is_turn_boundary(events)
        if events is not None and previous is not None and not boundary:
            status, cached = await self._cache.append(
                state.game_id,
                state.version,
                entry_for(state, events, payload).encode(),
                identity,
                previous_head=previous,
                head=head,
            )
        elif boundary and previous is not None:
            since = self._snapshots.get(state.game_id)
            if since is not None and since < state.version:
                snapshot = encode_snapshot(without_log(state))
                status, cached = await self._cache.snapshot(
                    state.game_id,
                    state.version,
                    snapshot,
                    identity,
                    records=records_json(state.action_log[since:]),
                    count=state.version - since,
                    previous_head=previous,
                    head=head,
                )
        if status == APPEND_NEEDS_SNAPSHOT:
            # A caller without the action's events, or Redis's head or records not the
            # ones this state was played on: the whole state, as the new snapshot (its
            # records apart, so the next turn boundary only adds that turn's).
            boundary = True
            status, cached = await self._cache.write(
                state.game_id,
                state.version,
                snapshot or encode_snapshot(without_log(state)),
                MODE_DIRTY,
                identity,
                head=head,
                records=records_json(state.action_log),
            )
        if boundary and status != CACHE_REFUSED:
            self._remember_snapshot(state.game_id, state.version)
        if status != CACHE_REFUSED:
            # The cached copy is now this caller's state, written on this instance.
            self._epoch.trust(state.game_id, identity)
        return status, cached

    async def _check_new_save(self, state: GameState, identity: str) -> None:
        """Refuse `state` unless it contains PostgreSQL's; replace a cached copy that does not."""
        game_id = state.game_id
        try:
            stored = await self._rows.stored(game_id)
        except GameStoreUnavailableError as exc:
            logger.debug("game %s: saved unchecked, PostgreSQL unreachable: %s", game_id, exc)
            return
        if stored.version is None or stored.ended:
            return
        if state.version < stored.version:
            raise StaleStateError(game_id, state.version, stored.version, "PostgreSQL")
        if not _contains(state, stored.version, stored.lineage):
            self._rows.diverged(game_id, state.version, stored.version)
        cached = await self._cache.read(game_id, identity)
        if cached.state is None and cached.problem is None:
            return
        if cached.state is None or not _contains(cached.state, stored.version, stored.lineage):
            await self._replace_cached(game_id, cached, identity, stored.version)

    # -- loads --------------------------------------------------------------------------

    async def load(self, game_id: UUID, *, recache: bool) -> GameState | None:
        """See `GameStateManager.load_state`; without `recache`, Redis is only read."""
        if await self._cache.ready():
            try:
                state = await self._cache.on_one_instance(
                    lambda: self._load_checked(game_id, recache=recache)
                )
            except RedisError as exc:
                self._cache.health.failed("load_state", exc)
            else:
                self._cache.health.ok()
                return state
        row = await self._rows.read(game_id)
        return None if row is None else row[0]

    async def current(self, known: GameState) -> GameState | None:
        """See `GameStateManager.current_state`."""
        game_id = known.game_id
        if await self._cache.ready():
            identity, trusted = self._epoch.snapshot(game_id)
            if trusted:
                try:
                    head = await self._cache.on_one_instance(
                        lambda: self._cache.head(game_id, identity)
                    )
                except RedisError as exc:
                    self._cache.health.failed("load_state", exc)
                else:
                    self._cache.health.ok()
                    chain = self._rows.chain(known)
                    if head == (known.version, head_digest(chain)):
                        return known
        return await self.load(game_id, recache=True)

    async def _load_checked(self, game_id: UUID, *, recache: bool) -> GameState | None:
        identity, trusted = self._epoch.snapshot(game_id)
        cached = await self._cache.read(game_id, identity)
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
        stored = await self._rows.stored(game_id)
        if stored.ended:
            await self._cache.drop(game_id)
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
            row = await self._rows.read(game_id)
            return None if row is None else row[0]
        state = await self._replace_cached(game_id, cached, identity, stored.version)
        self._epoch.trust(game_id, identity)
        return state

    async def _load_missing(
        self, game_id: UUID, identity: str, *, recache: bool
    ) -> GameState | None:
        """A cache miss: PostgreSQL's copy is the latest there is, unless the game ended.

        Redis keeps the end of a game for the cache TTL: a PostgreSQL restored from before
        that end still has the game active, and must not serve it until the restore check
        has moved it back to the history.
        """
        if await self._cache.has_ended(game_id):
            return None
        row = await self._rows.read(game_id)
        if row is None:
            return None
        state, payload = row
        if recache:
            await self._cache.write(game_id, state.version, payload, MODE_CLEAN, identity)
            self._epoch.trust(game_id, identity)
        return state

    async def _replace_cached(
        self, game_id: UUID, cached: CachedCopy, identity: str, stored_version: int | None
    ) -> GameState | None:
        """Replace the cached copy by PostgreSQL's state, if it is still the copy `cached` saw.

        Returns PostgreSQL's state (None when it has no row any more).

        Raises:
            CacheMoved: the cached copy changed meanwhile; start over.
        """
        row = await self._rows.read(game_id)
        if row is None:
            return None
        state, payload = row
        status, _ = await self._cache.write(
            game_id, state.version, payload, MODE_REPLACE, identity, cached.seen
        )
        if status == CACHE_MOVED:
            raise CacheMoved
        if cached.state is not None:
            logger.warning(
                "game %s: Redis held version %d, %s PostgreSQL's version %d; "
                "replaced it with PostgreSQL's",
                game_id,
                cached.state.version,
                "older than" if cached.state.version < state.version else "diverged from",
                state.version if stored_version is None else stored_version,
            )
        return state

    # -- the event stream ---------------------------------------------------------------

    async def events_since(
        self, game_id: UUID, version: int, seat: int | None
    ) -> EventsSince | None:
        """See `GameStateManager.events_since`."""
        if await self._cache.ready():
            try:
                copy = await self._cache.on_one_instance(lambda: self._events_checked(game_id))
            except RedisError as exc:
                self._cache.health.failed("events_since", exc)
            else:
                self._cache.health.ok()
                if copy is not None and copy.state is not None:
                    return _events_after(copy, version, seat)
        # Redis is down or holds no usable log: PostgreSQL has snapshots only.
        row = await self._rows.stored(game_id)
        if row.version is None:
            return None
        return EventsSince(version=row.version, events=[], resync=row.version != version)

    async def _events_checked(self, game_id: UUID) -> CachedCopy | None:
        identity, trusted = self._epoch.snapshot(game_id)
        if not trusted:
            # Compared with PostgreSQL (and replaced if it must be) before it is read.
            if await self._load_checked(game_id, recache=True) is None:
                return None
            identity, _ = self._epoch.snapshot(game_id)
        return await self._cache.read(game_id, identity)

    # -- persists -----------------------------------------------------------------------

    async def persist(self, state: GameState, also: PersistHook | None = None) -> PersistOutcome:
        """See `GameStateManager.persist_to_db`."""
        outcome, _ = await self._rows.upsert(state, state.model_dump_json(), also)
        await self.after_persist(state.game_id, state.version, outcome)
        return outcome

    async def after_persist(self, game_id: UUID, version: int, outcome: PersistOutcome) -> None:
        """Clear the dirty mark of a persisted version, or forget a game that has ended."""
        if outcome is PersistOutcome.GAME_ENDED:
            await self._forget(game_id)
            return
        # The state is in PostgreSQL: a busy Redis leaves the dirty mark for flush_dirty.
        with suppress(GameStoreBusyError):
            await self._cache.clear_dirty_mark(game_id, version, self._rows.high_water)

    async def refresh_after_flush(self, flushed: GameState) -> None:
        """Replace the cached copy just flushed by PostgreSQL's state, unless it changed since."""
        cached = CachedCopy(str(flushed.version), flushed, None)
        try:
            await self._replace_cached(flushed.game_id, cached, ANY_IDENTITY, None)
        except CacheMoved:
            logger.debug("game %s: cached copy changed during the flush", flushed.game_id)
        self._epoch.distrust(flushed.game_id)

    # -- whole games --------------------------------------------------------------------

    async def _forget(self, game_id: UUID) -> None:
        """Drop the game from Redis now, or as soon as Redis answers (or has a free connection).

        Called once the game has left PostgreSQL's active games, so it never raises.
        """
        self._epoch.distrust(game_id)
        self._rows.forget_lineage(game_id)
        await self._cache.drop_soon(game_id)

    async def delete(self, game_id: UUID) -> None:
        """See `GameStateManager.delete_game`."""
        self._epoch.distrust(game_id)
        self._rows.forget_lineage(game_id)
        try:
            await self._cache.drop(game_id)
        except RedisError as exc:
            self._cache.health.failed("delete_game", exc)
            raise GameStoreUnavailableError(
                f"game {game_id}: cannot delete it from Redis ({exc}); nothing was deleted",
            ) from exc
        self._cache.health.ok()
        self._cache.dropped(game_id)
        await self._rows.delete(game_id)

    async def end(self, game_id: UUID, result: GameResult, also: EndHook | None = None) -> bool:
        """See `GameStateManager.end_game`."""
        try:
            state = await self.load(game_id, recache=False)
        except GameStoreUnavailableError as exc:
            raise GameStoreUnavailableError(f"{exc}; nothing changed, call again") from exc
        if state is None:
            return False
        inserted = await self._rows.end(game_id, history_row(game_id, state, result), also)
        await self._cache.remember_end(game_id, ended_record(state, result), self._rows.high_water)
        await self._forget(game_id)
        return inserted
