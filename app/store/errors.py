"""The errors the GameStateManager raises, and the helpers that word them.

Callers (the HTTP error handler, the CLI, the game driver) catch these by class,
so they live apart from the code that raises them: a reader sees the whole
hierarchy, and which refusals are retryable, in one place. Every message names
the game (or user) concerned.

The manager's modules all log through `logger`, under the one name
``app.store.manager`` that operators (and the tests) filter on,
whichever module of the manager writes the line.
"""

from __future__ import annotations

import logging
from typing import ClassVar, Final
from uuid import UUID

from pydantic import ValidationError
from redis.exceptions import MaxConnectionsError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from app.errors import MantimonError

logger = logging.getLogger("app.store.manager")


class GameStateError(MantimonError):
    """Base of the errors the GameStateManager raises; each names the game concerned."""


class InvalidGameIdError(GameStateError, ValueError):
    """A game or user id that is not a UUID."""


class StaleStateError(GameStateError):
    """A save was refused because the store already holds this version or a newer one."""

    refusal_reason: ClassVar[str] = "stale"

    def __init__(self, game_id: UUID, version: int, stored_version: int | None, store: str) -> None:
        self.game_id = game_id
        self.version = version
        self.stored_version = stored_version
        self.store = store
        held = "the same version" if stored_version is None else f"version {stored_version}"
        super().__init__(
            f"game {game_id}: refused to save version {version}; {store} already holds {held}",
        )


class DivergedStateError(StaleStateError):
    """PostgreSQL holds a state that this one does not descend from; nothing was written.

    The state was built on an older copy of the game (a Redis that came back
    older, say), so writing it would drop the turns PostgreSQL holds. A
    `StaleStateError`, so a caller that reloads on a stale save handles it too.
    """

    refusal_reason: ClassVar[str] = "diverged"

    def __init__(self, game_id: UUID, version: int, stored_version: int) -> None:
        GameStateError.__init__(
            self,
            f"game {game_id}: refused to save version {version}: it does not descend from "
            f"version {stored_version} that PostgreSQL holds (it was built on an older copy "
            f"of the game); PostgreSQL keeps version {stored_version}",
        )
        self.game_id = game_id
        self.version = version
        self.stored_version = stored_version
        self.store = "PostgreSQL"


class CorruptGameStateError(GameStateError):
    """A stored state does not parse as a `GameState`, and no store holds a usable copy."""

    def __init__(self, game_id: UUID, store: str, reason: str) -> None:
        self.game_id = game_id
        self.store = store
        super().__init__(f"game {game_id}: the state in {store} is unusable: {reason}")


class GameStoreUnavailableError(GameStateError):
    """The store an operation needs is unreachable; nothing was half-written."""


class GameStoreBusyError(GameStoreUnavailableError):
    """Every pooled connection stayed in use for the pool timeout: load, not an outage.

    Raised where `GameStoreUnavailableError` would be, with the same promise
    that calling again is safe; the message names the pool and its settings.
    Unlike an outage, a busy Redis never makes a save write through.
    """


POOL_EXHAUSTED: Final = (MaxConnectionsError, PoolTimeoutError)
"""A pool that had no free connection in time (redis-py, SQLAlchemy): load, not an outage."""


def store_error(message: str, exc: Exception) -> GameStoreUnavailableError:
    """`GameStoreBusyError` when `exc` is a pool timeout, else `GameStoreUnavailableError`."""
    if isinstance(exc, POOL_EXHAUSTED):
        return GameStoreBusyError(message)
    return GameStoreUnavailableError(message)


class GamePersistRefusedError(GameStateError):
    """PostgreSQL refused the row (for example a player id that is not a user)."""


class GameEndedError(GameStateError):
    """The game has already been moved to the history; it cannot be saved again."""


def parse_uuid(value: UUID | str, what: str = "game id") -> UUID:
    """`value` as a UUID.

    Raises:
        InvalidGameIdError: `value` is not a UUID or a string holding one.
    """
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value))
    except ValueError:
        raise InvalidGameIdError(f"{what} {value!r} is not a UUID") from None


def validation_summary(exc: ValidationError, limit: int = 3) -> str:
    """The first `limit` problems of `exc`, for a `CorruptGameStateError` or a log line."""
    parts = [
        f"{'.'.join(str(p) for p in error['loc']) or '<root>'}: {error['msg']}"
        for error in exc.errors()[:limit]
    ]
    more = exc.error_count() - limit
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")
