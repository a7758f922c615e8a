"""Games in progress (the durable copy behind Redis) and finished games (history and replays).

Both tables use the game id as their primary key, so one game can never have
two active rows or two history rows. Player columns are ON DELETE SET NULL:
deleting an account must not erase the other player's games or the history.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.enums import EndReason, GameType
from app.db.base import Base, TimestampMixin, UUIDPrimaryKeyMixin, json_shape_check, str_enum
from app.db.models.user import User


def _player_fk() -> ForeignKey:
    return ForeignKey("users.id", ondelete="SET NULL")


class ActiveGame(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """The last persisted turn boundary of a game in progress.

    ``version`` is the game state's version at that boundary; writers only
    replace a row with a strictly newer version that descends from it.
    ``lineage_digest`` is the head of the state's hash chain over its action log
    (16 bytes, see `app.store.lineage`): the upsert compares it with the
    incoming state's chain, so a state built on an older copy is refused. NULL
    means "not recorded" (rows written before it existed): the next write is
    checked on its version alone and records it.
    """

    __tablename__ = "active_games"
    __table_args__ = (
        CheckConstraint("turn_number >= 0", name="turn_number_non_negative"),
        CheckConstraint("version >= 0", name="version_non_negative"),
        CheckConstraint("octet_length(lineage_digest) = 16", name="lineage_digest_length"),
        json_shape_check("rules_config", "object"),
        json_shape_check("game_state", "object"),
    )

    game_type: Mapped[GameType] = mapped_column(str_enum(GameType, "game_type"))
    player1_id: Mapped[uuid.UUID | None] = mapped_column(_player_fk(), index=True)
    player2_id: Mapped[uuid.UUID | None] = mapped_column(_player_fk(), index=True)
    npc_id: Mapped[str | None] = mapped_column(String(64))
    rules_config: Mapped[dict[str, Any]] = mapped_column(JSONB)
    game_state: Mapped[dict[str, Any]] = mapped_column(JSONB)
    turn_number: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    version: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_action_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        server_default=func.now(),
    )
    turn_deadline: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lineage_digest: Mapped[bytes | None] = mapped_column(LargeBinary)

    player1: Mapped[User | None] = relationship(
        foreign_keys=[player1_id],
        lazy="raise",
        passive_deletes=True,
    )
    player2: Mapped[User | None] = relationship(
        foreign_keys=[player2_id],
        lazy="raise",
        passive_deletes=True,
    )


class GameHistory(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """A finished game: its result for statistics and leaderboards, and its replay.

    ``winner_id`` is NULL for a draw, an NPC win, or a winner whose account was deleted;
    the replay data records which.
    """

    __tablename__ = "game_history"
    __table_args__ = (
        CheckConstraint("turn_count >= 0", name="turn_count_non_negative"),
        CheckConstraint("duration_seconds >= 0", name="duration_seconds_non_negative"),
        json_shape_check("replay_data", "object", nullable=True),
        Index("ix_game_history_player1_id_played_at", "player1_id", "played_at"),
        Index("ix_game_history_player2_id_played_at", "player2_id", "played_at"),
        Index("ix_game_history_winner_id_played_at", "winner_id", "played_at"),
        Index("ix_game_history_game_type_played_at", "game_type", "played_at"),
    )

    game_type: Mapped[GameType] = mapped_column(str_enum(GameType, "game_type"))
    player1_id: Mapped[uuid.UUID | None] = mapped_column(_player_fk())
    player2_id: Mapped[uuid.UUID | None] = mapped_column(_player_fk())
    npc_id: Mapped[str | None] = mapped_column(String(64))
    winner_id: Mapped[uuid.UUID | None] = mapped_column(_player_fk())
    end_reason: Mapped[EndReason] = mapped_column(str_enum(EndReason, "end_reason"))
    turn_count: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    duration_seconds: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    replay_data: Mapped[dict[str, Any] | None] = mapped_column(JSONB(none_as_null=True))
    played_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    player1: Mapped[User | None] = relationship(
        foreign_keys=[player1_id],
        lazy="raise",
        passive_deletes=True,
    )
    player2: Mapped[User | None] = relationship(
        foreign_keys=[player2_id],
        lazy="raise",
        passive_deletes=True,
    )
    winner: Mapped[User | None] = relationship(
        foreign_keys=[winner_id],
        lazy="raise",
        passive_deletes=True,
    )
