"""Player decks: a main deck and an energy deck, each a map of card id to copies."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import ForeignKey, String, false, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db.base import Base, TimestampMixin, UUIDPrimaryKeyMixin, json_shape_check

if TYPE_CHECKING:
    from app.db.models.user import User

_EMPTY = text("'{}'")


class Deck(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """A saved deck and the result of its last validation.

    ``cards`` and ``energy_cards`` are JSON objects mapping a card definition
    id to its number of copies. JSONB changes made in place are not tracked:
    assign a new dict to save a change.
    """

    __tablename__ = "decks"
    __table_args__ = (
        json_shape_check("cards", "object"),
        json_shape_check("energy_cards", "object"),
        json_shape_check("validation_errors", "array", nullable=True),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"),
        index=True,
    )
    name: Mapped[str] = mapped_column(String(100))
    cards: Mapped[dict[str, int]] = mapped_column(JSONB, default=dict, server_default=_EMPTY)
    energy_cards: Mapped[dict[str, int]] = mapped_column(JSONB, default=dict, server_default=_EMPTY)
    is_valid: Mapped[bool] = mapped_column(default=False, server_default=false())
    validation_errors: Mapped[list[Any] | None] = mapped_column(JSONB(none_as_null=True))
    is_starter: Mapped[bool] = mapped_column(default=False, server_default=false())
    starter_type: Mapped[str | None] = mapped_column(String(32))

    user: Mapped[User] = relationship(back_populates="decks", lazy="raise")
