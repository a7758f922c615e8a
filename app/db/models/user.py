"""Player accounts; how each signs in is in `Identity`, its sessions in `AuthSession`."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import DateTime, String, false
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db.base import Base, TimestampMixin, UUIDPrimaryKeyMixin

if TYPE_CHECKING:
    from app.db.models.auth_session import AuthSession
    from app.db.models.campaign import CampaignProgress
    from app.db.models.collection import Collection
    from app.db.models.deck import Deck
    from app.db.models.identity import Identity


def display_name_key(display_name: str) -> str:
    """The form two display names are compared in: equal keys are the same name to a player."""
    return display_name.casefold()


def _key_from_name(context: DefaultExecutionContext) -> Any:
    parameters = context.get_current_parameters()  # type: ignore[no-untyped-call]
    return display_name_key(str(parameters["display_name"]))


class User(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """A player account: a guest (no sign-in method yet) or a full account (one or more).

    Deleting a user deletes their identities, sessions, collection, decks and
    campaign in the database (ON DELETE CASCADE); their games and history stay,
    with the player set to NULL. ``display_name_key`` is unique: two players
    never share a name however it is cased; an insert derives it from
    ``display_name``, a rename must set both (`app.accounts.users.rename` does).
    Relationships are ``lazy="raise"``: load them explicitly with ``selectinload``.
    """

    __tablename__ = "users"

    email: Mapped[str | None] = mapped_column(String(320), index=True)
    display_name: Mapped[str] = mapped_column(String(64))
    display_name_key: Mapped[str] = mapped_column(String(64), unique=True, default=_key_from_name)
    avatar_url: Mapped[str | None] = mapped_column(String(2048))
    is_guest: Mapped[bool] = mapped_column(default=False, server_default=false())
    is_premium: Mapped[bool] = mapped_column(default=False, server_default=false())
    premium_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_login: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)

    identities: Mapped[list[Identity]] = relationship(
        back_populates="user",
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    sessions: Mapped[list[AuthSession]] = relationship(
        back_populates="user",
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
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
