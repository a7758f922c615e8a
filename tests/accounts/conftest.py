"""An app for the accounts tests on this run's PostgreSQL and Redis, with real local providers.

Google is `oidc-provider-mock` (a real OpenID Connect provider) and Discord a
real OAuth 2.0 server in Discord's shape (`tests.accounts.discord_server`),
each a process on a free loopback port for the whole run. The collections and
decks tests use the bundled catalog and starter decks, and sign in as guests. Rate limits are
high here (tests sign in often from one address); the rate-limit tests start
an app of their own with a low limit.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from functools import cache
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.catalog.card_service import CardService
from app.catalog.deck_validation import load_starter_decks
from app.config import PROJECT_ROOT, Settings
from app.core.decks import StarterDeck
from app.db.models import User
from tests.accounts import discord_server
from tests.accounts.helpers import bearer, guest_tokens
from tests.accounts.providers import discord_command, free_port, oidc_command, running
from tests.api.conftest import client_for, make_settings, services_of, started
from tests.db.factories import new_user

GOOGLE_CLIENT_ID = "mantimon-test"
REDIRECT_BASE = "http://testserver/app/"


@pytest.fixture(scope="session")
def oidc_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("oidc") / "oidc.log"
    with running(oidc_command(port), f"{url}/.well-known/openid-configuration", log):
        yield url


@pytest.fixture(scope="session")
def discord_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("discord") / "discord.log"
    with running(discord_command(port), f"{url}/oauth2/authorize?x=1", log, ok=(400,)):
        yield url


def provider_settings(oidc: str, discord: str) -> dict[str, Any]:
    return {
        "public_base_url": "http://testserver",
        "auth_redirect_allowlist": [REDIRECT_BASE],
        "google_client_id": GOOGLE_CLIENT_ID,
        "google_client_secret": "google-test-secret",
        "google_discovery_url": f"{oidc}/.well-known/openid-configuration",
        "discord_client_id": discord_server.CLIENT_ID,
        "discord_client_secret": discord_server.CLIENT_SECRET,
        "discord_authorize_url": f"{discord}/oauth2/authorize",
        "discord_token_url": f"{discord}/api/oauth2/token",
        "discord_user_url": f"{discord}/api/users/@me",
    }


@pytest.fixture(scope="session")
def accounts_settings(
    database_url: str, redis_url: str, oidc_url: str, discord_url: str
) -> Settings:
    return make_settings(
        database_url,
        redis_url,
        auth_rate_limit=100_000,
        **provider_settings(oidc_url, discord_url),
    )


@pytest.fixture(scope="session")
async def accounts_app(accounts_settings: Settings) -> AsyncIterator[FastAPI]:
    async with started(accounts_settings) as app:
        yield app


@pytest.fixture
async def client(accounts_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(accounts_app) as http:
        yield http


@pytest.fixture
async def browser() -> AsyncIterator[httpx.AsyncClient]:
    """The player's browser talking to the providers over real HTTP (no redirects followed)."""
    async with httpx.AsyncClient(timeout=10) as http:
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
