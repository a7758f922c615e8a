"""What the game service knows of a game besides its engine state: who sits where, the clock.

A `GameRecord` is small JSON kept in Redis beside the game (one key per game) and copied to
PostgreSQL (`play_games`) when the game is created, at every turn boundary and at its end,
so a Redis that restarts empty loses at most the clock's progress within a turn, never who
plays the game. The engine state itself lives in the game store (`app.store`).

The record also carries what the protocol needs to answer a resent message exactly once
(`acks`: the client's message id to the version it produced) and the standing offers (draw,
rematch). Every change goes through `app.play.service` under the game's lock.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from app.core.decks import DeckList
from app.play.clock import GameClock, TimeControl

MAX_ACKS = 256
"""Message ids remembered per game: far more than a client can have in flight."""


class GameKind(StrEnum):
    """How a game was made: it decides its timer, its spectator delay and whether it is rated."""

    BOT = "bot"
    FRIEND = "friend"
    CASUAL = "casual"
    RANKED = "ranked"


class GameStatus(StrEnum):
    """Where a game is in its life."""

    WAITING = "waiting"
    """A private game whose invite has not been taken yet: no engine state exists."""
    ACTIVE = "active"
    ENDED = "ended"


class SeatInfo(BaseModel):
    """Who plays a seat: a user with one of their decks, or a bot of a level."""

    model_config = ConfigDict(extra="forbid")

    user_id: UUID | None = None
    name: str
    bot: str | None = None
    deck_id: UUID | None = None
    rating: float | None = None
    deck: DeckList | None = None
    """The deck this seat plays (kept for a rematch; never sent to a client as it is)."""


class GameRecord(BaseModel):
    """The service's record of one game (see the module docstring)."""

    model_config = ConfigDict(extra="forbid")

    game_id: UUID
    kind: GameKind
    preset: str
    status: GameStatus = GameStatus.ACTIVE
    seats: list[SeatInfo]
    created_ms: int
    version: int = 0
    """The engine version this record was last brought up to date with."""
    control: TimeControl | None = None
    clock: GameClock | None = None
    spectator_delay_ms: Annotated[int, Field(ge=0)] = 0
    invite_code: str | None = None
    invite_expires_ms: int | None = None
    draw_offer: int | None = None
    """The seat whose draw offer stands (until the end of that seat's turn)."""
    rematch: list[int] = Field(default_factory=list)
    """The seats that asked for a rematch after the end."""
    next_game: UUID | None = None
    due_ms: int | None = None
    """When the game's next deadline falls (a bot's move, a timer), as last scheduled."""
    acks: dict[str, int] = Field(default_factory=dict)
    """``"<seat>:<message id>"`` to the version that message produced (or found)."""
    winner: int | None = None
    end_reason: str | None = None
    namespace: str = ""
    """The Redis key prefix of the deployment that made the game (set when it is stored): when
    Redis loses the deadlines, a deployment puts back only its own games' deadlines."""

    def seat_of(self, user_id: UUID) -> int | None:
        """The seat `user_id` plays, or None."""
        for index, seat in enumerate(self.seats):
            if seat.user_id == user_id:
                return index
        return None

    def remember_ack(self, seat: int, message_id: str, version: int) -> None:
        """Record that `message_id` of `seat` was applied at `version` (oldest dropped first)."""
        self.acks[f"{seat}:{message_id}"] = version
        while len(self.acks) > MAX_ACKS:
            del self.acks[next(iter(self.acks))]

    def acked(self, seat: int, message_id: str) -> int | None:
        """The version `message_id` of `seat` produced, if it was applied."""
        return self.acks.get(f"{seat}:{message_id}")

    def to_json(self) -> str:
        """The record as compact JSON (its Redis and PostgreSQL form)."""
        return self.model_dump_json()

    @classmethod
    def from_json(cls, raw: str | bytes | dict[str, Any]) -> GameRecord:
        """Parse a stored record."""
        if isinstance(raw, dict):
            return cls.model_validate(raw)
        return cls.model_validate_json(raw)
