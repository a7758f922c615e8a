"""Sign-in sessions: one row per refresh token, grouped by the sign-in (family) it continues."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, LargeBinary, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db.base import Base, UUIDPrimaryKeyMixin

if TYPE_CHECKING:
    from app.db.models.user import User


class AuthSession(UUIDPrimaryKeyMixin, Base):
    """One refresh token, stored as its SHA-256 only.

    A sign-in starts a family (``family_id``); each refresh marks its row
    ``rotated_at`` and adds the next row of the same family, so a family has at
    most one live row (neither rotated nor revoked). Presenting a rotated token
    again is reuse: the whole family is revoked. Access tokens name the family
    (``sid``), so revoking it stops them too.
    """

    __tablename__ = "sessions"
    __table_args__ = (CheckConstraint("octet_length(refresh_token_hash) = 32", name="hash_length"),)

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    family_id: Mapped[uuid.UUID] = mapped_column(index=True)
    refresh_token_hash: Mapped[bytes] = mapped_column(LargeBinary(), unique=True)
    user_agent: Mapped[str | None] = mapped_column(String(512))
    signed_in_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_used_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    rotated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship(back_populates="sessions", lazy="raise")
