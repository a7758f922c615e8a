"""One embedded PostgreSQL and one Redis per data folder, whoever asks and however they died.

Every test runs real servers in a data folder of its own (never the machine's
``.mantimon``), and counts their processes from ``/proc``. Other processes are
real child processes using the registry, so locks, pids and ``kill -9`` are real.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import redis
from sqlalchemy.engine import make_url

from app.config import PROJECT_ROOT, Environment, Settings
from app.db import embedded_servers
from app.db.embedded_redis import EmbeddedRedis, free_tcp_port
from app.db.embedded_servers import ServerRegistry
from app.errors import EmbeddedServerError
from app.runtime import infrastructure
from tests.harness.embedded import postmaster_pids, redis_pids

CHILD = """
import json, sys
from contextlib import ExitStack
from pathlib import Path
from app.db.embedded_servers import ServerRegistry

registry = ServerRegistry(Path(sys.argv[1]))
with ExitStack() as stack:
    leases = {kind: stack.enter_context(registry.use(kind)) for kind in sys.argv[2:]}
    print(json.dumps({k: [v.url, v.pid, v.joined] for k, v in leases.items()}), flush=True)
    sys.stdin.readline()
"""


class Child:
    """Another process using the registry until told to leave (or killed)."""

    def __init__(self, data_dir: Path, *kinds: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(data_dir), *kinds],
            cwd=PROJECT_ROOT,
            env=os.environ | {"PYTHONPATH": str(PROJECT_ROOT)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def leases(self) -> dict[str, list[Any]]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line, f"child exited with {self.process.wait()}"
        leases: dict[str, list[Any]] = json.loads(line)
        return leases

    def leave(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        assert self.process.wait(timeout=60) == 0

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()
        assert self.process.stdout is not None
        self.process.stdout.close()
        if self.process.stdin is not None:
            self.process.stdin.close()


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _state(data_dir: Path) -> dict[str, Any]:
    state: dict[str, Any] = json.loads((data_dir / embedded_servers.STATE_FILE).read_text())
    return state


def _persist_redis(url: str, key: str, value: bytes) -> None:
    """Write `key` and rewrite the AOF, so it is on disk before a kill -9 (not 1 s later)."""
    client = redis.Redis.from_url(url)
    try:
        client.set(key, value)
        client.bgrewriteaof()
        while (
            client.info("persistence")["aof_rewrite_in_progress"]
            or client.info("persistence")["aof_rewrite_scheduled"]
        ):
            time.sleep(0.05)
    finally:
        client.close()


def test_a_second_user_joins_and_the_last_one_out_stops(data_dir: Path) -> None:
    registry = ServerRegistry(data_dir)
    with registry.use("redis") as first:
        assert not first.joined
        with registry.use("redis") as second:
            assert second.joined
            assert (second.url, second.pid) == (first.url, first.pid)
            assert redis_pids(data_dir) == [first.pid]
            assert len(_state(data_dir)["redis"]["users"]) == 2
        assert redis_pids(data_dir) == [first.pid], "stopped while still in use"
        assert len(_state(data_dir)["redis"]["users"]) == 1
    assert redis_pids(data_dir) == []
    assert "redis" not in _state(data_dir)


def test_a_user_in_another_process_keeps_the_servers_running(data_dir: Path) -> None:
    registry = ServerRegistry(data_dir)
    with registry.use("postgres") as mine, registry.use("redis") as my_redis:
        child = Child(data_dir, "postgres", "redis")
        theirs = child.leases()
        assert theirs["postgres"] == [mine.url, mine.pid, True]
        assert theirs["redis"] == [my_redis.url, my_redis.pid, True]
        child.leave()
        # the child did not start them, so leaving stops nothing
        assert postmaster_pids(data_dir) == [mine.pid]
        assert redis_pids(data_dir) == [my_redis.pid]
    assert postmaster_pids(data_dir) == []
    assert redis_pids(data_dir) == []

    # the other way round: a process joining servers another one started, then outliving it
    child = Child(data_dir, "redis")
    started = child.leases()["redis"]
    assert started[2] is False
    with registry.use("redis") as joined:
        assert joined.joined
        child.leave()
        assert redis_pids(data_dir) == [joined.pid]
    assert redis_pids(data_dir) == []


def test_processes_starting_at_once_start_one_server_each(data_dir: Path) -> None:
    children = [Child(data_dir, "postgres", "redis") for _ in range(3)]
    try:
        leases = [child.leases() for child in children]
        assert postmaster_pids(data_dir) == [leases[0]["postgres"][1]]
        assert redis_pids(data_dir) == [leases[0]["redis"][1]]
        for kind in ("postgres", "redis"):
            assert len({tuple(lease[kind][:2]) for lease in leases}) == 1
            assert sorted(lease[kind][2] for lease in leases) == [False, True, True]
    finally:
        for child in children:
            child.leave()
    assert postmaster_pids(data_dir) == []
    assert redis_pids(data_dir) == []


def test_threads_starting_at_once_start_one_redis(data_dir: Path) -> None:
    registry = ServerRegistry(data_dir)
    managers = [registry.use("redis") for _ in range(4)]
    with ThreadPoolExecutor(4) as pool:
        leases = list(pool.map(lambda manager: manager.__enter__(), managers))
    try:
        assert len({lease.pid for lease in leases}) == 1
        assert redis_pids(data_dir) == [leases[0].pid]
    finally:
        for manager in managers:
            manager.__exit__(None, None, None)
    assert redis_pids(data_dir) == []


def test_a_user_killed_with_sigkill_is_dropped_and_its_servers_joined(data_dir: Path) -> None:
    child = Child(data_dir, "postgres", "redis")
    theirs = child.leases()
    child.kill()
    # nobody stopped them: the servers outlive the process, still serving
    assert postmaster_pids(data_dir) == [theirs["postgres"][1]]
    assert redis_pids(data_dir) == [theirs["redis"][1]]

    registry = ServerRegistry(data_dir)
    with registry.use("postgres") as postgres, registry.use("redis") as cache:
        assert (postgres.pid, postgres.joined) == (theirs["postgres"][1], True)
        assert (cache.pid, cache.joined) == (theirs["redis"][1], True)
        # the dead user's entry is gone; only ours remains
        assert [u["pid"] for u in _state(data_dir)["redis"]["users"]] == [os.getpid()]
    assert postmaster_pids(data_dir) == []
    assert redis_pids(data_dir) == []


async def test_servers_killed_with_sigkill_are_replaced_on_the_same_data(data_dir: Path) -> None:
    registry = ServerRegistry(data_dir)
    child = Child(data_dir, "postgres", "redis")
    before = child.leases()
    connection = await asyncpg.connect(_dsn(before["postgres"][0]))
    await connection.execute("CREATE TABLE kept (value text); INSERT INTO kept VALUES ('kept')")
    await connection.close()
    _persist_redis(before["redis"][0], "kept", b"kept")

    # a crash of everything: the user and both servers die without a word
    child.kill()
    for pid in (before["postgres"][1], before["redis"][1]):
        os.kill(pid, signal.SIGKILL)
    assert (data_dir / "postgres" / "postmaster.pid").exists()

    with registry.use("postgres") as postgres, registry.use("redis") as cache:
        assert not postgres.joined
        assert not cache.joined
        assert postgres.pid != before["postgres"][1]
        assert cache.pid != before["redis"][1]
        # same addresses, so clients of processes still running reconnect to them
        assert (postgres.url, cache.url) == (before["postgres"][0], before["redis"][0])
        assert postmaster_pids(data_dir) == [postgres.pid]
        assert redis_pids(data_dir) == [cache.pid]
        connection = await asyncpg.connect(_dsn(postgres.url))
        try:
            assert await connection.fetchval("SELECT value FROM kept") == "kept"
        finally:
            await connection.close()
        assert redis.Redis.from_url(cache.url).get("kept") == b"kept"
    assert postmaster_pids(data_dir) == []
    assert redis_pids(data_dir) == []


def test_records_naming_a_reused_pid_are_not_trusted(data_dir: Path, redis_url: str) -> None:
    """A pid now held by another program, and a Redis that is not this folder's, are stale."""
    stranger = subprocess.Popen(["sleep", "60"])
    try:
        postgres_folder = data_dir / "postgres"
        lines = ["0", str(postgres_folder), "0", "5432", str(postgres_folder), "", "0 0", "ready"]
        lines[0] = str(stranger.pid)
        (postgres_folder / "postmaster.pid").write_text("\n".join(lines) + "\n")
        (postgres_folder / ".s.PGSQL.5432.lock").write_text(f"{stranger.pid}\n")
        (data_dir / embedded_servers.STATE_FILE).write_text(
            json.dumps(
                {
                    "postgres": {"pid": stranger.pid, "url": "postgresql://x", "users": []},
                    "redis": {"pid": stranger.pid, "url": redis_url, "users": []},
                }
            )
        )
        registry = ServerRegistry(data_dir)
        with registry.use("postgres") as postgres, registry.use("redis") as cache:
            assert not postgres.joined
            assert not cache.joined
            assert postgres.pid != stranger.pid
            assert cache.url != redis_url
            assert postmaster_pids(data_dir) == [postgres.pid]
            assert redis_pids(data_dir) == [cache.pid]
        assert stranger.poll() is None, "an unrelated process was signalled"
        assert postmaster_pids(data_dir) == []
        assert redis.Redis.from_url(redis_url).ping()
    finally:
        stranger.kill()
        stranger.wait()


def test_an_unrecorded_redis_in_the_folder_is_refused_not_doubled(data_dir: Path) -> None:
    with EmbeddedRedis(data_dir / "redis", persistence=True) as stray:
        refused = pytest.raises(EmbeddedServerError, match=rf"pid {stray.pid}\) already runs")
        with refused as caught, ServerRegistry(data_dir).use("redis"):
            pass
        assert "is not recorded in" in str(caught.value)
        assert f"kill {stray.pid}" in str(caught.value)
        assert redis_pids(data_dir) == [stray.pid]

        # recorded, but not answering where the record says: still never doubled
        (data_dir / embedded_servers.STATE_FILE).write_text(
            json.dumps(
                {"redis": {"pid": stray.pid, "url": f"redis://127.0.0.1:{free_tcp_port()}/0"}}
            )
        )
        unanswered = pytest.raises(EmbeddedServerError, match="does not answer as its server")
        with unanswered, ServerRegistry(data_dir).use("redis"):
            pass
        assert redis_pids(data_dir) == [stray.pid]


def test_an_unreadable_state_file_is_checked_anew(data_dir: Path) -> None:
    (data_dir / embedded_servers.STATE_FILE).write_text("{ not json")
    with ServerRegistry(data_dir).use("redis") as lease:
        assert not lease.joined
        assert redis_pids(data_dir) == [lease.pid]
    assert _state(data_dir) == {}


def test_a_postgres_only_process_starts_no_redis(data_dir: Path) -> None:
    settings = Settings(environment=Environment.DEV, data_dir=data_dir)
    with infrastructure(settings, redis=False) as infra:
        assert infra.redis_url is None
        assert infra.embedded == ("postgres",)
        assert [line.split(":")[0] for line in infra.describe()] == ["PostgreSQL (embedded)"]
        assert len(postmaster_pids(data_dir)) == 1
        assert redis_pids(data_dir) == []
        with infrastructure(settings) as both:
            assert both.joined == ("postgres",)
            assert both.describe()[0].startswith("PostgreSQL (embedded, already running): ")
            assert len(redis_pids(data_dir)) == 1
        assert redis_pids(data_dir) == []
        assert len(postmaster_pids(data_dir)) == 1
    assert postmaster_pids(data_dir) == []


def test_users_of_a_crashed_server_keep_its_replacement_running(data_dir: Path) -> None:
    """A command that replaces a crashed server does not stop it under the service using it."""
    service = Child(data_dir, "postgres", "redis")
    crashed = service.leases()
    for kind in ("postgres", "redis"):
        os.kill(crashed[kind][1], signal.SIGKILL)

    registry = ServerRegistry(data_dir)
    with registry.use("postgres") as postgres, registry.use("redis") as cache:
        assert not postgres.joined
        assert not cache.joined
        for kind in ("postgres", "redis"):
            assert [u["pid"] for u in _state(data_dir)[kind]["users"]] == [
                service.process.pid,
                os.getpid(),
            ]
    # we started them, but the service is still using them
    assert postmaster_pids(data_dir) == [postgres.pid]
    assert redis_pids(data_dir) == [cache.pid]
    service.leave()
    assert postmaster_pids(data_dir) == []
    assert redis_pids(data_dir) == []
