"""Fixtures for the accounts services: the bundled catalog and starter decks, users that commit."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from functools import cache

import pytest
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.catalog.card_service import CardService
from app.catalog.deck_validation import load_starter_decks
from app.config import PROJECT_ROOT
from app.core.decks import StarterDeck
from app.db.models import User
from tests.db.factories import new_user


@cache
def bundled_cards() -> CardService:
    return CardService.load(PROJECT_ROOT / "data" / "cards")


@pytest.fixture(scope="session")
def cards() -> CardService:
    return bundled_cards()


@pytest.fixture(scope="session")
def starters() -> dict[str, StarterDeck]:
    return load_starter_decks(PROJECT_ROOT / "data" / "decks")


@pytest.fixture
async def committed_user(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[uuid.UUID]:
    """A user committed for real (for tests with concurrent transactions), deleted after."""
    async with sessionmaker() as session:
        user = new_user()
        session.add(user)
        await session.commit()
        user_id = user.id
    yield user_id
    async with sessionmaker() as session:
        await session.execute(delete(User).where(User.id == user_id))
        await session.commit()
