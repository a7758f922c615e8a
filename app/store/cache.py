"""The Redis side of the GameStateManager: cached copies, the dirty set, which instance.

Everything the manager sends to Redis goes through `GameCache`: the checked Lua
scripts of `app.store.statements`, which refuse to act on another
Redis instance than the one expected (see `app.store.redis_epoch`), the
pipelines of recovery and flush, and the dirty-set reads of the health checks.
It also remembers the games written through to PostgreSQL while Redis was down,
and re-caches them (or drops them) before Redis is used again, so Redis never
serves an older state than PostgreSQL holds.

It never reads PostgreSQL: deciding when a cached copy must be compared with
PostgreSQL is `app.store.copies`' job.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any, Final, TypeVar
from uuid import UUID

from pydantic import ValidationError
from redis.commands.core import AsyncScript
from redis.exceptions import RedisError

from app.core.game_state import GameState
from app.db.redis import RedisClient
from app.store.errors import (
    GameStoreBusyError,
    GameStoreUnavailableError,
    logger,
    validation_summary,
)
from app.store.keys import SINGLE_SCOPE, KeyLayout
from app.store.log import LogEntry, Replayer, decode_snapshot, entries_in, with_log
from app.store.redis_epoch import (
    ANY_IDENTITY,
    UNKNOWN_IDENTITY,
    RedisEpoch,
    RedisIdentityChanged,
)
from app.store.redis_health import RedisHealth
from app.store.results import DirtyStats
from app.store.statements import (
    APPEND_LUA,
    CACHE_STATE_LUA,
    CLEAR_DIRTY_LUA,
    ENDED_LUA,
    HEAD_LUA,
    IDENTITY_MISMATCH,
    MODE_CLEAN,
    READ_MISSING,
    READ_STATE_LUA,
    SNAPSHOT_LUA,
    identity_token,
)

_CLUSTER_CONCURRENCY: Final = 16
"""Scripts of one batch run at once on a Cluster (below each node's default pool of 50)."""

_IDENTITY_ATTEMPTS: Final = 3
"""How often one operation starts over when Redis turns out to be another instance."""

_T = TypeVar("_T")


class CacheMoved(Exception):
    """A compare-and-set on a cached copy found it changed since it was read."""


@dataclass(frozen=True, slots=True)
class CachedCopy:
    """A game's copy in Redis, as one checked read found it."""

    seen: str
    """The raw version field ("" for no hash): the token of a later compare-and-set."""
    state: GameState | None
    problem: str | None
    """Why the copy is unusable; None when it is usable or absent."""
    snapshot_version: int | None = None
    """The version of the snapshot the state was replayed from (None without a state)."""
    entries: tuple[LogEntry, ...] = ()
    """The log entries replayed on the snapshot, oldest first."""


class GameCache:
    """One manager's view of Redis: its keys, scripts, health and instance identity."""

    def __init__(
        self,
        redis: RedisClient,
        *,
        layout: KeyLayout,
        ttl_seconds: int,
        health: RedisHealth,
        epoch: RedisEpoch,
        replayer: Replayer,
    ) -> None:
        self._redis = redis
        self._replayer = replayer
        self.layout = layout
        self._ttl = ttl_seconds
        self.health = health
        self.epoch = epoch
        self.dirty_key = layout.dirty(SINGLE_SCOPE)
        """A single Redis's dirty set (on a Cluster each bucket has one: `dirty_key_for`)."""
        self._cache_state = redis.register_script(CACHE_STATE_LUA)
        self._append = redis.register_script(APPEND_LUA)
        self._snapshot = redis.register_script(SNAPSHOT_LUA)
        self._ended = redis.register_script(ENDED_LUA)
        self._read_state = redis.register_script(READ_STATE_LUA)
        self._head = redis.register_script(HEAD_LUA)
        self._clear_dirty = redis.register_script(CLEAR_DIRTY_LUA)
        # Games whose Redis entry went stale while Redis was down: the (version, JSON) to
        # cache once it answers again, or None to drop the entry (the game ended meanwhile).
        self._uncached: dict[UUID, tuple[int, str] | None] = {}

    def game_key(self, game_id: UUID) -> str:
        """The Redis key of a game's cached state (`KeyLayout.game`)."""
        return self.layout.game(game_id)

    def dirty_key_for(self, game_id: UUID) -> str:
        """The dirty set the game's mark is in."""
        return self.layout.dirty(self.layout.scope(game_id))

    async def _each(
        self, calls: Sequence[Callable[..., Awaitable[Any]]], *, raise_on_error: bool
    ) -> list[Any]:
        """Run script calls (each given ``client=``) in one pipeline; one reply each.

        A Cluster pipeline cannot carry scripts, so there they run concurrently, at
        most `_CLUSTER_CONCURRENCY` at once (each node's pool does not queue). With
        `raise_on_error` false an entry that failed is its exception.
        """
        if not self.layout.cluster:
            async with self._redis.pipeline(transaction=False) as pipe:
                for call in calls:
                    await call(client=pipe)
                replies: list[Any] = await pipe.execute(raise_on_error=raise_on_error)
            return replies
        gate = asyncio.Semaphore(_CLUSTER_CONCURRENCY)

        async def one(call: Callable[..., Awaitable[Any]]) -> Any:
            async with gate:
                return await call(client=self._redis)

        return list(
            await asyncio.gather(*(one(c) for c in calls), return_exceptions=not raise_on_error)
        )

    # -- Redis health -----------------------------------------------------------------

    async def ready(self) -> bool:
        """Whether to try Redis now; first re-caches what was written through meanwhile."""
        if self.health.waiting():
            return False
        if self._uncached:
            await self._repair()
        return not self.health.waiting()

    async def _repair(self) -> None:
        for game_id, entry in list(self._uncached.items()):
            try:
                if entry is None:
                    await self.drop(game_id)
                else:
                    await self.write(game_id, entry[0], entry[1], MODE_CLEAN)
            except RedisError as exc:
                self.health.failed("re-caching games written through", exc)
                return
            self.health.ok()
            # Compared with PostgreSQL again on next use, whatever the cached copy was.
            self.epoch.distrust(game_id)
            # Another caller may have re-cached (and removed) it while this one waited.
            if game_id in self._uncached and self._uncached[game_id] == entry:
                del self._uncached[game_id]

    def written_through(self, game_id: UUID, version: int, payload: str) -> None:
        """Cache this state written through to PostgreSQL once Redis answers again."""
        self._uncached[game_id] = (version, payload)

    async def drop_soon(self, game_id: UUID) -> None:
        """Drop the game from Redis now, or as soon as Redis answers (or has a free connection).

        Never raises: the game has already left PostgreSQL's active games.
        """
        self._uncached[game_id] = None
        with suppress(GameStoreBusyError):
            await self.ready()  # re-caches what it can: here, drops this game

    def dropped(self, game_id: UUID) -> None:
        """The game's entry is gone from Redis: nothing left to re-cache for it."""
        self._uncached.pop(game_id, None)

    # -- which Redis instance ---------------------------------------------------------

    def _instance_changed(self, identity: str, scope: str) -> None:
        previous = self.epoch.adopt(identity, scope)
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

    async def _checked(
        self, script: AsyncScript, game_id: UUID, keys: list[str], args: list[Any]
    ) -> list[Any]:
        """Run an instance-checked script; raises RedisIdentityChanged (after adopting it)."""
        reply: list[Any] = await script(keys=keys, args=[identity_token(args[0]), *args[1:]])
        if reply[0] == IDENTITY_MISMATCH:
            raw = reply[1]
            identity = raw.decode() if isinstance(raw, bytes) else str(raw)
            self._instance_changed(identity, self.layout.scope(game_id))
            raise RedisIdentityChanged(identity)
        return reply

    async def on_one_instance(self, operation: Callable[[], Awaitable[_T]]) -> _T:
        """Run `operation`, starting over while Redis turns out to be another instance.

        Raises:
            RedisError: the instance changed on every attempt (treated as Redis failing).
        """
        for _ in range(_IDENTITY_ATTEMPTS):
            try:
                return await operation()
            except (RedisIdentityChanged, CacheMoved):
                continue
        raise RedisError(f"Redis changed instance or copy {_IDENTITY_ATTEMPTS} times in a row")

    # -- one game -----------------------------------------------------------------------

    def _cache_call(
        self,
        game_id: UUID,
        version: int,
        payload: str | bytes,
        mode: str,
        identity: str = ANY_IDENTITY,
        expected: str = "",
        head: bytes = b"",
        records: bytes | None = None,
    ) -> dict[str, Any]:
        kept = [b"", ""] if records is None else [records, version]
        return {
            "keys": [self.game_key(game_id), self.dirty_key_for(game_id)],
            "args": [
                identity,
                version,
                payload,
                self._ttl,
                mode,
                str(game_id),
                expected,
                head,
                *kept,
            ],
        }

    async def write(
        self,
        game_id: UUID,
        version: int,
        payload: str | bytes,
        mode: str,
        identity: str = ANY_IDENTITY,
        expected: str = "",
        head: bytes = b"",
        records: bytes | None = None,
    ) -> tuple[int, int]:
        """Write a snapshot (dropping the log); returns its status and the version Redis holds.

        `payload` is a whole state, or with `records` (every action record of the game)
        a state without its log.
        """
        reply = await self._checked(
            self._cache_state,
            game_id,
            **self._cache_call(game_id, version, payload, mode, identity, expected, head, records),
        )
        return int(reply[0]), int(reply[1])

    async def snapshot(
        self,
        game_id: UUID,
        version: int,
        snapshot: bytes,
        identity: str,
        *,
        records: bytes,
        count: int,
        previous_head: bytes,
        head: bytes,
    ) -> tuple[int, int]:
        """At a turn boundary: the new snapshot, and the `count` records since the last one.

        ``APPEND_NEEDS_SNAPSHOT`` means nothing was written: write the whole state instead.
        """
        reply = await self._checked(
            self._snapshot,
            game_id,
            keys=[self.game_key(game_id), self.dirty_key_for(game_id)],
            args=[identity, version, snapshot, self._ttl, records, count, previous_head, head],
        )
        return int(reply[0]), int(reply[1])

    async def append(
        self,
        game_id: UUID,
        version: int,
        entry: str,
        identity: str,
        *,
        previous_head: bytes,
        head: bytes,
    ) -> tuple[int, int]:
        """Append one action's log entry; returns the status and the version Redis holds.

        ``APPEND_NEEDS_SNAPSHOT`` means nothing was written: write the whole state instead.
        """
        reply = await self._checked(
            self._append,
            game_id,
            keys=[self.game_key(game_id), self.dirty_key_for(game_id)],
            args=[identity, version, entry, self._ttl, "", previous_head, head],
        )
        return int(reply[0]), int(reply[1])

    async def read(self, game_id: UUID, identity: str) -> CachedCopy:
        """The game's cached copy: its snapshot with its log replayed, checked to be this game's."""
        reply = await self._checked(self._read_state, game_id, [self.game_key(game_id)], [identity])
        return self._parse(game_id, reply)

    async def head(self, game_id: UUID, identity: str) -> tuple[int, bytes] | None:
        """The version and lineage head of the game's cached copy; None if either is missing."""
        reply = await self._checked(self._head, game_id, [self.game_key(game_id)], [identity])
        if reply[0] != 2 or not reply[1] or not reply[2]:
            return None
        return int(reply[1]), bytes(reply[2])

    def _parse(self, game_id: UUID, reply: list[Any]) -> CachedCopy:
        if reply[0] == READ_MISSING:
            kind = reply[1].decode()
            return CachedCopy("", None, None if kind == "none" else f"the key holds a {kind}")
        seen, raw = reply[1].decode(), reply[2]
        if not raw:
            return CachedCopy(seen, None, None)
        records, kept_to = reply[3], reply[4]
        try:
            payload = decode_snapshot(raw)
            state = GameState.model_validate_json(
                with_log(payload, records) if kept_to else payload
            )
        except ValueError as exc:  # pydantic's ValidationError is a ValueError
            reason = validation_summary(exc) if isinstance(exc, ValidationError) else str(exc)
            return CachedCopy(seen, None, reason)
        if state.game_id != game_id:
            return CachedCopy(seen, None, f"the key holds game {state.game_id}")
        base = state.version
        fields = {
            name.decode(): value for name, value in zip(reply[5::2], reply[6::2], strict=True)
        }
        raw_entries = entries_in(fields)
        try:
            head = int(seen)
        except ValueError:
            return CachedCopy(seen, None, f"its version field is {seen!r}")
        wanted = range(base + 1, head + 1)
        missing = [version for version in wanted if version not in raw_entries]
        if missing:
            return CachedCopy(
                seen,
                None,
                f"its log lacks versions {missing[0]}..{missing[-1]} after the snapshot at "
                f"version {base} (head {head})",
            )
        try:
            entries = tuple(LogEntry.decode(raw_entries[version]) for version in wanted)
            if entries:
                state = self._replayer.replay(state, entries)
        except ValueError as exc:
            return CachedCopy(seen, None, str(exc))
        return CachedCopy(seen, state, None, base, entries)

    async def drop(self, game_id: UUID) -> None:
        """Delete the game's cached copy and its dirty mark, in one transaction."""
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(self.game_key(game_id))
            pipe.zrem(self.dirty_key_for(game_id), str(game_id))
            await pipe.execute()

    async def clear_dirty_mark(self, game_id: UUID, version: int, high_water: int = 0) -> None:
        """Unmark the game if Redis still holds `version`; a failing Redis keeps the mark."""
        if not await self.ready():
            return
        try:
            await self._clear_dirty(
                keys=[
                    self.game_key(game_id),
                    self.dirty_key_for(game_id),
                    self.layout.write_mark(self.layout.scope(game_id)),
                ],
                args=[version, str(game_id), high_water],
            )
        except RedisError as exc:
            self.health.failed("persist_to_db", exc)
        else:
            self.health.ok()

    def ended_game_key(self, game_id: UUID | str) -> str:
        """Where the end of a game is kept after it left the active games."""
        return self.layout.ended_record(game_id)

    async def remember_end(self, game_id: UUID, record: bytes, high_water: int) -> None:
        """Keep `record` (the final state and result) and raise the write mark; never raises."""
        try:
            await self._ended(
                keys=[
                    self.layout.write_mark(self.layout.scope(game_id)),
                    self.layout.ended(self.layout.scope(game_id)),
                    self.ended_game_key(game_id),
                ],
                args=[high_water, str(game_id), record, self._ttl],
            )
        except RedisError as exc:
            logger.warning("game %s: its end is not kept in Redis (%s)", game_id, exc)

    async def has_ended(self, game_id: UUID) -> bool:
        """Whether Redis kept the end of this game (it ended less than a cache TTL ago)."""
        return bool(await self._redis.exists(self.ended_game_key(game_id)))

    async def forget_end(self, game_id: UUID) -> None:
        """Drop the kept end of a game (it is in the history again)."""
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zrem(self.layout.ended(self.layout.scope(game_id)), str(game_id))
            pipe.delete(self.ended_game_key(game_id))
            await pipe.execute()

    async def write_mark(self) -> int | None:
        """The write mark (the highest of the buckets'), None when Redis has none.

        None means a new Redis, or nothing persisted yet.
        """
        async with self._redis.pipeline(transaction=False) as pipe:
            for scope in self.layout.scopes:
                pipe.get(self.layout.write_mark(scope))
            raw: list[bytes | None] = await pipe.execute()
        marks = [int(value) for value in raw if value is not None]
        return max(marks) if marks else None

    async def game_ids(self) -> list[UUID]:
        """Every game with a copy in Redis under this prefix (SCAN, so Redis is never blocked)."""
        found: list[UUID] = []
        async for key in self._redis.scan_iter(match=self.layout.game_pattern, count=500):
            with suppress(ValueError):
                found.append(UUID(key.decode().rsplit(":", 1)[-1]))
        return found

    async def ended_records(self) -> list[tuple[UUID, bytes]]:
        """The kept ends of games (those whose record has not expired)."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for scope in self.layout.scopes:
                pipe.zrange(self.layout.ended(scope), 0, -1)
            per_scope: list[list[bytes]] = await pipe.execute()
        ids = [UUID(member.decode()) for members in per_scope for member in members]
        async with self._redis.pipeline(transaction=False) as pipe:
            for game_id in ids:
                pipe.get(self.ended_game_key(game_id))
            records: list[bytes | None] = await pipe.execute()
        expired = [i for i, record in zip(ids, records, strict=True) if record is None]
        for game_id in expired:
            await self._redis.zrem(self.layout.ended(self.layout.scope(game_id)), str(game_id))
        return [(i, r) for i, r in zip(ids, records, strict=True) if r is not None]

    # -- many games ---------------------------------------------------------------------

    async def recache(self, entries: Sequence[tuple[UUID, int, str]]) -> list[Any]:
        """Cache (game id, version, JSON) states read from PostgreSQL, in one pipeline.

        Returns one reply per entry: the script's reply, or the exception Redis
        answered for that entry.
        """
        return await self._each(
            [
                partial(
                    self._cache_state, **self._cache_call(game_id, version, payload, MODE_CLEAN)
                )
                for game_id, version, payload in entries
            ],
            raise_on_error=False,
        )

    async def dirty_members(self) -> list[str]:
        """The ids of every game marked dirty (in every bucket), oldest change first."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for scope in self.layout.scopes:
                pipe.zrange(self.layout.dirty(scope), 0, -1, withscores=True)
            per_scope: list[list[tuple[bytes, float]]] = await pipe.execute()
        marks = sorted((score, member) for members in per_scope for member, score in members)
        return [member.decode() for _, member in marks]

    async def copies(self, members: Sequence[UUID]) -> list[CachedCopy]:
        """The cached copy of each game in `members`, replayed, read in one pipeline."""
        replies = await self._each(
            [
                partial(self._read_state, keys=[self.game_key(game_id)], args=[ANY_IDENTITY])
                for game_id in members
            ],
            raise_on_error=True,
        )
        copies = []
        for game_id, reply in zip(members, replies, strict=True):
            copies.append(self._parse(game_id, reply))
            # Each is a parse and a replay (milliseconds): a batch of them in one go held a
            # serving process's event loop for a quarter of a second every flush.
            await asyncio.sleep(0)
        return copies

    async def unmark_dirty(self, member: str) -> None:
        """Remove one game id from the dirty set."""
        with suppress(ValueError):
            await self._redis.zrem(self.dirty_key_for(UUID(member)), member)
            return
        await self._redis.zrem(self.dirty_key, member)

    async def dirty_stats(self) -> DirtyStats:
        """See `GameStateManager.dirty_stats`."""
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for scope in self.layout.scopes:
                    pipe.zcard(self.layout.dirty(scope))
                    pipe.zrange(self.layout.dirty(scope), 0, 0, withscores=True)
                replies = await pipe.execute()
            seconds, micros = await self._redis.time()
            count = sum(int(n) for n in replies[0::2])
            firsts: list[list[tuple[bytes, float]]] = [first for first in replies[1::2] if first]
            oldest = min(firsts, key=lambda first: first[0][1], default=[])
        except RedisError as exc:
            self.health.failed("dirty_stats", exc)
            raise GameStoreUnavailableError(f"cannot read the dirty games: {exc}") from exc
        self.health.ok()
        if not oldest:
            return DirtyStats(count=int(count), oldest_change_at=None, oldest_age_seconds=None)
        oldest_ms = float(oldest[0][1])
        now_ms = seconds * 1000 + micros / 1000
        return DirtyStats(
            count=int(count),
            oldest_change_at=datetime.fromtimestamp(oldest_ms / 1000, UTC),
            oldest_age_seconds=max(0.0, (now_ms - oldest_ms) / 1000),
        )
