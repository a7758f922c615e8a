"""Player accounts, identified by their OAuth provider and the provider's user id."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import DateTime, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.enums import OAuthProvider
from app.db.base import Base, TimestampMixin, UUIDPrimaryKeyMixin, str_enum

if TYPE_CHECKING:
    from app.db.models.campaign import CampaignProgress
    from app.db.models.collection import Collection
    from app.db.models.deck import Deck


class User(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """A player account.

    Deleting a user deletes their collection, decks and campaign in the database
    (ON DELETE CASCADE); their games and history stay, with the player set to NULL.
    Relationships are ``lazy="raise"``: load them explicitly with ``selectinload``.
    """

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("oauth_provider", "oauth_id"),)

    email: Mapped[str] = mapped_column(String(320), index=True)
    display_name: Mapped[str] = mapped_column(String(64))
    avatar_url: Mapped[str | None] = mapped_column(String(2048))
    oauth_provider: Mapped[OAuthProvider] = mapped_column(str_enum(OAuthProvider, "oauth_provider"))
    oauth_id: Mapped[str] = mapped_column(String(255))
    is_premium: Mapped[bool] = mapped_column(default=False, server_default=false())
    premium_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_login: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    collection: Mapped[list[Collection]] = relationship(
        back_populates="user",
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    decks: Mapped[list[Deck]] = relationship(
        back_populates="user",
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    campaign: Mapped[CampaignProgress | None] = relationship(
        back_populates="user",
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
        uselist=False,
    )
