"""The ``alembic`` command line, as the README tells operators to use it, on its own database."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.config import PROJECT_ROOT
from app.db import migrate
from tests.harness.postgres import temporary_database

ALEMBIC = str(Path(sys.executable).with_name("alembic"))


@pytest.fixture
async def empty_database(postgres_admin_url: str) -> AsyncIterator[str]:
    async with temporary_database(postgres_admin_url, "alembic_cli") as url:
        yield url


def alembic(database_url: str | None, *args: str) -> subprocess.CompletedProcess[str]:
    """Run alembic outside the checkout, so a developer's own .env cannot leak in."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    return subprocess.run(
        [ALEMBIC, "-c", str(PROJECT_ROOT / "alembic.ini"), *args],
        cwd=PROJECT_ROOT / "tests",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_upgrade_check_and_downgrade_from_the_command_line(empty_database: str) -> None:
    upgraded = alembic(empty_database, "upgrade", "head")
    assert upgraded.returncode == 0, upgraded.stderr
    current = alembic(empty_database, "current")
    assert f"{migrate.head_revision()} (head)" in current.stdout
    checked = alembic(empty_database, "check")
    assert checked.returncode == 0, checked.stderr
    assert "No new upgrade operations detected" in checked.stdout + checked.stderr
    downgraded = alembic(empty_database, "downgrade", "base")
    assert downgraded.returncode == 0, downgraded.stderr


def test_offline_sql_needs_no_server() -> None:
    sql = alembic("postgresql://nobody@127.0.0.1:9/none", "upgrade", "head", "--sql")
    assert sql.returncode == 0, sql.stderr
    assert "CREATE TABLE users" in sql.stdout
    assert "CONSTRAINT ck_collections_quantity_positive CHECK (quantity >= 1)" in sql.stdout


def test_without_a_database_url_it_says_which_setting_is_missing() -> None:
    result = alembic(None, "current")
    assert result.returncode != 0
    assert "DATABASE_URL: not set" in result.stderr


def test_a_url_given_with_x_is_used_without_database_url(empty_database: str) -> None:
    plain = empty_database.replace("postgresql+asyncpg://", "postgresql://", 1)
    upgraded = alembic(None, "-x", f"url={plain}", "upgrade", "head")
    assert upgraded.returncode == 0, upgraded.stderr
    current = alembic(None, "-x", f"url={empty_database}", "current")
    assert current.returncode == 0, current.stderr
    assert f"{migrate.head_revision()} (head)" in current.stdout


def test_x_url_wins_over_database_url_and_a_bad_one_is_named() -> None:
    result = alembic("postgresql://nobody@127.0.0.1:9/none", "-x", "url=mysql://x/y", "current")
    assert result.returncode != 0
    assert "-x url: expected a postgresql:// URL, got scheme 'mysql'" in result.stderr
