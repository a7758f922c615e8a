"""What the GameStateManager's operations return: outcomes, summaries and listings.

Plain values with no behaviour beyond counting, kept apart from the manager so
that callers (the CLI's summaries, the periodic flush, the reconnection screen)
can read what they get without reading how the stores are driven.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from app.core.enums import GameType
from app.engine.events import Event

ProgressCallback = Callable[[int], None]
"""Called after each batch with the number of games handled so far."""

EndHook = Callable[[AsyncSession], Awaitable[None]]
"""Runs inside the transaction that moves a game to the history (`GameStateManager.end_game`)."""

PersistHook = Callable[[AsyncConnection], Awaitable[None]]
"""Runs on the connection that wrote a turn boundary (`GameStateManager.persist_to_db`)."""


class SaveOutcome(StrEnum):
    """Where `GameStateManager.save_to_cache` put the state."""

    CACHED = "cached"
    """In Redis, marked dirty until the next persist."""
    WRITTEN_THROUGH = "written_through"
    """Redis was unreachable: written to PostgreSQL instead."""


class PersistOutcome(StrEnum):
    """What `GameStateManager.persist_to_db` did with the state."""

    WRITTEN = "written"
    ALREADY_CURRENT = "already_current"
    """PostgreSQL already held this version or a newer one; nothing changed."""
    GAME_ENDED = "game_ended"
    """The game is in the history; nothing was written and its cache entry was dropped."""


@dataclass(frozen=True, slots=True)
class GameFailure:
    """One game a batch operation could not handle, and why."""

    game_id: str
    reason: str


@dataclass(slots=True)
class RecoverySummary:
    """What `GameStateManager.recover_active_games` did, game by game."""

    recovered: int = 0
    skipped_newer: int = 0
    """Redis already held a newer version (actions after the last persisted turn)."""
    unchanged: int = 0
    """Redis already held the same version."""
    failed: list[GameFailure] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Every active game seen."""
        return self.recovered + self.skipped_newer + self.unchanged + len(self.failed)


@dataclass(slots=True)
class FlushSummary:
    """What `GameStateManager.flush_dirty` did, game by game."""

    persisted: int = 0
    already_current: int = 0
    ended: int = 0
    refreshed: int = 0
    """PostgreSQL held a newer state that contains the cached one (Redis came back older):
    nothing was written, and the cached copy was replaced by PostgreSQL's."""
    diverged: int = 0
    """The cached state does not descend from PostgreSQL's (it was played on an older copy):
    PostgreSQL refused it, and the cached copy was replaced by PostgreSQL's."""
    failed: list[GameFailure] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Every dirty game seen."""
        return (
            self.persisted
            + self.already_current
            + self.ended
            + self.refreshed
            + self.diverged
            + len(self.failed)
        )


@dataclass(frozen=True, slots=True)
class DirtyStats:
    """Games whose latest state is only in Redis, for health checks."""

    count: int
    oldest_change_at: datetime | None
    """When the oldest unpersisted change was cached (Redis clock); None when nothing is dirty."""
    oldest_age_seconds: float | None


@dataclass(frozen=True, slots=True)
class PlayerGame:
    """An active game of one player, as the reconnection screen lists it.

    Read from PostgreSQL: ``turn_number`` and ``version`` are those of the
    last persisted turn; `GameStateManager.load_state` returns the latest state.
    """

    game_id: UUID
    game_type: GameType
    player1_id: UUID | None
    player2_id: UUID | None
    npc_id: str | None
    turn_number: int
    version: int
    last_action_at: datetime
    turn_deadline: datetime | None


@dataclass(frozen=True, slots=True)
class EventsSince:
    """What `GameStateManager.events_since` answers a reconnecting client."""

    version: int
    """The game's newest version: the client is up to date once it has applied `events`."""
    events: list[tuple[int, Event]]
    """Each event after the version asked for, with the version of the action that caused
    it, oldest first, filtered for the seat asked for."""
    resync: bool = False
    """The version asked for is older than the game's snapshot (or not one the game has):
    `events` is empty, and the client must fetch the whole view instead."""
