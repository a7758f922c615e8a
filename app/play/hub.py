"""One per service process: its live connections by game, fed from the games' Redis channels.

The hub subscribes to a game's channel while it holds a connection to that game, and hands
each message to those connections (`app.play.connection.PlayConnection.deliver`). Pub/sub
delivers at most once: a connection that sees a version gap fetches what it missed from the
game store, and after the hub's own subscription broke (Redis restarted or failed over) every
connection catches up the same way.

It also keeps who is connected to which seat in Redis (a sorted set per seat of connection
ids by lease expiry, renewed by each instance for its own connections), so a seat counts as
gone only when no instance holds a connection for it, and an instance killed outright stops
counting once its leases run out.

Work for every connection is done for all of them at once, so that it costs little per
connection: lease renewals go to Redis in one pipeline, and the sessions behind the
connections are checked in one query every ``play_session_check_seconds`` (a connection
whose session was ended is told so and closed).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections import defaultdict
from typing import TYPE_CHECKING, Any
from uuid import UUID

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from app.play.scheduler import stop_task
from app.play.service import PlayService

if TYPE_CHECKING:
    from app.accounts.sessions import SessionGuard
    from app.play.connection import PlayConnection

logger = logging.getLogger(__name__)

LEASE_MS = 30_000
"""How long a connection counts as present without its instance renewing it."""
RENEW_S = 10.0


class Hub:
    """The process's connections and its subscription to their games' channels."""

    def __init__(self, service: PlayService, sessions: SessionGuard) -> None:
        self.service = service
        self._sessions = sessions
        self.instance = uuid.uuid4().hex[:12]
        self._by_game: dict[UUID, set[PlayConnection]] = defaultdict(set)
        self._channels: dict[bytes, UUID] = {}
        self._pubsub: Any = None
        self._tasks: list[asyncio.Task[None]] = []
        self._subscribed = asyncio.Event()
        self._stopping = False

    async def start(self) -> None:
        """Start listening and renewing leases."""
        self._tasks = [
            asyncio.create_task(self._listen(), name="play-hub-listen"),
            asyncio.create_task(self._renew(), name="play-hub-renew"),
            asyncio.create_task(self._check_sessions(), name="play-hub-sessions"),
        ]

    async def stop(self) -> None:
        """Close every connection (clients reconnect elsewhere) and stop listening."""
        for connections in list(self._by_game.values()):
            for connection in list(connections):
                await connection.close(1012, "the server is restarting; reconnect")
        self._stopping = True
        self._subscribed.set()
        for task in self._tasks:
            await stop_task(task)
        if self._pubsub is not None:
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()

    @property
    def connection_count(self) -> int:
        """Open connections on this instance."""
        return sum(len(group) for group in self._by_game.values())

    # -- joining and leaving ---------------------------------------------------------------

    async def join(self, connection: PlayConnection) -> None:
        """Deliver the game's messages to `connection` from now on; count it present."""
        game_id = connection.game_id
        first = not self._by_game[game_id]
        self._by_game[game_id].add(connection)
        if first:
            channel = self.service.storage.channel(game_id).encode()
            self._channels[channel] = game_id
            if self._pubsub is not None:
                with contextlib.suppress(RedisError, OSError):
                    await self._pubsub.subscribe(channel)
            self._subscribed.set()
        if connection.seat is not None:
            await self._present(connection, True)

    async def leave(self, connection: PlayConnection) -> None:
        """Stop delivering to `connection`; when no instance holds its seat, the seat is away."""
        game_id = connection.game_id
        group = self._by_game.get(game_id)
        if group is not None:
            group.discard(connection)
            if not group:
                del self._by_game[game_id]
                channel = self.service.storage.channel(game_id).encode()
                self._channels.pop(channel, None)
                if self._pubsub is not None:
                    with contextlib.suppress(RedisError, OSError):
                        await self._pubsub.unsubscribe(channel)
        if connection.seat is not None:
            with contextlib.suppress(RedisError, OSError, Exception):
                await self._present(connection, False)

    def _presence_key(self, game_id: UUID, seat: int) -> str:
        return self.service.storage.key("presence", f"{{{game_id}}}", str(seat))

    async def _present(self, connection: PlayConnection, present: bool) -> None:
        assert connection.seat is not None
        key = self._presence_key(connection.game_id, connection.seat)
        redis = self.service.storage.redis
        now = self.service.now_ms()
        before = await redis.zcount(key, now, "+inf")
        if present:
            await redis.zadd(key, {connection.conn_id: now + LEASE_MS})
            await redis.pexpire(key, LEASE_MS * 4)
            if before == 0:
                await self.service.set_connected(connection.game_id, connection.seat, True)
            return
        await redis.zrem(key, connection.conn_id)
        if before > 0 and await redis.zcount(key, now, "+inf") == 0:
            await self.service.set_connected(connection.game_id, connection.seat, False)

    async def _renew(self) -> None:
        while not self._stopping:
            await asyncio.sleep(RENEW_S)
            now = self.service.now_ms()
            try:
                async with self.service.storage.redis.pipeline(transaction=False) as pipe:
                    for connections in list(self._by_game.values()):
                        for connection in connections:
                            if connection.seat is None:
                                continue
                            key = self._presence_key(connection.game_id, connection.seat)
                            pipe.zadd(key, {connection.conn_id: now + LEASE_MS})
                            pipe.pexpire(key, LEASE_MS * 4)
                    await pipe.execute()
            except (RedisError, OSError) as exc:
                logger.warning("play hub: cannot renew presence leases: %s", exc)

    async def _check_sessions(self) -> None:
        while not self._stopping:
            await asyncio.sleep(self.service.settings.play_session_check_seconds)
            connections = [c for group in list(self._by_game.values()) for c in group]
            sessions = {c.session_id for c in connections if c.session_id is not None}
            if not sessions:
                continue
            try:
                live = await self._sessions.live_among(sessions)
            except Exception as exc:  # a database that does not answer closes nobody
                logger.warning("play hub: cannot check the connections' sessions: %s", exc)
                continue
            for connection in connections:
                if connection.session_id is not None and connection.session_id not in live:
                    connection.end_session()

    # -- the channel -----------------------------------------------------------------------

    async def _listen(self) -> None:
        while not self._stopping:
            try:
                await self._listen_once()
            except asyncio.CancelledError:
                raise
            except (RedisConnectionError, RedisTimeoutError, OSError, RedisError) as exc:
                logger.warning("play hub: subscription lost (%s); resubscribing", exc)
                await asyncio.sleep(0.5)
            except Exception:
                logger.exception("play hub: listener failed; restarting it")
                await asyncio.sleep(0.5)
            # Whatever was published meanwhile is lost to this instance: catch everyone up.
            for connections in list(self._by_game.values()):
                for connection in list(connections):
                    connection.catch_up_soon()

    async def _listen_once(self) -> None:
        if self._pubsub is not None:
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()
        self._pubsub = self.service.storage.redis.pubsub()
        await self._subscribed.wait()
        if self._stopping:
            return
        channels = list(self._channels)
        # A channel of its own keeps the subscription open while no game is served.
        await self._pubsub.subscribe(self.service.storage.key("hub", self.instance), *channels)
        while not self._stopping:
            message = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
            if message is None or message.get("type") != "message":
                continue
            game_id = self._channels.get(message["channel"])
            if game_id is None:
                continue
            # Parsed once here for every connection (each only reads it).
            parsed = json.loads(message["data"])
            for connection in list(self._by_game.get(game_id, ())):
                connection.deliver(parsed)
