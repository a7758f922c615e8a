"""Sign-in sessions: opaque refresh tokens kept as SHA-256 in PostgreSQL, rotated on every use.

A sign-in starts a *family*; each refresh retires the presented token
(``rotated_at``) and issues the next one in the same family. Presenting a
retired token again means two parties hold it (one of them a thief): the whole
family is revoked and a warning is logged with the user and family ids (never
the token). Access tokens name their family (``sid``): `SessionGuard` answers
"is it still live?" from a short in-process cache, so a revoked session's
access tokens stop working within ``SESSION_CHECK_CACHE_SECONDS`` everywhere
and at once in the process that revoked it.

Functions here take an `AsyncSession` and flush; the caller commits.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.accounts.errors import InvalidRefreshTokenError, NotFoundError, RefreshTokenReusedError
from app.db.models import AuthSession, User

logger = logging.getLogger(__name__)

_USER_AGENT_LENGTH = 512


def hash_refresh_token(token: str) -> bytes:
    """The only form a refresh token is stored in."""
    return hashlib.sha256(token.encode()).digest()


def _new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True, slots=True)
class NewRefreshToken:
    """A refresh token just issued; `token` exists only in this object and the response."""

    token: str
    family_id: uuid.UUID
    user_id: uuid.UUID
    expires_at: datetime


def _live(now: datetime) -> tuple[ColumnElement[bool], ...]:
    return (
        AuthSession.rotated_at.is_(None),
        AuthSession.revoked_at.is_(None),
        AuthSession.expires_at > now,
    )


async def start_session(
    db: AsyncSession, user: User, *, user_agent: str | None, ttl: timedelta
) -> NewRefreshToken:
    """Start a new family for `user` and return its first refresh token."""
    now = datetime.now(UTC)
    token = _new_refresh_token()
    row = AuthSession(
        user_id=user.id,
        family_id=uuid.uuid4(),
        refresh_token_hash=hash_refresh_token(token),
        user_agent=(user_agent or None) and user_agent[:_USER_AGENT_LENGTH],
        signed_in_at=now,
        created_at=now,
        last_used_at=now,
        expires_at=now + ttl,
    )
    db.add(row)
    await db.flush()
    return NewRefreshToken(token, row.family_id, user.id, row.expires_at)


async def rotate(
    db: AsyncSession, token: str, *, user_agent: str | None, ttl: timedelta
) -> NewRefreshToken:
    """Exchange `token` for the next one of its family.

    The presented row is locked, so two concurrent refreshes with one token
    cannot both succeed: the second sees it rotated and revokes the family.

    Raises:
        InvalidRefreshTokenError: unknown, expired or revoked.
        RefreshTokenReusedError: reused; the family is revoked in `db`, which
            the caller must still commit for that to stick.
    """
    now = datetime.now(UTC)
    row = (
        await db.execute(
            select(AuthSession)
            .where(AuthSession.refresh_token_hash == hash_refresh_token(token))
            .with_for_update()
        )
    ).scalar_one_or_none()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        raise InvalidRefreshTokenError("the refresh token is not valid")
    if row.rotated_at is not None:
        revoked = await revoke_family(db, row.user_id, row.family_id, missing_ok=True)
        logger.warning(
            "refresh token reuse: user %s session %s revoked (%d tokens); "
            "a rotated refresh token was presented again",
            row.user_id,
            row.family_id,
            revoked,
        )
        raise RefreshTokenReusedError(row.family_id)
    row.rotated_at = now
    new_token = _new_refresh_token()
    successor = AuthSession(
        user_id=row.user_id,
        family_id=row.family_id,
        refresh_token_hash=hash_refresh_token(new_token),
        user_agent=(user_agent or row.user_agent or None)
        and (user_agent or row.user_agent or "")[:_USER_AGENT_LENGTH],
        signed_in_at=row.signed_in_at,
        created_at=now,
        last_used_at=now,
        expires_at=now + ttl,
    )
    db.add(successor)
    await db.flush()
    return NewRefreshToken(new_token, row.family_id, row.user_id, successor.expires_at)


async def revoke_family(
    db: AsyncSession, user_id: uuid.UUID, family_id: uuid.UUID, *, missing_ok: bool = False
) -> int:
    """End one session of `user_id`; return how many token rows it revoked.

    Raises:
        NotFoundError: no such live session of this user (another user's looks the same).
    """
    result = await db.execute(
        update(AuthSession)
        .where(
            AuthSession.user_id == user_id,
            AuthSession.family_id == family_id,
            AuthSession.revoked_at.is_(None),
        )
        .values(revoked_at=datetime.now(UTC))
    )
    count = int(result.rowcount)  # type: ignore[attr-defined]
    if count == 0 and not missing_ok:
        raise NotFoundError("no such session")
    return count


async def revoke_all(db: AsyncSession, user_id: uuid.UUID) -> list[uuid.UUID]:
    """End every session of `user_id`; return the families ended."""
    result = await db.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
        .returning(AuthSession.family_id)
    )
    return sorted(set(result.scalars()))


async def live_sessions(db: AsyncSession, user_id: uuid.UUID) -> list[AuthSession]:
    """The user's live sessions (the current token row of each), newest sign-in first."""
    now = datetime.now(UTC)
    rows = await db.execute(
        select(AuthSession)
        .where(AuthSession.user_id == user_id, *_live(now))
        .order_by(AuthSession.signed_in_at.desc())
    )
    return list(rows.scalars())


async def owner_of(db: AsyncSession, token: str) -> uuid.UUID | None:
    """The user a refresh token was issued to (valid or not), or None."""
    found = await db.execute(
        select(AuthSession.user_id).where(
            AuthSession.refresh_token_hash == hash_refresh_token(token)
        )
    )
    return found.scalar_one_or_none()


async def is_live(db: AsyncSession, family_id: uuid.UUID) -> bool:
    """Whether the family has a live token (so its access tokens are still honoured)."""
    now = datetime.now(UTC)
    found = await db.execute(
        select(AuthSession.id).where(AuthSession.family_id == family_id, *_live(now)).limit(1)
    )
    return found.first() is not None


async def live_families(db: AsyncSession, family_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
    """Those of `family_ids` that have a live token, in one query."""
    now = datetime.now(UTC)
    found = await db.execute(
        select(AuthSession.family_id)
        .where(AuthSession.family_id.in_(list(family_ids)), *_live(now))
        .distinct()
    )
    return set(found.scalars())


class SessionGuard:
    """A cached answer to "is this session still live?", shared by HTTP and WebSocket.

    A live answer is trusted for `ttl` seconds; a dead one forever (a family
    never comes back). `forget` drops an entry at once when this process ends a
    session, so its own revocations apply to the next request.
    """

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], ttl: float) -> None:
        self._sessionmaker = sessionmaker
        self._ttl = ttl
        self._live_until: dict[uuid.UUID, float] = {}
        self._dead: set[uuid.UUID] = set()

    async def is_live(self, family_id: uuid.UUID) -> bool:
        """Whether `family_id` is live, from the cache or PostgreSQL."""
        if family_id in self._dead:
            return False
        now = time.monotonic()
        if self._live_until.get(family_id, 0.0) > now:
            return True
        async with self._sessionmaker() as db:
            live = await is_live(db, family_id)
        self._remember(family_id, live, now)
        return live

    async def live_among(self, family_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
        """Which of `family_ids` are live: one query for all those the cache cannot answer.

        What a process holding many long-lived connections (the game service) asks every
        few seconds, instead of a query per connection.
        """
        now = time.monotonic()
        live = {f for f in family_ids if self._live_until.get(f, 0.0) > now}
        unknown = {f for f in family_ids if f not in live and f not in self._dead}
        if unknown:
            async with self._sessionmaker() as db:
                found = await live_families(db, unknown)
            for family_id in unknown:
                self._remember(family_id, family_id in found, now)
            live |= found
        return live

    def _remember(self, family_id: uuid.UUID, live: bool, now: float) -> None:
        if live:
            if len(self._live_until) > 100_000:
                self._live_until.clear()
            self._live_until[family_id] = now + self._ttl
        else:
            self._live_until.pop(family_id, None)
            if len(self._dead) > 100_000:
                self._dead.clear()
            self._dead.add(family_id)

    def forget(self, *family_ids: uuid.UUID) -> None:
        """Drop cached answers after this process revoked these families."""
        for family_id in family_ids:
            self._live_until.pop(family_id, None)
