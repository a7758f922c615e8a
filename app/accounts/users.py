"""Users: guests, display names, deletion.

Display names are trimmed, NFKC-normalised, 3 to 24 characters, free of
control characters, unique case-insensitively (the database holds the
case-folded ``display_name_key`` under a unique constraint, so two requests
racing for one name cannot both win) and not reserved.

Functions take an `AsyncSession` and flush; the caller commits.
"""

from __future__ import annotations

import secrets
import unicodedata
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.errors import DisplayNameError, DisplayNameTakenError
from app.db.models import AuthSession, User
from app.db.models.user import display_name_key

MIN_NAME, MAX_NAME = 3, 24
RESERVED_NAMES = frozenset(
    {
        "admin",
        "administrator",
        "mantimon",
        "moderator",
        "mod",
        "system",
        "support",
        "staff",
        "root",
        "null",
        "none",
        "undefined",
        "deleted",
        "anonymous",
        "guest",
        "server",
        "bot",
    }
)
_RESERVED_PREFIXES = ("guest-", "guest ", "mantimon")


def normalise_display_name(raw: str) -> str:
    """Trim and NFKC-normalise `raw`, then check its length, characters and reserved words.

    Raises:
        DisplayNameError: too short or long, a control character, or a reserved name.
    """
    name = " ".join(unicodedata.normalize("NFKC", raw).split())
    if not MIN_NAME <= len(name) <= MAX_NAME:
        raise DisplayNameError(
            f"a display name has {MIN_NAME} to {MAX_NAME} characters after trimming; "
            f"this one has {len(name)}"
        )
    if any(unicodedata.category(char).startswith("C") for char in name):
        raise DisplayNameError("a display name cannot contain control or invisible characters")
    key = display_name_key(name)
    if key in RESERVED_NAMES or key.startswith(_RESERVED_PREFIXES):
        raise DisplayNameError(f"the display name {name!r} is reserved")
    return name


async def name_is_free(
    db: AsyncSession, name: str, *, except_user: uuid.UUID | None = None
) -> bool:
    """Whether no other user holds `name` in any casing."""
    query = select(User.id).where(User.display_name_key == display_name_key(name))
    if except_user is not None:
        query = query.where(User.id != except_user)
    return (await db.execute(query.limit(1))).first() is None


async def rename(db: AsyncSession, user: User, raw: str) -> None:
    """Give `user` the display name `raw` (normalised).

    Raises:
        DisplayNameError: invalid, reserved, or held by another user.
    """
    name = normalise_display_name(raw)
    if not await name_is_free(db, name, except_user=user.id):
        raise DisplayNameTakenError(f"the display name {name!r} is taken")
    user.display_name = name
    user.display_name_key = display_name_key(name)
    try:
        async with db.begin_nested():
            await db.flush()
    except IntegrityError:
        raise DisplayNameTakenError(f"the display name {name!r} is taken") from None


async def _insert_with_free_name(db: AsyncSession, user: User, base: str) -> User:
    for _ in range(8):
        user.display_name = f"{base}-{secrets.token_hex(3)}"
        user.display_name_key = display_name_key(user.display_name)
        try:
            async with db.begin_nested():
                db.add(user)
                await db.flush()
        except IntegrityError:
            continue
        return user
    raise DisplayNameError("could not find a free display name; try again")


async def create_guest(db: AsyncSession) -> User:
    """A new guest (no sign-in method) named ``Guest-xxxxxx``; usable at once."""
    now = datetime.now(UTC)
    return await _insert_with_free_name(
        db, User(is_guest=True, last_login=now, last_seen_at=now), "Guest"
    )


async def create_full_user(db: AsyncSession, *, email: str | None, suggested_name: str) -> User:
    """A new full account; its name is `suggested_name` when valid and free, else generated."""
    now = datetime.now(UTC)
    user = User(email=email, is_guest=False, last_login=now, last_seen_at=now)
    try:
        name = normalise_display_name(suggested_name)
    except DisplayNameError:
        name = ""
    if name and await name_is_free(db, name):
        user.display_name = name
        user.display_name_key = display_name_key(name)
        try:
            async with db.begin_nested():
                db.add(user)
                await db.flush()
            return user
        except IntegrityError:
            pass
    return await _insert_with_free_name(db, user, "Trainer")


async def touch(db: AsyncSession, user_id: uuid.UUID, *, login: bool = False) -> None:
    """Record that the user was seen now (and signed in, with `login`)."""
    now = datetime.now(UTC)
    values: dict[str, datetime] = {"last_seen_at": now}
    if login:
        values["last_login"] = now
    await db.execute(update(User).where(User.id == user_id).values(**values))


async def delete_user(db: AsyncSession, user_id: uuid.UUID) -> list[uuid.UUID]:
    """Delete the account; return the session families it ended.

    Collection, decks, campaign, identities and sessions go with it (every
    table owned by a user references it ON DELETE CASCADE); games and history
    stay with the player set to NULL (ON DELETE SET NULL).
    """
    families = (
        await db.execute(select(AuthSession.family_id).where(AuthSession.user_id == user_id))
    ).scalars()
    ended = sorted(set(families))
    await db.execute(delete(User).where(User.id == user_id))
    return ended


async def delete_idle_guests(db: AsyncSession, *, idle_for: timedelta) -> int:
    """Delete guests not seen for `idle_for`; return how many.

    Their collections, decks and sessions go with them; games they played stay,
    with the player set to NULL (anonymised), like any deleted account.
    """
    cutoff = datetime.now(UTC) - idle_for
    result = await db.execute(
        delete(User)
        .where(User.is_guest.is_(True), func.coalesce(User.last_seen_at, User.created_at) < cutoff)
        .returning(User.id)
    )
    return len(result.all())
