"""The services a running app holds, and the FastAPI dependencies that hand them to routes.

The lifespan (`app.main`) builds one `AppServices` at start-up and stores it on
``app.state.services``; routes never build clients of their own, they declare
``cards: CardsDep`` (and so on) and receive the instance the lifespan owns.
Tests replace a service by overriding a dependency, or by starting the app on
other settings.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.accounts.service import Accounts
from app.accounts.signin import SignInFlows
from app.api.errors import ServiceUnavailableError
from app.catalog.card_service import CardService
from app.catalog.deck_validation import load_starter_decks
from app.config import Settings
from app.core.decks import StarterDeck
from app.db.redis import RedisClient
from app.play.runtime import PlayRuntime
from app.runtime import Infrastructure
from app.store.manager import GameStateManager


@dataclass(frozen=True, slots=True)
class AppServices:
    """Everything the lifespan started, alive from the end of start-up to the start of shutdown.

    ``schema_head`` is the newest migration this code ships, read once at
    start-up: it cannot change while the process runs.
    """

    settings: Settings
    infrastructure: Infrastructure
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    redis: RedisClient
    cards: CardService
    games: GameStateManager
    schema_head: str | None
    accounts: Accounts
    signin: SignInFlows
    play: PlayRuntime


def get_app_settings(request: Request) -> Settings:
    """The settings the app was created with (available before start-up completes)."""
    settings: Settings = request.app.state.settings
    return settings


def get_services(request: Request) -> AppServices:
    """The running app's services.

    Raises:
        ServiceUnavailableError: the app is not started (or already stopping); a 503.
    """
    services = getattr(request.app.state, "services", None)
    if not isinstance(services, AppServices):
        raise ServiceUnavailableError("the service is not running: it is starting or stopping")
    return services


def get_cards(services: Annotated[AppServices, Depends(get_services)]) -> CardService:
    """The card catalog loaded at start-up."""
    return services.cards


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
ServicesDep = Annotated[AppServices, Depends(get_services)]
CardsDep = Annotated[CardService, Depends(get_cards)]


async def get_session(services: ServicesDep) -> AsyncIterator[AsyncSession]:
    """A session for one request; the route commits what it changed, anything else rolls back."""
    async with services.sessionmaker() as session:
        yield session


@cache
def _starter_decks(decks_dir: Path) -> Mapping[str, StarterDeck]:
    return MappingProxyType(load_starter_decks(decks_dir))


def get_starters(settings: SettingsDep) -> Mapping[str, StarterDeck]:
    """The starter decks shipped in ``DECKS_DIR``, read once per folder."""
    return _starter_decks(settings.decks_dir)


SessionDep = Annotated[AsyncSession, Depends(get_session)]
StartersDep = Annotated[Mapping[str, StarterDeck], Depends(get_starters)]
