"""Where the stores come from: configured servers, or embedded ones that keep their data."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from app.config import Environment, Settings, SettingsError
from app.runtime import StoreUnavailableError, infrastructure, open_stores


async def test_embedded_default_starts_stops_and_keeps_data(tmp_path: Path) -> None:
    settings = Settings(environment=Environment.DEV, data_dir=tmp_path / "state")

    async with open_stores(settings) as stores:
        assert stores.infrastructure.embedded == ("postgres", "redis")
        lines = stores.infrastructure.describe()
        assert lines[0].startswith("PostgreSQL (embedded): postgresql+asyncpg://")
        assert lines[1].startswith("Redis (embedded): redis://127.0.0.1:")
        async with stores.engine.begin() as connection:
            await connection.execute(text("CREATE TABLE kept (value text)"))
            await connection.execute(text("INSERT INTO kept VALUES ('across restarts')"))
        await stores.redis.set("mantimon:kept", b"across restarts")
        first_redis = stores.infrastructure.redis_url

    assert (tmp_path / "state" / "postgres" / "PG_VERSION").exists()

    async with open_stores(settings) as stores:
        async with stores.engine.connect() as connection:
            kept = await connection.execute(text("SELECT value FROM kept"))
            assert kept.scalar_one() == "across restarts"
        assert await stores.redis.get("mantimon:kept") == b"across restarts"
        assert stores.infrastructure.is_embedded
    assert first_redis is not None
    assert first_redis.startswith("redis://127.0.0.1:")


def test_configured_servers_start_nothing(database_url: str, redis_url: str) -> None:
    settings = Settings(database_url=database_url, redis_url=redis_url)
    with infrastructure(settings) as infra:
        assert not infra.is_embedded
        assert infra.database_url == settings.database_url
        assert all("(configured)" in line for line in infra.describe())


def test_deployed_environments_never_embed(tmp_path: Path) -> None:
    settings = Settings.model_construct(
        environment=Environment.STAGING,
        database_url=None,
        redis_url=None,
        data_dir=tmp_path,
    )
    refused = pytest.raises(SettingsError, match="embedded servers are for development only")
    with refused, infrastructure(settings):
        pass
    assert not any(tmp_path.iterdir())


async def test_unreachable_configured_redis_is_named(database_url: str) -> None:
    settings = Settings(
        database_url=database_url,
        redis_url="redis://:secret@127.0.0.1:9/0",
        redis_retry_attempts=0,
    )
    with pytest.raises(StoreUnavailableError) as caught:
        async with open_stores(settings):
            pass
    message = str(caught.value)
    assert message.startswith("cannot reach Redis at redis://:***@127.0.0.1:9/0")
    assert "secret" not in message
