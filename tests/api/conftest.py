"""An app started by its real lifespan on this run's PostgreSQL and Redis, and a client for it.

The shared `api` app is started once per run, on keys under a prefix of its own
(deleted at the end, never a flush). Tests that need a start-up or shutdown of
their own use `started` with settings from `api_settings`.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.api.deps import AppServices
from app.config import Environment, Settings
from app.db.redis import build_redis
from app.main import create_app
from tests.harness.redis import (
    TEST_KEY_NAMESPACE,
    cluster_run,
    delete_keys_under,
    redis_test_settings,
)


def unique_prefix() -> str:
    return f"{TEST_KEY_NAMESPACE}api-{uuid.uuid4().hex[:12]}:"


def make_settings(database_url: str, redis_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "environment": Environment.TEST,
        "database_url": database_url,
        "redis_url": redis_url,
        "redis_cluster": cluster_run(),
        "redis_key_prefix": unique_prefix(),
        "redis_retry_attempts": 1,
        "redis_connect_timeout": 1.0,
        "db_pool_size": 2,
        "db_max_overflow": 2,
    }
    return Settings(**(values | overrides))


@asynccontextmanager
async def started(settings: Settings, *, clean_redis: bool = True) -> AsyncIterator[FastAPI]:
    """An app created on `settings` and run through its lifespan; its Redis keys deleted after."""
    app = create_app(settings)
    try:
        async with app.router.lifespan_context(app):
            yield app
    finally:
        if clean_redis and settings.redis_url is not None:
            cleaner = build_redis(redis_test_settings(settings.redis_url))
            try:
                await delete_keys_under(cleaner, settings.redis_key_prefix)
            finally:
                await cleaner.aclose()


def client_for(app: FastAPI, *, raise_app_exceptions: bool = True) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=raise_app_exceptions)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


def services_of(app: FastAPI) -> AppServices:
    services = app.state.services
    assert isinstance(services, AppServices)
    return services


@pytest.fixture(scope="session")
async def api_app(database_url: str, redis_url: str) -> AsyncIterator[FastAPI]:
    async with started(make_settings(database_url, redis_url)) as app:
        yield app


@pytest.fixture(scope="session")
async def api(api_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(api_app) as client:
        yield client
