"""The game service's tables: each game's service record, and players' ladder ratings.

``play_games`` holds the JSON `app.play.records.GameRecord` of every game the service made
(who sits where, the kind of game, the clock at the last turn boundary), written at creation,
at turn boundaries and at the end, so Redis losing it costs nothing. ``player_ratings`` holds
one Glicko-2 rating per user and rules preset, changed only in the transaction that records a
ranked game's result.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, json_shape_check


class PlayGame(Base):
    """A game's service record (see the module docstring)."""

    __tablename__ = "play_games"
    __table_args__ = (json_shape_check("record", "object"),)

    game_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    record: Mapped[dict[str, Any]] = mapped_column(JSONB)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class PlayerRating(Base):
    """One user's Glicko-2 rating on one preset's ranked ladder."""

    __tablename__ = "player_ratings"
    __table_args__ = (
        CheckConstraint("rd > 0", name="rd_positive"),
        CheckConstraint("volatility > 0", name="volatility_positive"),
        CheckConstraint("games >= 0", name="games_non_negative"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    preset: Mapped[str] = mapped_column(String(32), primary_key=True)
    rating: Mapped[float]
    rd: Mapped[float]
    volatility: Mapped[float]
    games: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
