"""``mantimon serve`` and ``mantimon`` commands on one data folder share one set of servers.

Real processes on real embedded servers, in a data folder of the test's own.
Each test starts ``serve`` at least once (migrations, catalog, recovery), so
they are marked slow.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from app.config import Environment, Settings
from app.core.game_state import GameState
from app.core.game_state_factory import build_game_state
from app.db.embedded_redis import free_tcp_port
from app.db.embedded_servers import STATE_FILE
from app.db.redis import build_redis
from app.db.session import build_sessionmaker
from app.store.manager import GameStateManager, SaveOutcome
from tests.harness.embedded import postmaster_pids, redis_pids

pytestmark = pytest.mark.slow

STARTUP_TIMEOUT = 90.0
MANTIMON = Path(sys.executable).with_name("mantimon")


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    return env | {"ENVIRONMENT": "dev", "DATA_DIR": str(data_dir), "LOG_LEVEL": "INFO"}


class Serve:
    """``mantimon serve`` on `data_dir`, logging to a file, until stopped or killed."""

    def __init__(self, data_dir: Path, log: Path) -> None:
        self.port = free_tcp_port()
        self.log = log
        with log.open("ab") as output:
            self.process = subprocess.Popen(
                [str(MANTIMON), "serve", "--port", str(self.port)],
                env=_env(data_dir),
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    def wait_ready(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/ready", timeout=2).is_success:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"serve did not become ready:\n{self.log.read_text()}")

    def is_ready(self) -> bool:
        return httpx.get(f"http://127.0.0.1:{self.port}/ready", timeout=5).is_success

    def terminate(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        assert self.process.wait(timeout=60) in (0, -signal.SIGTERM), self.log.read_text()

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()


def _mantimon(data_dir: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(MANTIMON), *args],
        env=_env(data_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(command: subprocess.Popen[str]) -> tuple[str, str]:
    out, err = command.communicate(timeout=120)
    assert command.returncode == 0, f"{command.args!r}: {out}\n{err}"
    return out, err


def _servers(data_dir: Path) -> dict[str, Any]:
    state: dict[str, Any] = json.loads((data_dir / STATE_FILE).read_text())
    return state


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _cache_only(servers: dict[str, Any], game: GameState) -> None:
    """Save `game` to the service's Redis only, as a turn in progress is."""
    client = build_redis(Settings(environment=Environment.DEV), servers["redis"]["url"])
    engine = create_async_engine(servers["postgres"]["url"])
    try:
        manager = GameStateManager(client, build_sessionmaker(engine))
        assert await manager.save_to_cache(game) is SaveOutcome.CACHED
    finally:
        await client.aclose()
        await engine.dispose()


async def test_commands_beside_serve_use_its_servers_and_stop_none(
    data_dir: Path, tmp_path: Path
) -> None:
    serve = Serve(data_dir, tmp_path / "serve.log")
    try:
        serve.wait_ready()
        postgres, cache = postmaster_pids(data_dir), redis_pids(data_dir)
        assert len(postgres) == 1
        assert len(cache) == 1
        # a game whose latest state is only in the service's Redis: `games show` must see it
        game = build_game_state(turn_number=4)
        await _cache_only(_servers(data_dir), game)

        commands = {
            "show": _mantimon(data_dir, "games", "show", str(game.game_id), "--json"),
            "list": _mantimon(data_dir, "games", "list"),
            "current": _mantimon(data_dir, "db", "current"),
            "check": _mantimon(data_dir, "db", "check"),
        }
        seen_postgres: set[int] = set()
        seen_redis: set[int] = set()
        while any(command.poll() is None for command in commands.values()):
            seen_postgres.update(postmaster_pids(data_dir))
            seen_redis.update(redis_pids(data_dir))
            await asyncio.sleep(0.05)
        outputs = {name: _finish(command) for name, command in commands.items()}

        assert seen_postgres == set(postgres), "a second PostgreSQL ran on the folder"
        assert seen_redis == set(cache), "a second Redis ran on the folder"
        shown = json.loads(outputs["show"][0])
        assert (shown["game_id"], shown["turn_number"]) == (str(game.game_id), 4)
        assert "Redis (embedded, already running)" in outputs["show"][1]
        assert "(up to date)" in outputs["current"][0]
        assert "Redis" not in outputs["current"][1] + outputs["list"][1] + outputs["check"][1]

        # the commands left: the service's servers run on, with only the service using them
        assert postmaster_pids(data_dir) == postgres
        assert redis_pids(data_dir) == cache
        assert serve.is_ready()
        state = _servers(data_dir)
        assert [u["pid"] for u in state["postgres"]["users"]] == [serve.process.pid]
        assert [u["pid"] for u in state["redis"]["users"]] == [serve.process.pid]
    finally:
        serve.terminate()
    assert postmaster_pids(data_dir) == []
    assert redis_pids(data_dir) == []
    assert _servers(data_dir) == {}
    assert "Traceback" not in (tmp_path / "serve.log").read_text()


async def test_serve_after_kill_9_starts_cleanly_on_the_same_data(
    data_dir: Path, tmp_path: Path
) -> None:
    log = tmp_path / "serve.log"
    serve = Serve(data_dir, log)
    serve.wait_ready()
    first = _servers(data_dir)
    connection = await asyncpg.connect(_dsn(first["postgres"]["url"]))
    await connection.execute("CREATE TABLE kept (value text); INSERT INTO kept VALUES ('kept')")
    await connection.close()

    serve.kill()  # no shutdown at all: the servers it started are left running, unowned
    serve = Serve(data_dir, log)
    try:
        serve.wait_ready()
        second = _servers(data_dir)
        assert second["postgres"]["pid"] == first["postgres"]["pid"]
        assert second["redis"]["pid"] == first["redis"]["pid"]
        assert postmaster_pids(data_dir) == [first["postgres"]["pid"]]
        assert redis_pids(data_dir) == [first["redis"]["pid"]]
        assert [u["pid"] for u in second["redis"]["users"]] == [serve.process.pid]

        # now everything dies: the service and both servers, as in a power cut
        serve.kill()
        for kind in ("postgres", "redis"):
            os.kill(second[kind]["pid"], signal.SIGKILL)
        serve = Serve(data_dir, log)
        serve.wait_ready()
        third = _servers(data_dir)
        assert postmaster_pids(data_dir) == [third["postgres"]["pid"]]
        assert redis_pids(data_dir) == [third["redis"]["pid"]]
        assert third["postgres"]["pid"] != second["postgres"]["pid"]
        connection = await asyncpg.connect(_dsn(third["postgres"]["url"]))
        try:
            assert await connection.fetchval("SELECT value FROM kept") == "kept"
        finally:
            await connection.close()
    finally:
        serve.terminate()
    assert postmaster_pids(data_dir) == []
    assert redis_pids(data_dir) == []
    assert "Traceback" not in log.read_text()
