"""The cards a player owns: one row per card definition, with the number of copies."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.enums import CardSource
from app.db.base import Base, TimestampMixin, UUIDPrimaryKeyMixin, str_enum

if TYPE_CHECKING:
    from app.db.models.user import User


class Collection(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """Copies of one card owned by one user; a row exists only while at least one copy does.

    ``card_definition_id`` refers to the bundled card catalog, not to a table,
    so it is checked by the services rather than by a foreign key.
    """

    __tablename__ = "collections"
    __table_args__ = (
        UniqueConstraint("user_id", "card_definition_id"),
        CheckConstraint("quantity >= 1", name="quantity_positive"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"),
        index=True,
    )
    card_definition_id: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[int] = mapped_column(default=1)
    source: Mapped[CardSource] = mapped_column(str_enum(CardSource, "card_source"))
    obtained_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        server_default=func.now(),
    )

    user: Mapped[User] = relationship(back_populates="collection", lazy="raise")
