"""One embedded PostgreSQL and one embedded Redis per data folder, shared by every process using it.

``mantimon serve`` and each ``mantimon`` command run in their own process, and
all of them default to the same ``DATA_DIR``. Two Redis servers appending to one
AOF file corrupt it, and a command that started its own Redis would read and
flush other data than the running service. So every process goes through this
registry, which keeps two files in the data folder:

- ``servers.lock``: held (``fcntl.flock``) while a process finds or starts,
  joins or leaves the servers, so two processes starting at once never both
  start one;
- ``servers.json``: for each server, its pid and URL, and the processes using
  it (pid plus start time, so a reused pid is not mistaken for a user).

What a caller may rely on:

- A recorded server is used only if it is alive and is the server of this
  folder: for Redis, the pid runs, the port answers, and the server reports that
  pid and this folder (``INFO``, ``CONFIG GET dir``); for PostgreSQL, the pid in
  ``postmaster.pid`` runs ``postgres -D <this folder>`` and its socket answers.
  Anything else (a server killed with ``kill -9``, a reboot, a reused pid) is a
  stale record: it is replaced by a freshly started server on the same data,
  reachable at the same address (PostgreSQL's socket is in its folder; Redis
  gets its previous port back when that is free), so the clients of processes
  already using it reconnect to it; those processes stay recorded as its users.
- A process stops a server only when it is the last live process using it:
  a command never stops the servers of a running ``serve``, and ``serve``
  started after a command keeps running when the command exits. Users that
  died without leaving (``kill -9``) are dropped from the record; the servers
  they leave running are joined by the next process and stopped by the last.
- A process that needs only PostgreSQL asks only for PostgreSQL: no Redis starts.
- A ``redis-server`` running in the folder but not recorded here (started by
  hand, or by an older version of this code) is never joined nor doubled: the
  start fails with a message naming its pid.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import signal
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import redis
from redis.exceptions import RedisError

from app.db import embedded_postgres
from app.db.embedded_postgres import EmbeddedPostgres
from app.db.embedded_redis import EmbeddedRedis
from app.db.processes import processes_running, same_process, start_token, stop_process
from app.errors import EmbeddedServerError

logger = logging.getLogger(__name__)

STATE_FILE = "servers.json"
LOCK_FILE = "servers.lock"
LOCK_TIMEOUT_SECONDS = 120.0
"""Long enough for another process's first start (initdb) to finish."""

Kind = Literal["postgres", "redis"]
_STARTED_HERE: dict[int, EmbeddedRedis] = {}
"""Redis servers this process started, by pid: it keeps their handles to reap them when stopped."""
_NAMES: dict[Kind, str] = {"postgres": "PostgreSQL", "redis": "Redis"}


@dataclass(frozen=True, slots=True)
class Lease:
    """One process's use of one shared server, for the block of `ServerRegistry.use`."""

    url: str
    pid: int
    joined: bool
    """Whether the server was already running (started by another process, or earlier)."""


class ServerRegistry:
    """The shared servers of one data folder (see the module docstring)."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.expanduser().resolve()
        self.state_file = self.data_dir / STATE_FILE
        self.lock_file = self.data_dir / LOCK_FILE

    def folder(self, kind: Kind) -> Path:
        """Where the server of `kind` keeps its data."""
        return self.data_dir / kind

    @contextmanager
    def use(self, kind: Kind) -> Iterator[Lease]:
        """Join the running server of `kind`, or start it; leave it (stopping it if last) on exit.

        Raises:
            EmbeddedServerError: the server could not start, an unrecorded Redis runs
                in the folder, or another process held the lock too long.
        """
        user = {"pid": os.getpid(), "started": start_token(os.getpid()), "id": uuid.uuid4().hex}
        with self._locked():
            lease = self._join_or_start(kind, user)
        try:
            yield lease
        finally:
            with self._locked():
                self._leave(kind, user)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self.lock_file.open("a") as handle:
            deadline = time.monotonic() + LOCK_TIMEOUT_SECONDS
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise EmbeddedServerError(
                            f"another process has held {self.lock_file} for more than "
                            f"{LOCK_TIMEOUT_SECONDS:.0f} s while starting or stopping the "
                            "embedded servers; is it stuck?",
                        ) from None
                    time.sleep(0.05)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _load(self) -> dict[str, Any]:
        try:
            state = json.loads(self.state_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            logger.warning("ignoring unreadable %s: servers are checked anew", self.state_file)
            return {}
        return state if isinstance(state, dict) else {}

    def _save(self, state: dict[str, Any]) -> None:
        partial = self.state_file.with_suffix(".json.partial")
        partial.write_text(json.dumps(state, indent=2, sort_keys=True), encoding="utf-8")
        partial.replace(self.state_file)

    def _join_or_start(self, kind: Kind, user: dict[str, Any]) -> Lease:
        state = self._load()
        record = state.get(kind)
        if not isinstance(record, dict):
            record = {}
        # users of a replaced server stay users: their clients reconnect to the new one
        # (same socket for PostgreSQL, same port for Redis when it is free)
        users = _live(record.get("users"))
        if record and self._serves(kind, record):
            lease = Lease(str(record["url"]), int(record["pid"]), joined=True)
            logger.info(
                "embedded %s: using the one already running at %s (pid %d)",
                _NAMES[kind],
                lease.url,
                lease.pid,
            )
        else:
            if record:
                logger.warning(
                    "embedded %s: the recorded server (pid %s) no longer serves %s; starting anew",
                    _NAMES[kind],
                    record.get("pid"),
                    self.folder(kind),
                )
            lease = self._start(kind, record)
        state[kind] = {"pid": lease.pid, "url": lease.url, "users": [*users, user]}
        self._save(state)
        return lease

    def _leave(self, kind: Kind, user: dict[str, Any]) -> None:
        state = self._load()
        record = state.get(kind)
        if not isinstance(record, dict):
            return
        users = [u for u in _live(record.get("users")) if u.get("id") != user["id"]]
        if users:
            record["users"] = users
            self._save(state)
            return
        if self._serves(kind, record):
            self._stop(kind, int(record["pid"]))
        del state[kind]
        self._save(state)

    def _serves(self, kind: Kind, record: dict[str, Any]) -> bool:
        pid = record.get("pid")
        if not isinstance(pid, int):
            return False
        if kind == "postgres":
            folder = self.folder("postgres")
            return embedded_postgres.live_postmaster_pid(
                folder
            ) == pid and embedded_postgres.answers(folder)
        return _redis_serves(str(record.get("url", "")), pid, self.folder("redis"))

    def _start(self, kind: Kind, stale: dict[str, Any]) -> Lease:
        return self._start_postgres() if kind == "postgres" else self._start_redis(stale)

    def _start_postgres(self) -> Lease:
        postgres = EmbeddedPostgres(self.folder("postgres"))
        url = postgres.start()  # attaches to a live postmaster of the folder, if there is one
        pid = postgres.pid
        if pid is None or not embedded_postgres.answers(postgres.data_dir):
            raise EmbeddedServerError(
                f"embedded PostgreSQL in {postgres.data_dir} started but does not answer "
                f"(see {postgres.data_dir / 'log'})",
            )
        return Lease(url, pid, joined=False)

    def _start_redis(self, stale: dict[str, Any]) -> Lease:
        folder = self.folder("redis")
        strays = processes_running("redis-server", folder)
        if strays:
            listed = ", ".join(str(pid) for pid in strays)
            why = (
                "does not answer as its server (still loading its data, or stuck?)"
                if stale.get("pid") in strays
                else f"is not recorded in {self.state_file}"
            )
            raise EmbeddedServerError(
                f"a redis-server (pid {listed}) already runs in {folder} but {why}: two "
                f"servers would corrupt its append-only file; wait, or stop it (kill {listed})",
            )
        previous_port = _port(stale.get("url"))
        port = previous_port if previous_port and _port_is_free(previous_port) else None
        server = EmbeddedRedis(folder, port=port, persistence=True)
        url = server.start()
        assert server.pid is not None  # start() succeeded
        _STARTED_HERE[server.pid] = server
        return Lease(url, server.pid, joined=False)

    def _stop(self, kind: Kind, pid: int) -> None:
        if kind == "postgres":
            embedded_postgres.stop_postmaster(self.folder("postgres"))
        elif pid in _STARTED_HERE:
            _STARTED_HERE.pop(pid).stop()  # our child: stop() also reaps it
        else:
            stop_process(pid, signal.SIGTERM, timeout=30.0)
        logger.info("embedded %s stopped (pid %d): no other process uses it", _NAMES[kind], pid)


def _port(url: object) -> int | None:
    """The TCP port of a recorded redis:// URL, if it names one."""
    if not isinstance(url, str) or not url.startswith("redis://"):
        return None
    try:
        return urlsplit(url).port
    except ValueError:
        return None


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _live(users: object) -> list[dict[str, Any]]:
    """The recorded users that are still the processes they were."""
    if not isinstance(users, list):
        return []
    return [
        u
        for u in users
        if isinstance(u, dict)
        and isinstance(u.get("pid"), int)
        and same_process(u["pid"], u.get("started"))
    ]


def _redis_serves(url: str, pid: int, folder: Path) -> bool:
    """Whether the Redis at `url` is alive, is process `pid`, and keeps its files in `folder`."""
    if not url.startswith("redis://"):
        return False
    client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    try:
        info = client.info("server")
        directory = client.config_get("dir").get("dir")
    except (OSError, RedisError):
        return False
    finally:
        client.close()
    return bool(info.get("process_id") == pid and directory and Path(directory) == folder)
