"""Quick match: a queue per mode and preset in Redis, paired by the instance holding the lease.

A player holds at most one ticket (a new one replaces the old). A ticket lives while its
player keeps asking about it (`TicketStore.get` renews it, as a client polling its status
does); one not asked about for `TICKET_IDLE_MS` is dropped, which is what leaving the page
or losing the connection does. Pairing is `app.play.pairing`'s (casual: the longest waiting;
ranked: by Glicko-2 rating with a window that widens, no immediate rematch); the pairs are
taken out of the queue with ``HDEL`` (a ticket removed by another instance, or cancelled
meanwhile, undoes the pair), then the game starts and both tickets say which.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.decks import DeckList
from app.db.session import session_scope
from app.play import ratings
from app.play.errors import PlayNotFoundError
from app.play.lobby import Lobby
from app.play.pairing import RankedWindow, Ticket, pair_casual, pair_ranked
from app.play.records import GameKind, SeatInfo

logger = logging.getLogger(__name__)

TICKET_IDLE_MS = 15_000
"""A ticket nobody asked about for this long is dropped (its player left)."""
TICKET_TTL_S = 3600
PAIR_EVERY_S = 0.25
LEASE_MS = 2_000

Mode = Literal["casual", "ranked"]


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class QueueTicket(BaseModel):
    """One player's place in one queue, and what became of it."""

    model_config = ConfigDict(extra="forbid")

    ticket_id: UUID
    user_id: UUID
    name: str
    mode: Mode
    preset: str
    deck: DeckList
    deck_id: UUID | None = None
    queued_ms: int
    seen_ms: int
    rating: float = ratings.START_RATING
    last_opponent: UUID | None = None
    status: Literal["waiting", "matched", "cancelled"] = "waiting"
    game_id: UUID | None = None


class Matchmaker:
    """The queues and the pairing loop (module docstring)."""

    def __init__(self, lobby: Lobby, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.lobby = lobby
        self.storage = lobby.service.storage
        self._sessionmaker = sessionmaker
        self._task: asyncio.Task[None] | None = None
        self._token = uuid.uuid4().hex
        self.window = RankedWindow()

    @property
    def _now(self) -> int:
        return self.lobby.service.now_ms()

    def _queue_key(self, mode: str, preset: str) -> str:
        return self.storage.key("queue", mode, preset)

    def _ticket_key(self, ticket_id: UUID) -> str:
        return self.storage.key("ticket", str(ticket_id))

    # -- tickets ---------------------------------------------------------------------------

    async def enqueue(
        self, user_id: UUID, name: str, mode: Mode, preset: str, deck: DeckList, deck_id: UUID
    ) -> QueueTicket:
        """Queue `user_id` (replacing a ticket they had)."""
        redis = self.storage.redis
        previous = await redis.get(self.storage.key("ticket-of", str(user_id)))
        if previous is not None:
            with contextlib.suppress(PlayNotFoundError):
                await self.cancel(user_id, UUID(_text(previous)))
        rating = ratings.START_RATING
        last = None
        if mode == "ranked":
            async with session_scope(self._sessionmaker) as session:
                rating = (await ratings.read_ratings(session, [user_id], preset))[user_id].rating
            raw = await redis.get(self.storage.key("last-opponent", str(user_id)))
            last = None if raw is None else UUID(_text(raw))
        now = self._now
        ticket = QueueTicket(
            ticket_id=uuid.uuid4(),
            user_id=user_id,
            name=name,
            mode=mode,
            preset=preset,
            deck=deck,
            deck_id=deck_id,
            queued_ms=now,
            seen_ms=now,
            rating=rating,
            last_opponent=last,
        )
        await self._save(ticket)
        await redis.set(
            self.storage.key("ticket-of", str(user_id)), str(ticket.ticket_id), ex=TICKET_TTL_S
        )
        await redis.hset(
            self._queue_key(mode, preset), str(ticket.ticket_id), ticket.model_dump_json()
        )
        await redis.sadd(self.storage.key("queues"), f"{mode}:{preset}")
        return ticket

    async def _save(self, ticket: QueueTicket) -> None:
        await self.storage.redis.set(
            self._ticket_key(ticket.ticket_id), ticket.model_dump_json(), ex=TICKET_TTL_S
        )

    async def get(self, user_id: UUID, ticket_id: UUID) -> QueueTicket:
        """The ticket, renewed (asking keeps it in the queue).

        Raises:
            PlayNotFoundError: no such ticket of this user.
        """
        raw = await self.storage.redis.get(self._ticket_key(ticket_id))
        if raw is None:
            raise PlayNotFoundError("no such ticket")
        ticket = QueueTicket.model_validate_json(raw)
        if ticket.user_id != user_id:
            raise PlayNotFoundError("no such ticket")
        if ticket.status == "waiting":
            ticket.seen_ms = self._now
            await self._save(ticket)
            queue = self._queue_key(ticket.mode, ticket.preset)
            # Only while it is still queued: HSET would put back a ticket just paired.
            if await self.storage.redis.hexists(queue, str(ticket_id)):
                await self.storage.redis.hset(queue, str(ticket_id), ticket.model_dump_json())
        return ticket

    async def cancel(self, user_id: UUID, ticket_id: UUID) -> None:
        """Leave the queue (a ticket already matched stays matched).

        Raises:
            PlayNotFoundError: no such ticket of this user.
        """
        ticket = await self.get(user_id, ticket_id)
        removed = await self.storage.redis.hdel(
            self._queue_key(ticket.mode, ticket.preset), str(ticket_id)
        )
        if removed:
            ticket.status = "cancelled"
            await self._save(ticket)

    # -- pairing ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the pairing loop."""
        self._task = asyncio.create_task(self._loop(), name="play-matchmaker")

    async def stop(self) -> None:
        """Stop it."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _loop(self) -> None:
        lease = self.storage.key("matchmaker-lease")
        while True:
            await asyncio.sleep(PAIR_EVERY_S)
            try:
                redis = self.storage.redis
                holder = await redis.set(lease, self._token, nx=True, px=LEASE_MS)
                if not holder:
                    current = await redis.get(lease)
                    if current is None or _text(current) != self._token:
                        continue
                    await redis.pexpire(lease, LEASE_MS)
                await self.pair_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                logger.warning("matchmaker: %s", exc)

    async def pair_once(self) -> int:
        """Pair every queue once; the number of games started."""
        started = 0
        for raw in await self.storage.redis.smembers(self.storage.key("queues")):
            mode, preset = _text(raw).split(":", 1)
            started += await self._pair_queue(mode, preset)
        return started

    async def _pair_queue(self, mode: str, preset: str) -> int:
        redis = self.storage.redis
        key = self._queue_key(mode, preset)
        now = self._now
        tickets: dict[str, QueueTicket] = {}
        for ticket_id, raw in (await redis.hgetall(key)).items():
            ticket = QueueTicket.model_validate_json(raw)
            if now - ticket.seen_ms > TICKET_IDLE_MS:
                if await redis.hdel(key, ticket_id):
                    ticket.status = "cancelled"
                    await self._save(ticket)
                continue
            tickets[str(ticket.user_id)] = ticket
        views = [
            Ticket(
                user_id=str(ticket.user_id),
                queued_at_ms=ticket.queued_ms,
                rating=ticket.rating,
                last_opponent=None if ticket.last_opponent is None else str(ticket.last_opponent),
            )
            for ticket in tickets.values()
        ]
        pairs = pair_ranked(views, self.window, now) if mode == "ranked" else pair_casual(views)
        started = 0
        for first, second in pairs:
            a, b = tickets[first.user_id], tickets[second.user_id]
            taken = [await redis.hdel(key, str(t.ticket_id)) for t in (a, b)]
            if not all(taken):
                for ticket, was in zip((a, b), taken, strict=True):
                    if was:
                        await redis.hset(key, str(ticket.ticket_id), ticket.model_dump_json())
                continue
            await self._start(GameKind(mode), preset, a, b)
            started += 1
        return started

    async def _start(self, kind: GameKind, preset: str, a: QueueTicket, b: QueueTicket) -> None:
        seats = [
            SeatInfo(
                user_id=t.user_id, name=t.name, deck=t.deck, deck_id=t.deck_id, rating=t.rating
            )
            for t in (a, b)
        ]
        record = await self.lobby.create_match(kind, preset, seats)
        redis = self.storage.redis
        for ticket, other in ((a, b), (b, a)):
            ticket.status = "matched"
            ticket.game_id = record.game_id
            await self._save(ticket)
            if kind is GameKind.RANKED:
                await redis.set(
                    self.storage.key("last-opponent", str(ticket.user_id)),
                    str(other.user_id),
                    ex=86_400,
                )
