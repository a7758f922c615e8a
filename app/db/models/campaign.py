"""Single-player campaign progress: one row per player."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import CheckConstraint, ForeignKey, String, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db.base import Base, TimestampMixin, UUIDPrimaryKeyMixin, json_shape_check

if TYPE_CHECKING:
    from app.db.models.user import User

_COUNTERS = ("total_wins", "total_losses", "booster_packs", "mantibucks")


class CampaignProgress(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """Where a player stands in the campaign and what they have earned.

    ``medals`` and ``defeated_npcs`` are JSON lists of ids; the counters can
    never go negative (CHECK constraints), so a double spend fails in the database.
    """

    __tablename__ = "campaign_progress"
    __table_args__ = (
        *(CheckConstraint(f"{column} >= 0", name=f"{column}_non_negative") for column in _COUNTERS),
        json_shape_check("medals", "array"),
        json_shape_check("defeated_npcs", "array"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"),
        unique=True,
    )
    current_club: Mapped[str | None] = mapped_column(String(64))
    medals: Mapped[list[Any]] = mapped_column(JSONB, default=list, server_default=text("'[]'"))
    defeated_npcs: Mapped[list[Any]] = mapped_column(
        JSONB,
        default=list,
        server_default=text("'[]'"),
    )
    total_wins: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    total_losses: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    booster_packs: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    mantibucks: Mapped[int] = mapped_column(default=0, server_default=text("0"))

    user: Mapped[User] = relationship(back_populates="campaign", lazy="raise")
