"""The cards a player owns, the audit ledger of every change to them, and the starter choice."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    String,
    UniqueConstraint,
    func,
)
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


class CollectionLedgerEntry(Base):
    """One change of one card's quantity in one collection, never updated or deleted.

    The entries of a user and card sum (``delta``) to the collection's quantity,
    and ``quantity_after`` is the quantity right after this change: the row of
    ``collections`` is locked while both are written, so concurrent changes are
    recorded in the order they were applied: ``id`` is drawn from a sequence at
    insert, under that lock, so for one card it grows in the order of the changes.
    Deleted with the user.
    """

    __tablename__ = "collection_ledger"
    __table_args__ = (
        CheckConstraint("delta <> 0", name="delta_non_zero"),
        CheckConstraint("quantity_after >= 0", name="quantity_after_non_negative"),
        Index(None, "user_id", "card_definition_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True, sort_order=-100)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    card_definition_id: Mapped[str] = mapped_column(String(64))
    delta: Mapped[int]
    quantity_after: Mapped[int]
    source: Mapped[CardSource] = mapped_column(str_enum(CardSource, "card_source"))
    reference: Mapped[str | None] = mapped_column(String(128))
    """What caused the change, for an auditor (``starter:fire``, a booster's id...)."""
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        server_default=func.now(),
        sort_order=100,
    )


class StarterChoice(Base):
    """The one starter deck a user chose; the primary key makes the choice happen once."""

    __tablename__ = "starter_choices"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    starter_type: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        server_default=func.now(),
        sort_order=100,
    )
