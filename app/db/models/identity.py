"""A way to sign in to an account: a provider and the subject it knows the player by."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.enums import OAuthProvider
from app.db.base import Base, TimestampMixin, UUIDPrimaryKeyMixin, str_enum

if TYPE_CHECKING:
    from app.db.models.user import User


class Identity(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """One provider account linked to one user.

    Only the provider's stable subject and the e-mail it vouched for are kept,
    never its tokens. A provider account signs in to at most one user
    (``provider, subject`` unique) and a user links each provider at most once.
    """

    __tablename__ = "identities"
    __table_args__ = (
        UniqueConstraint("provider", "subject"),
        UniqueConstraint("user_id", "provider"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    provider: Mapped[OAuthProvider] = mapped_column(str_enum(OAuthProvider, "oauth_provider"))
    subject: Mapped[str] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(320))

    user: Mapped[User] = relationship(back_populates="identities", lazy="raise")
