"""Fixtures for the accounts services: the bundled catalog and starter decks, users that commit."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from functools import cache
from typing import Annotated, Any, get_args

import httpx
import pytest
from fastapi import Depends, FastAPI, Request
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.accounts.deps import CurrentUser
from app.api.deps import AppServices, get_services
from app.catalog.card_service import CardService
from app.catalog.deck_validation import load_starter_decks
from app.config import PROJECT_ROOT
from app.core.decks import StarterDeck
from app.db.models import User
from tests.api.conftest import client_for, make_settings, services_of, started
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


# ------------------------------------------------------------------ over HTTP


@pytest.fixture(scope="session")
async def accounts_app(database_url: str, redis_url: str) -> AsyncIterator[FastAPI]:
    """The app started by its real lifespan, for the accounts routes."""
    async with started(make_settings(database_url, redis_url)) as app:
        app.dependency_overrides[_current_user_dependency()] = _user_from_test_header
        yield app


@pytest.fixture(scope="session")
async def client(accounts_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(accounts_app) as http:
        yield http


def _current_user_dependency() -> Any:
    _, depends = get_args(CurrentUser)
    return depends.dependency


async def _user_from_test_header(
    request: Request, services: Annotated[AppServices, Depends(get_services)]
) -> User:
    """Stands in for sign-in until it is merged: the user whose id the test header names."""
    async with services.sessionmaker() as session:
        user = await session.get(User, uuid.UUID(request.headers["X-Test-User"]))
    assert user is not None
    return user


async def user_headers(app: FastAPI, **overrides: Any) -> dict[str, str]:
    """Headers authenticating a new user of `app`."""
    async with services_of(app).sessionmaker() as session:
        user = new_user(**overrides)
        session.add(user)
        await session.commit()
    return {"X-Test-User": str(user.id)}
