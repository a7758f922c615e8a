"""Where the game service keeps what it shares between instances: Redis, PostgreSQL behind it.

* a game's record (`app.play.records.GameRecord`): Redis, copied to PostgreSQL at creation,
  turn boundaries and the end; read from PostgreSQL when Redis no longer has it;
* a game's lock: one holder at a time changes a game, whichever instance it runs on (a
  ``SET NX PX`` lease with a random token, released only by its holder); the store's version
  check stays the last word should a lease ever expire under a slow holder;
* the deadlines: one sorted set of game ids by the time something must happen to them
  (a bot's move, a timer, a grace window), so any instance can fire them;
* the game's channel: ``PUBLISH`` of what changed, to every instance with a connection to it.

A game's keys carry its id as a hash tag, so on a Redis Cluster they share a slot.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Final
from uuid import UUID

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from app.db.models.play import PlayGame
from app.db.redis import RedisClient, prefixed
from app.db.session import session_scope
from app.errors import MantimonError
from app.play.records import GameRecord

LOCK_LEASE_MS = 5_000
"""How long a game's lock is held at most: far above one action's few milliseconds (and a
searching bot's think), short enough that a killed holder delays its game only briefly."""
LOCK_WAIT_S = 6.0
"""How long a caller waits for a busy game's lock before answering ``unavailable``: past one
lease, so a lock left by a killed instance has run out by then."""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
# Take the lock (KEYS[1]) and read the record (KEYS[2]) in the same round trip: every change
# reads the record first. Returns {0} when the lock is held by another, else {1, record}.
_ACQUIRE = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {1, redis.call('GET', KEYS[2])}
end
return {0}
"""


@dataclass(slots=True)
class Hold:
    """A game's lock, held: the record as it was when the lock was taken, and the token."""

    key: str
    token: str
    record: bytes | None
    """The record's Redis value read with the lock (None: Redis has none), until `load` uses it."""
    released: bool = False


_AUTOCOMMIT: Final = {"isolation_level": "AUTOCOMMIT"}
# A statement written once, not built per call: a record is saved at every turn boundary.
_SAVE_RECORD_SQL: Final = text(
    """
    INSERT INTO play_games (game_id, status, record, updated_at)
    VALUES (CAST(:id AS uuid), :status, CAST(:record AS jsonb), now())
    ON CONFLICT (game_id) DO UPDATE
    SET status = EXCLUDED.status, record = EXCLUDED.record, updated_at = now()
    """
)


class GameBusyError(MantimonError):
    """The game's lock could not be taken in time: nothing was done, try again."""


class PlayStorage:
    """The game service's keys, records, locks, deadlines and channels (module docstring)."""

    def __init__(
        self,
        redis: RedisClient,
        sessionmaker: async_sessionmaker[AsyncSession],
        prefix: str,
    ) -> None:
        self.redis = redis
        self._sessionmaker = sessionmaker
        self._prefix = prefix
        self._release = redis.register_script(_RELEASE)
        self._acquire = redis.register_script(_ACQUIRE)

    def session(self) -> AbstractAsyncContextManager[AsyncSession]:
        """A database session that commits at the end of the block."""
        return session_scope(self._sessionmaker)

    def _game_key(self, game_id: UUID, part: str) -> str:
        return prefixed(self._prefix, "play", f"{{{game_id}}}", part)

    def channel(self, game_id: UUID) -> str:
        """The game's pub/sub channel."""
        return prefixed(self._prefix, "play", "channel", str(game_id))

    def key(self, *parts: str) -> str:
        """A service-wide key (invites, queues, tickets)."""
        return prefixed(self._prefix, "play", *parts)

    @property
    def deadlines_key(self) -> str:
        """The sorted set of game ids by their next deadline (ms since the epoch)."""
        return self.key("deadlines")

    # -- records ---------------------------------------------------------------------------

    async def load(self, game_id: UUID, hold: Hold | None = None) -> GameRecord | None:
        """The game's record: Redis, else PostgreSQL (then put back in Redis); None if unknown.

        With the `hold` of the game's lock, the record read when it was taken (once).
        """
        if hold is not None and hold.record is not None:
            raw: bytes | str | None = hold.record
            hold.record = None
        else:
            raw = await self.redis.get(self._game_key(game_id, "record"))
        if raw is not None:
            return GameRecord.from_json(raw)
        async with session_scope(self._sessionmaker) as session:
            row = (
                await session.execute(select(PlayGame.record).where(PlayGame.game_id == game_id))
            ).scalar_one_or_none()
        if row is None:
            return None
        record = GameRecord.from_json(row)
        await self.redis.set(self._game_key(game_id, "record"), record.to_json())
        return record

    async def save(self, record: GameRecord, *, durable: bool = False) -> None:
        """Write the record to Redis, and to PostgreSQL too when `durable`."""
        if durable:
            await self.save_durable(record)
        await self.redis.set(self._game_key(record.game_id, "record"), record.to_json())

    async def commit(
        self, record: GameRecord, *, durable: bool, message: str | None, hold: Hold | None = None
    ) -> None:
        """After a change: the record, its deadline (``due_ms``) and the change's message.

        The record goes to PostgreSQL too when `durable`. The Redis half is one pipeline (a
        round trip instead of three), in that order, so an instance that hears the message
        finds the record already written; with the `hold` of the game's lock, the lock is
        released at its end (the change is complete).
        """
        if durable:
            await self.save_durable(record)
        game_id = record.game_id
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.set(self._game_key(game_id, "record"), record.to_json())
            if record.due_ms is None:
                pipe.zrem(self.deadlines_key, str(game_id))
            else:
                pipe.zadd(self.deadlines_key, {str(game_id): record.due_ms})
            if message is not None:
                pipe.publish(self.channel(game_id), message)
            if hold is not None:
                # EVAL, not the registered script: a script in a pipeline makes redis-py
                # ask SCRIPT EXISTS first (a round trip more); Redis caches it by its hash.
                pipe.eval(_RELEASE, 1, hold.key, hold.token)
            await pipe.execute()
        if hold is not None:
            hold.released = True

    async def save_durable(self, record: GameRecord) -> None:
        """Write the record to PostgreSQL (insert or replace), one autocommitted statement."""
        async with self._sessionmaker() as session:
            await self.write_durable(
                await session.connection(execution_options=_AUTOCOMMIT), record
            )

    async def write_durable(self, connection: AsyncConnection, record: GameRecord) -> None:
        """`save_durable` on a connection the caller holds (the turn boundary's, in autocommit)."""
        record.namespace = self._prefix
        params = {"id": record.game_id, "status": record.status.value, "record": record.to_json()}
        await connection.execute(_SAVE_RECORD_SQL, params)

    async def records_of(self, user_id: UUID, statuses: tuple[str, ...]) -> list[GameRecord]:
        """The durable records of `user_id`'s games in `statuses`, newest first."""
        seats = PlayGame.record["seats"]
        query = (
            select(PlayGame.record)
            .where(PlayGame.status.in_(statuses))
            .where(seats.contains([{"user_id": str(user_id)}]))
            .order_by(PlayGame.updated_at.desc())
            .limit(50)
        )
        async with session_scope(self._sessionmaker) as session:
            rows = (await session.execute(query)).scalars().all()
        return [GameRecord.from_json(row) for row in rows]

    # -- the lock --------------------------------------------------------------------------

    @asynccontextmanager
    async def locked(self, game_id: UUID) -> AsyncIterator[Hold]:
        """Hold the game's lock for the block (released at its end, or by `commit`).

        Raises:
            GameBusyError: another holder kept it for `LOCK_WAIT_S`.
        """
        key = self._game_key(game_id, "lock")
        token = secrets.token_hex(16)
        loop = asyncio.get_running_loop()
        give_up = loop.time() + LOCK_WAIT_S
        delay = 0.002
        keys = [key, self._game_key(game_id, "record")]
        while not (reply := await self._acquire(keys=keys, args=[token, LOCK_LEASE_MS]))[0]:
            if loop.time() > give_up:
                raise GameBusyError(f"game {game_id} is busy; nothing was done, try again")
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.05)
        hold = Hold(key=key, token=token, record=reply[1] or None)
        try:
            yield hold
        finally:
            if not hold.released:
                await self._release(keys=[key], args=[token])

    # -- deadlines and channels ------------------------------------------------------------

    async def set_deadline(self, game_id: UUID, at_ms: int | None) -> None:
        """Wake the game at `at_ms` (None: nothing is due)."""
        if at_ms is None:
            await self.redis.zrem(self.deadlines_key, str(game_id))
        else:
            await self.redis.zadd(self.deadlines_key, {str(game_id): at_ms})

    async def due(self, now_ms: int, limit: int = 100) -> list[UUID]:
        """Games whose deadline has passed, earliest first."""
        raw = await self.redis.zrangebyscore(self.deadlines_key, "-inf", now_ms, 0, limit)
        return [UUID(item.decode() if isinstance(item, bytes) else str(item)) for item in raw]

    async def durable_deadlines(self) -> dict[UUID, int]:
        """The deadline each active game had at its last durable save (PostgreSQL's record)."""
        due = PlayGame.record["due_ms"].as_string()  # milliseconds overflow a 32-bit integer
        query = (
            select(PlayGame.game_id, due)
            .where(PlayGame.status == "active")
            .where(PlayGame.record["namespace"].as_string() == self._prefix)
            .where(PlayGame.record["due_ms"].as_string().is_not(None))
        )
        async with session_scope(self._sessionmaker) as session:
            rows = (await session.execute(query)).all()
        return {game_id: int(at) for game_id, at in rows if at is not None}

    async def publish(self, game_id: UUID, payload: str) -> None:
        """Tell every instance with a connection to the game what changed."""
        await self.redis.publish(self.channel(game_id), payload)
