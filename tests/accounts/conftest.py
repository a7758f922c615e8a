"""An app for the accounts tests, on this run's PostgreSQL and Redis.

Rate limits are high here (tests sign in often from one address); the
rate-limit tests start an app of their own with a low limit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from tests.api.conftest import client_for, make_settings, started


@pytest.fixture(scope="session")
async def accounts_app(database_url: str, redis_url: str) -> AsyncIterator[FastAPI]:
    settings = make_settings(database_url, redis_url, auth_rate_limit=100_000)
    async with started(settings) as app:
        yield app


@pytest.fixture
async def client(accounts_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(accounts_app) as http:
        yield http
