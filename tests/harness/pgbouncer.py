"""A PgBouncer of a test's own, in transaction pooling, in front of the suite's PostgreSQL.

Debian's ``pgbouncer`` (``apt-get install -y pgbouncer``); a test that needs it
skips with the reason when it is missing. It listens on a free port of
127.0.0.1, forwards every database name to the server of `database_url` (so the
run's own database is reachable through it), and trusts the user of that URL.
Only PgBouncer is ever stopped here, never PostgreSQL. PgBouncer refuses to run
as root, so under root it is started with ``-u postgres`` (or ``nobody``) and
its files live in a folder that user can write.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from app.db.embedded_redis import free_tcp_port


def _unprivileged_user() -> str | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    pytest.skip("pgbouncer refuses to run as root and there is no postgres or nobody user")


class PgBouncer:
    """``pool_mode = transaction`` with `server_connections` server connections per database.

    So few server connections means consecutive transactions of one client
    connection run on different server connections, and those of different
    clients on the same one: what breaks a client that keeps session state.
    """

    def __init__(self, database_url: str, *, server_connections: int = 2) -> None:
        executable = shutil.which("pgbouncer")
        if executable is None:
            pytest.skip("pgbouncer is not installed (apt-get install -y pgbouncer)")
        self.executable = executable
        self.target = make_url(database_url)
        self.port = free_tcp_port()
        self.server_connections = server_connections
        self.folder = Path(tempfile.mkdtemp(prefix="mantimon-pgbouncer-"))
        self._process: subprocess.Popen[bytes] | None = None

    def url_for(self, database_url: str) -> str:
        """`database_url` (same user and database) through this PgBouncer."""
        return (
            make_url(database_url)
            .set(host="127.0.0.1", port=self.port, password=None)
            .render_as_string(hide_password=False)
        )

    def _config(self) -> str:
        user = self.target.username or "postgres"
        host = self.target.host or self.target.query.get("host") or "127.0.0.1"
        server = f"host={host} port={self.target.port or 5432} user={user}"
        if self.target.password:
            server += f" password={self.target.password}"
        (self.folder / "users.txt").write_text(f'"{user}" ""\n')
        return "\n".join(
            [
                "[databases]",
                f"* = {server}",
                "[pgbouncer]",
                "listen_addr = 127.0.0.1",
                f"listen_port = {self.port}",
                "unix_socket_dir =",
                "auth_type = trust",
                f"auth_file = {self.folder / 'users.txt'}",
                "pool_mode = transaction",
                f"default_pool_size = {self.server_connections}",
                "max_client_conn = 200",
                "ignore_startup_parameters = extra_float_digits,options",
                f"logfile = {self.folder / 'pgbouncer.log'}",
                f"pidfile = {self.folder / 'pgbouncer.pid'}",
                "",
            ]
        )

    def start(self, timeout: float = 10.0) -> None:
        """Start PgBouncer and wait until it accepts connections."""
        config = self.folder / "pgbouncer.ini"
        config.write_text(self._config())
        command = [self.executable, str(config)]
        user = _unprivileged_user()
        if user is not None:
            os.chmod(self.folder, 0o777)
            command[1:1] = ["-u", user]
        self._process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + timeout
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                if time.monotonic() > deadline or self._process.poll() is not None:
                    log = self.folder / "pgbouncer.log"
                    reason = log.read_text()[-2000:] if log.exists() else "no log"
                    self.stop()
                    raise AssertionError(f"pgbouncer did not start: {reason}") from None
                time.sleep(0.05)

    def stop(self) -> None:
        """Stop PgBouncer (SIGTERM, then SIGKILL) and remove its folder."""
        process, self._process = self._process, None
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)
