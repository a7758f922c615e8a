"""The ``mantimon`` command through Typer's runner, on real servers and a database of its own."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import typer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from typer.testing import CliRunner, Result

from app.cli import cli
from app.config import PROJECT_ROOT
from app.core.game_state_factory import build_game_state
from app.db import migrate
from app.db.embedded_servers import STATE_FILE
from app.db.redis import build_redis
from app.db.session import build_sessionmaker, session_scope
from app.store.manager import GameStateManager
from tests.db.factories import new_user
from tests.harness.embedded import postmaster_pids
from tests.harness.postgres import temporary_database
from tests.harness.redis import delete_keys_under, redis_test_settings

runner = CliRunner()


def invoke(*args: str) -> Result:
    return runner.invoke(cli, list(args), catch_exceptions=False)


async def ainvoke(*args: str) -> Result:
    """The CLI runs its own event loop, so async tests call it from a worker thread."""
    return await asyncio.to_thread(invoke, *args)


@pytest.fixture
async def cli_database(postgres_admin_url: str) -> AsyncIterator[str]:
    """An empty database of this test's own: the CLI migrates, lists and downgrades freely."""
    async with temporary_database(postgres_admin_url, "cli") as url:
        yield url


@pytest.fixture
def cli_env(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    cli_database: str,
    redis_url: str,
    redis_key_prefix: str,
) -> str:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ENVIRONMENT", "test")
    monkeypatch.setenv("DATABASE_URL", cli_database)
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("REDIS_KEY_PREFIX", redis_key_prefix)
    return cli_database


@pytest.fixture
async def redis_cleanup(redis_url: str, redis_key_prefix: str) -> AsyncIterator[None]:
    yield
    client = build_redis(redis_test_settings(redis_url))
    await delete_keys_under(client, redis_key_prefix)
    await client.aclose()


@pytest.mark.parametrize(
    "path",
    [
        [],
        ["serve"],
        ["db"],
        ["db", "upgrade"],
        ["db", "downgrade"],
        ["db", "current"],
        ["db", "check"],
        ["cards"],
        ["cards", "validate"],
        ["cards", "show"],
        ["cards", "search"],
        ["games"],
        ["games", "list"],
        ["games", "show"],
        ["games", "recover"],
        ["games", "flush"],
    ],
)
def test_help_on_every_level(path: list[str]) -> None:
    result = invoke(*path, "--help")
    assert result.exit_code == 0
    assert "Usage: mantimon" in result.output
    assert "<bool>" not in result.output
    assert "╭" not in result.output
    assert re.search(r"^  --help\s+Show this message and exit\.$", result.output, re.MULTILINE)


def test_flags_are_listed_without_a_value() -> None:
    result = invoke("cards", "search", "--help")
    assert re.search(r"^  --json\s+Print the page as JSON\.$", result.output, re.MULTILINE)
    assert re.search(r"^  --hp-min <int>$", result.output, re.MULTILINE)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["cards", "search", "--hp-min", "abc"],
            "error: Invalid value for '--hp-min': Input should be a valid integer, unable to "
            "parse string as an integer (see 'mantimon cards search --help')",
        ),
        (["cards", "search", "--colour", "red"], "error: No such option: --colour"),
        (["cards", "shw"], "error: No such command 'shw'. Did you mean 'show'? (see 'mantimon"),
        (
            ["cards", "show"],
            "error: Missing argument 'card_id'. (see 'mantimon cards show --help')",
        ),
    ],
)
def test_a_usage_error_is_one_error_line_and_exit_code_2(args: list[str], message: str) -> None:
    result = invoke(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(message)
    assert result.stderr.count("\n") == 1
    assert "Usage:" not in result.stderr


def test_a_group_without_a_command_prints_its_help() -> None:
    result = invoke("cards")
    assert result.exit_code == 2
    assert "Usage: mantimon cards [OPTIONS] COMMAND [ARGS]..." in result.output
    assert "search" in result.output
    assert "error:" not in result.output


def test_called_as_code_the_group_returns_instead_of_exiting() -> None:
    command = typer.main.get_command(cli)
    assert command.main(["cards", "show", "nope-999"], standalone_mode=False) == 1
    assert command.main(["cards", "validate"], standalone_mode=False) is None


def test_cards_validate_reports_the_catalog() -> None:
    result = invoke("cards", "validate")
    assert result.exit_code == 0
    assert "catalog OK: 372 cards" in result.output


def test_cards_validate_reports_every_problem_and_fails(tmp_path: Path) -> None:
    broken = tmp_path / "cards"
    shutil.copytree(PROJECT_ROOT / "data" / "cards", broken)
    index = json.loads((broken / "_index.json").read_text())
    first_file = broken / index["sets"][0]["file"]
    first_file.write_text(first_file.read_text()[:-20])
    result = invoke("cards", "validate", "--dir", str(broken))
    assert result.exit_code == 1
    assert result.stderr.startswith("error: card catalog in")
    assert index["sets"][0]["file"] in result.stderr
    assert "Traceback" not in result.output


def test_cards_show_prints_json_and_names_unknown_ids() -> None:
    shown = invoke("cards", "show", "mv1-001")
    assert shown.exit_code == 0
    assert json.loads(shown.stdout)["id"] == "mv1-001"

    missing = invoke("cards", "show", "mv1-0001")
    assert missing.exit_code == 1
    assert missing.stderr.startswith("error: unknown card id: 'mv1-0001'")
    assert "did you mean" in missing.stderr


def test_cards_search_filters_and_pages() -> None:
    table = invoke("cards", "search", "--type", "creature", "--element", "fire", "--limit", "3")
    assert table.exit_code == 0
    assert "showing 1-3" in table.stdout

    page = json.loads(
        invoke(
            "cards",
            "search",
            "--type",
            "creature",
            "--stage",
            "basic",
            "--hp-min",
            "60",
            "--name",
            "a",
            "--set",
            "mv1",
            "--json",
            "--limit",
            "5",
            "--offset",
            "1",
        ).stdout,
    )
    assert page["offset"] == 1
    assert len(page["items"]) <= 5
    for card in page["items"]:
        assert (card["stage"], card["set_id"]) == ("basic", "mv1")
        assert card["hp"] >= 60
        assert "a" in card["name"].lower()

    nothing = invoke("cards", "search", "--name", "zzzzzz")
    assert "0 match(es); showing none" in nothing.stdout


def test_cards_search_rejects_bad_filters_in_one_line() -> None:
    result = invoke("cards", "search", "--hp-min", "100", "--hp-max", "50")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: invalid search:")
    assert "hp_min (100) is greater than hp_max (50)" in result.stderr
    unknown_set = invoke("cards", "search", "--set", "nope")
    assert unknown_set.exit_code == 1
    assert unknown_set.stderr.startswith("error: unknown set 'nope'")


def test_db_commands_migrate_check_and_downgrade(cli_env: str) -> None:
    behind = invoke("db", "current")
    assert behind.exit_code == 0
    assert "current: base" in behind.stdout
    assert "behind" in behind.stdout
    assert invoke("db", "check").exit_code == 1

    assert f"database at revision {migrate.head_revision()}" in invoke("db", "upgrade").stdout
    assert "up to date" in invoke("db", "current").stdout
    checked = invoke("db", "check")
    assert checked.exit_code == 0
    assert "models and migrations match" in checked.stdout

    down = invoke("db", "downgrade", "base")
    assert down.exit_code == 0
    assert "database at revision base" in down.stdout
    not_at_head = invoke("db", "check")
    assert "not at head" in not_at_head.stderr


async def test_db_check_fails_on_drift(cli_env: str) -> None:
    engine = create_async_engine(cli_env)
    await migrate.upgrade(engine)
    async with engine.begin() as connection:
        await connection.execute(text("ALTER TABLE decks ADD COLUMN colour text"))
    await engine.dispose()
    result = await ainvoke("db", "check")
    assert result.exit_code == 1
    assert "models and migrations differ" in result.stderr
    assert "colour" in result.stderr


async def test_games_commands(
    cli_env: str,
    redis_url: str,
    redis_key_prefix: str,
    redis_cleanup: None,
) -> None:
    engine = create_async_engine(cli_env)
    await migrate.upgrade(engine)
    sessionmaker = build_sessionmaker(engine)
    user = new_user()
    async with session_scope(sessionmaker) as session:
        session.add(user)
    redis = build_redis(redis_test_settings(redis_url))
    manager = GameStateManager(redis, sessionmaker, key_prefix=redis_key_prefix)
    persisted = build_game_state(player_ids=(user.id, None), turn_number=3)
    only_cached = build_game_state(player_ids=(user.id, None), turn_number=2, seed=1)
    await manager.save_to_cache(persisted)
    await manager.persist_to_db(persisted)
    await manager.save_to_cache(only_cached)
    await redis.aclose()
    await engine.dispose()

    listed = await ainvoke("games", "list")
    assert listed.exit_code == 0
    assert str(persisted.game_id) in listed.stdout
    assert "1 active game(s)" in listed.stdout

    shown = await ainvoke("games", "show", str(only_cached.game_id))
    assert shown.exit_code == 0
    assert f"version: {only_cached.version}" in shown.stdout
    as_json = json.loads((await ainvoke("games", "show", str(persisted.game_id), "--json")).stdout)
    assert as_json["version"] == persisted.version

    flushed = await ainvoke("games", "flush")
    assert flushed.exit_code == 0
    assert "persisted 1," in flushed.stdout
    assert "diverged 0" in flushed.stdout
    assert "2 active game(s)" in (await ainvoke("games", "list")).stdout

    recovered = await ainvoke("games", "recover", "--batch-size", "1")
    assert recovered.exit_code == 0
    assert "failed 0" in recovered.stdout

    unknown = await ainvoke("games", "show", str(uuid.uuid4()))
    assert unknown.exit_code == 1
    assert "no active game" in unknown.stderr
    not_an_id = await ainvoke("games", "show", "not-a-uuid")
    assert not_an_id.exit_code == 1
    assert not_an_id.stderr.startswith("error: ")
    assert "not-a-uuid" in not_an_id.stderr


def test_postgres_only_commands_on_embedded_servers_start_no_redis(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("ENVIRONMENT", "dev")
    monkeypatch.setenv("DATA_DIR", str(data_dir))
    for args in (("db", "upgrade"), ("db", "current"), ("games", "list")):
        result = invoke(*args)
        assert result.exit_code == 0, (args, result.output)
        assert "PostgreSQL (embedded)" in result.stderr
        assert "Redis" not in result.stderr
    assert not (data_dir / "redis").exists()
    assert postmaster_pids(data_dir) == [], "a command left the server it started running"
    assert json.loads((data_dir / STATE_FILE).read_text()) == {}


def test_postgres_only_commands_never_touch_redis(
    cli_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`db` commands and `games list` read PostgreSQL only, so a Redis that is down is no error."""
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:9/0")
    monkeypatch.setenv("REDIS_RETRY_ATTEMPTS", "0")
    assert invoke("db", "upgrade").exit_code == 0
    for args in (("db", "current"), ("db", "check"), ("games", "list")):
        result = invoke(*args)
        assert result.exit_code == 0, (args, result.output)
        assert "Redis" not in result.output


@pytest.mark.parametrize(
    ("variable", "value", "command", "expected"),
    [
        ("DATABASE_URL", "mysql://u@h/db", "db", "error: invalid settings: DATABASE_URL: expected"),
        ("ENVIRONMENT", "production", "db", "error: invalid settings: ENVIRONMENT:"),
        (
            "DATABASE_URL",
            "postgresql://nobody@127.0.0.1:9/x",
            "db",
            "error: cannot reach PostgreSQL",
        ),
        (
            "REDIS_URL",
            "redis://127.0.0.1:9/0",
            "games",
            "error: cannot reach Redis at redis://127.0.0.1:9",
        ),
    ],
)
def test_user_mistakes_end_in_one_line(
    cli_env: str,
    monkeypatch: pytest.MonkeyPatch,
    variable: str,
    value: str,
    command: str,
    expected: str,
) -> None:
    monkeypatch.setenv(variable, value)
    monkeypatch.setenv("REDIS_RETRY_ATTEMPTS", "0")
    result = invoke("db", "current") if command == "db" else invoke("games", "flush")
    assert result.exit_code == 1
    assert result.stderr.startswith(expected)
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_prod_without_servers_refuses_to_start(
    cli_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENVIRONMENT", "prod")
    monkeypatch.setenv("SECRET_KEY", "a-real-secret")
    monkeypatch.delenv("DATABASE_URL")
    result = invoke("games", "list")
    assert result.exit_code == 1
    assert result.stderr.strip() == "error: invalid settings: DATABASE_URL must be set in prod"
