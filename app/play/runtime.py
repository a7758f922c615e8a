"""The game service's parts in one process, built and started by the app's lifespan."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.accounts.sessions import SessionGuard
from app.config import Settings
from app.core.cards import CardDefinition
from app.core.decks import StarterDeck
from app.db.redis import RedisClient
from app.play.hub import Hub
from app.play.lobby import Lobby
from app.play.matchmaking import Matchmaker
from app.play.scheduler import Scheduler
from app.play.service import PlayService
from app.play.storage import PlayStorage
from app.store.manager import GameStateManager


@dataclass(slots=True)
class PlayRuntime:
    """The storage, service, lobby, queue, connections hub and timer loop of one process."""

    service: PlayService
    lobby: Lobby
    matchmaker: Matchmaker
    hub: Hub
    scheduler: Scheduler

    @classmethod
    def build(
        cls,
        settings: Settings,
        redis: RedisClient,
        sessionmaker: async_sessionmaker[AsyncSession],
        games: GameStateManager,
        cards: Mapping[str, CardDefinition],
        starters: Mapping[str, StarterDeck],
        sessions: SessionGuard,
    ) -> PlayRuntime:
        """Every part, wired; nothing runs until `start`.

        `sessions` is the accounts' guard, shared with HTTP: the hub checks its connections'
        sessions through it, so a sign-out seen by either is seen by both.
        """
        storage = PlayStorage(redis, sessionmaker, settings.redis_key_prefix)
        service = PlayService(settings, storage, games, cards)
        lobby = Lobby(service, starters)
        return cls(
            service=service,
            lobby=lobby,
            matchmaker=Matchmaker(lobby, sessionmaker),
            hub=Hub(service, sessions),
            scheduler=Scheduler(service),
        )

    async def start(self) -> None:
        """Listen to the games' channels, fire deadlines, pair the queues."""
        await self.hub.start()
        await self.scheduler.start()
        await self.matchmaker.start()

    async def stop(self) -> None:
        """Stop pairing and firing, then close every connection (clients reconnect elsewhere)."""
        await self.matchmaker.stop()
        await self.scheduler.stop()
        await self.hub.stop()
