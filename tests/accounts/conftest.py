"""An app for the accounts tests, on this run's PostgreSQL and Redis; the catalog and starters.

Rate limits are high here (tests sign in often from one address); the
rate-limit tests start an app of their own with a low limit.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from functools import cache
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.catalog.card_service import CardService
from app.catalog.deck_validation import load_starter_decks
from app.config import PROJECT_ROOT
from app.core.decks import StarterDeck
from app.db.models import User
from tests.accounts.helpers import bearer, guest_tokens
from tests.api.conftest import client_for, make_settings, services_of, started
from tests.db.factories import new_user


@pytest.fixture(scope="session")
async def accounts_app(database_url: str, redis_url: str) -> AsyncIterator[FastAPI]:
    settings = make_settings(database_url, redis_url, auth_rate_limit=100_000)
    async with started(settings) as app:
        yield app


@pytest.fixture
async def client(accounts_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(accounts_app) as http:
        yield http


async def signed_in(app: FastAPI, client: httpx.AsyncClient, **columns: Any) -> dict[str, str]:
    """A new guest's headers (real sign-in); `columns` are then set on the user (is_premium)."""
    tokens = await guest_tokens(client)
    user = tokens["user"]
    assert isinstance(user, dict)
    if columns:
        async with services_of(app).sessionmaker() as session:
            await session.execute(
                update(User).where(User.id == uuid.UUID(user["id"])).values(**columns)
            )
            await session.commit()
    return bearer(str(tokens["access_token"]))


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
