"""``mantimon users``: dev accounts (dev only), idle guests removed (games kept), signing keys."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from typer.testing import CliRunner, Result

from app.accounts.tokens import KeyRing, verify_access_token
from app.cli import cli
from app.config import load_settings
from app.db.models import GameHistory, User
from tests.db.factories import new_history, new_user

runner = CliRunner()


async def invoke(*args: str) -> Result:
    return await asyncio.to_thread(runner.invoke, cli, list(args), catch_exceptions=False)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_url: str) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ENVIRONMENT", "test")
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SECRET_KEY", "cli-test-secret-" + uuid.uuid4().hex)


async def test_create_dev_prints_working_tokens(env: None) -> None:
    name = f"Cli{uuid.uuid4().hex[:8]}"
    result = await invoke("users", "create-dev", name)
    assert result.exit_code == 0, result.output
    lines = dict(line.split(" ", 1) for line in result.output.splitlines())
    claims = verify_access_token(KeyRing.from_settings(load_settings()), lines["access_token"])
    assert str(claims.user_id) == lines["user"].split(" ")[0]
    again = await invoke("users", "create-dev", name.lower())
    assert again.output.splitlines()[0] == result.output.splitlines()[0]


async def test_create_dev_is_refused_when_disabled(
    env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEV_SIGN_IN", "false")
    result = await invoke("users", "create-dev", "Nobody")
    assert result.exit_code == 1
    assert "development sign-in is off" in result.output


async def test_cleanup_deletes_idle_guests_and_keeps_their_games_anonymised(
    env: None, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    long_ago = datetime.now(UTC) - timedelta(days=40)
    idle = new_user(is_guest=True, email=None, last_seen_at=long_ago)
    recent = new_user(is_guest=True, email=None, last_seen_at=datetime.now(UTC))
    full = new_user(is_guest=False, last_seen_at=long_ago)
    async with sessionmaker() as db:
        db.add_all([idle, recent, full])
        await db.flush()
        history = new_history(idle, player2_id=recent.id)
        db.add(history)
        await db.commit()
    try:
        result = await invoke("users", "cleanup-guests", "--older-than-days", "30")
        assert result.exit_code == 0, result.output
        assert "guests not seen for 30 days" in result.output
        async with sessionmaker() as db:
            assert await db.get(User, idle.id) is None
            assert await db.get(User, recent.id) is not None
            assert await db.get(User, full.id) is not None
            kept = await db.get(GameHistory, history.id)
            assert kept is not None
            assert (kept.player1_id, kept.player2_id) == (None, recent.id)
    finally:
        async with sessionmaker() as db:
            for row in (recent, full):
                found = await db.get(User, row.id)
                if found is not None:
                    await db.delete(found)
            found_history = await db.get(GameHistory, history.id)
            if found_history is not None:
                await db.delete(found_history)
            await db.commit()


async def test_new_signing_key_is_a_usable_private_jwk(env: None) -> None:
    result = await invoke("users", "new-signing-key", "--kid", "2027-01")
    key = json.loads(result.output)
    assert (key["kid"], key["kty"], key["crv"]) == ("2027-01", "EC", "P-256")
    assert "d" in key
    assert load_settings(jwt_signing_keys=json.dumps({"keys": [key]})).jwt_signing_keys
