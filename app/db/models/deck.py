"""Player decks: a main deck and an energy deck, each a map of card id to copies."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import CheckConstraint, ForeignKey, String, false, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.enums import DeckMode
from app.core.rules import RulesPreset
from app.db.base import Base, TimestampMixin, UUIDPrimaryKeyMixin, json_shape_check, str_enum

if TYPE_CHECKING:
    from app.db.models.user import User

_EMPTY = text("'{}'")


class Deck(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """A saved deck and the result of its last validation.

    ``cards`` and ``energy_cards`` are JSON objects mapping a card definition
    id to its number of copies. JSONB changes made in place are not tracked:
    assign a new dict to save a change.

    ``version`` starts at 1 and grows by one with every change a player makes,
    so an edit based on an older version can be refused (optimistic locking).
    ``rules_preset`` and ``mode`` say what the deck is validated against.
    """

    __tablename__ = "decks"
    __table_args__ = (
        json_shape_check("cards", "object"),
        json_shape_check("energy_cards", "object"),
        json_shape_check("validation_errors", "array", nullable=True),
        CheckConstraint("version >= 1", name="version_positive"),
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
    version: Mapped[int] = mapped_column(default=1, server_default=text("1"))
    rules_preset: Mapped[RulesPreset] = mapped_column(
        str_enum(RulesPreset, "rules_preset"),
        default=RulesPreset.MANTIMON,
        server_default=RulesPreset.MANTIMON.value,
    )
    mode: Mapped[DeckMode] = mapped_column(
        str_enum(DeckMode, "deck_mode"),
        default=DeckMode.FREEPLAY,
        server_default=DeckMode.FREEPLAY.value,
    )

    user: Mapped[User] = relationship(back_populates="decks", lazy="raise")
