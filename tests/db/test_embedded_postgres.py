"""The embedded PostgreSQL: a real server from a pip package, started, used, stopped."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from app.db.embedded_postgres import EmbeddedPostgres
from app.errors import EmbeddedServerError


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def test_keeps_data_across_restarts(tmp_path: Path) -> None:
    server = EmbeddedPostgres(tmp_path / "pg")
    url = server.start()
    assert server.url("postgres") == url
    connection = await asyncpg.connect(_dsn(url))
    await connection.execute("CREATE TABLE kept (value text); INSERT INTO kept VALUES ('hello')")
    await connection.close()
    server.stop()
    assert not server.is_running
    server.stop()  # harmless twice

    again = EmbeddedPostgres(tmp_path / "pg", ephemeral=True)
    connection = await asyncpg.connect(_dsn(again.start()))
    try:
        assert await connection.fetchval("SELECT value FROM kept") == "hello"
    finally:
        await connection.close()
        again.stop()
    assert not (tmp_path / "pg").exists()


def test_url_before_start_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(EmbeddedServerError, match="not running"):
        EmbeddedPostgres(tmp_path / "pg").url("postgres")


def test_unusable_data_folder_is_reported_with_its_path(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    server = EmbeddedPostgres(blocker / "pg")
    with pytest.raises(EmbeddedServerError, match=str(blocker)):
        server.start()
