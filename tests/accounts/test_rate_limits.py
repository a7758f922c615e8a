"""Sign-in and refresh are rate limited per client address and per account: 429 + Retry-After."""

from __future__ import annotations

import uuid

import httpx
from fastapi import FastAPI

from app.config import Settings
from tests.api.conftest import started


def from_address(app: FastAPI, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 4000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


def limited(accounts_settings: Settings) -> Settings:
    prefix = accounts_settings.redis_key_prefix + f"limits-{uuid.uuid4().hex[:6]}:"
    return accounts_settings.model_copy(
        update={"auth_rate_limit": 3, "auth_rate_window_seconds": 60, "redis_key_prefix": prefix}
    )


async def test_per_address(accounts_settings: Settings) -> None:
    async with started(limited(accounts_settings)) as app:
        async with from_address(app, "10.0.0.1") as client:
            for _ in range(3):
                assert (await client.post("/api/v1/auth/guest")).status_code == 201
            refused = await client.post("/api/v1/auth/guest")
            assert refused.status_code == 429
            assert 0 < int(refused.headers["retry-after"]) <= 60
            assert refused.json()["type"] == "urn:mantimon:problem:rate-limited"
            dev = await client.post("/api/v1/auth/dev", json={"display_name": "Limited"})
            assert dev.status_code == 429
            start = await client.get("/api/v1/auth/google/authorize")
            assert start.status_code == 429
        async with from_address(app, "10.0.0.2") as other:
            assert (await other.post("/api/v1/auth/guest")).status_code == 201


async def test_refresh_per_account_across_addresses(accounts_settings: Settings) -> None:
    async with started(limited(accounts_settings)) as app:
        async with from_address(app, "10.1.0.1") as client:
            tokens = (await client.post("/api/v1/auth/guest")).json()
        statuses = []
        for n in range(4):
            async with from_address(app, f"10.1.1.{n}") as client:
                response = await client.post(
                    "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
                )
                statuses.append(response.status_code)
                if response.status_code == 200:
                    tokens = response.json()
                else:
                    assert "retry-after" in response.headers
        assert statuses == [200, 200, 200, 429]
