"""`Accounts`: what the accounts routes and the game service share, built once by the lifespan.

Each public coroutine here is one unit of work (it opens a database session,
commits on success, rolls back on error), because some outcomes must be
committed even though they end in an error: a reused refresh token revokes its
family *and* is refused.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.accounts import sessions, users
from app.accounts.errors import (
    InvalidRefreshTokenError,
    NotAuthenticatedError,
    RefreshTokenReusedError,
)
from app.accounts.ratelimit import RateLimiter
from app.accounts.tokens import AccessClaims, KeyRing, issue_access_token, verify_access_token
from app.config import Settings
from app.db.models import User
from app.db.redis import RedisClient
from app.db.session import session_scope


@dataclass(frozen=True, slots=True)
class TokenPair:
    """What a sign-in or refresh returns to the client."""

    access_token: str
    refresh_token: str
    expires_in: int
    user: User
    session_id: uuid.UUID


async def sign_in_user(
    db: AsyncSession, user: User, *, settings: Settings, keys: KeyRing, user_agent: str | None
) -> TokenPair:
    """Start a session for `user` in `db` (the caller commits) and sign its first tokens.

    Needs PostgreSQL only, so commands (``mantimon users create-dev``) use it too.
    """
    refresh = await sessions.start_session(
        db, user, user_agent=user_agent, ttl=timedelta(days=settings.refresh_token_ttl_days)
    )
    await users.touch(db, user.id, login=True)
    access = issue_access_token(
        keys,
        user_id=user.id,
        session_id=refresh.family_id,
        is_guest=user.is_guest,
        ttl_seconds=settings.access_token_ttl_seconds,
    )
    return TokenPair(
        access_token=access,
        refresh_token=refresh.token,
        expires_in=settings.access_token_ttl_seconds,
        user=user,
        session_id=refresh.family_id,
    )


class Accounts:
    """Sign-in, tokens and sessions over one database, one Redis and one key ring."""

    def __init__(
        self,
        settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession],
        redis: RedisClient,
        keys: KeyRing | None = None,
    ) -> None:
        self.settings = settings
        self.sessionmaker = sessionmaker
        self.redis = redis
        self.keys = keys or KeyRing.from_settings(settings)
        self.guard = sessions.SessionGuard(sessionmaker, settings.session_check_cache_seconds)
        self.limiter = RateLimiter(
            redis,
            settings.redis_key_prefix + "auth-rate:",
            limit=settings.auth_rate_limit,
            window=settings.auth_rate_window_seconds,
        )

    @property
    def _refresh_ttl(self) -> timedelta:
        return timedelta(days=self.settings.refresh_token_ttl_days)

    def _access_token(self, user: User, session_id: uuid.UUID) -> str:
        return issue_access_token(
            self.keys,
            user_id=user.id,
            session_id=session_id,
            is_guest=user.is_guest,
            ttl_seconds=self.settings.access_token_ttl_seconds,
        )

    async def sign_in(self, db: AsyncSession, user: User, *, user_agent: str | None) -> TokenPair:
        """Start a session for `user` inside the caller's unit of work."""
        return await sign_in_user(
            db, user, settings=self.settings, keys=self.keys, user_agent=user_agent
        )

    async def create_guest(self, *, user_agent: str | None) -> TokenPair:
        """A new guest, signed in."""
        async with session_scope(self.sessionmaker) as db:
            user = await users.create_guest(db)
            return await self.sign_in(db, user, user_agent=user_agent)

    async def refresh(self, token: str, *, user_agent: str | None) -> TokenPair:
        """Rotate `token`; a reused one revokes its family (committed) and is refused.

        Raises:
            InvalidRefreshTokenError: unknown, expired, revoked or reused.
        """
        reused: RefreshTokenReusedError | None = None
        user: User | None = None
        async with session_scope(self.sessionmaker) as db:
            try:
                refresh = await sessions.rotate(
                    db, token, user_agent=user_agent, ttl=self._refresh_ttl
                )
            except RefreshTokenReusedError as error:
                reused = error
            else:
                user = await db.get(User, refresh.user_id)
                if user is None:  # pragma: no cover - sessions go with their user
                    raise InvalidRefreshTokenError("the refresh token is not valid")
                await users.touch(db, user.id)
        if reused is not None:
            self.guard.forget(reused.family_id)
            raise reused
        assert user is not None
        return TokenPair(
            access_token=self._access_token(user, refresh.family_id),
            refresh_token=refresh.token,
            expires_in=self.settings.access_token_ttl_seconds,
            user=user,
            session_id=refresh.family_id,
        )

    async def owner_of(self, refresh_token: str) -> uuid.UUID | None:
        """The user a refresh token belongs to, if any (to rate-limit per account)."""
        async with self.sessionmaker() as db:
            return await sessions.owner_of(db, refresh_token)

    async def authenticate(self, token: str) -> tuple[User, AccessClaims]:
        """The user an access token speaks for, if its session is live and the user exists.

        Raises:
            NotAuthenticatedError: bad token, ended session or deleted user.
        """
        claims = verify_access_token(self.keys, token)
        if not await self.guard.is_live(claims.session_id):
            raise NotAuthenticatedError("the session of this access token has ended")
        async with self.sessionmaker() as db:
            user = await db.get(User, claims.user_id)
        if user is None:
            raise NotAuthenticatedError("the account of this access token no longer exists")
        return user, claims

    async def logout(
        self, user_id: uuid.UUID, session_id: uuid.UUID, *, missing_ok: bool = False
    ) -> None:
        """End one session of the user.

        A sign-out of the caller's own session passes `missing_ok`: an access token outlives
        its session by up to the revocation cache's time, and a client retrying its logout
        must not get an error for a success. Revoking a session by id does not.

        Raises:
            NotFoundError: not a live session of this user (unless `missing_ok`).
        """
        async with session_scope(self.sessionmaker) as db:
            await sessions.revoke_family(db, user_id, session_id, missing_ok=missing_ok)
        self.guard.forget(session_id)

    async def logout_everywhere(self, user_id: uuid.UUID) -> int:
        """End every session of the user; return how many ended."""
        async with session_scope(self.sessionmaker) as db:
            families = await sessions.revoke_all(db, user_id)
        self.guard.forget(*families)
        return len(families)

    async def delete_account(self, user_id: uuid.UUID) -> None:
        """Delete the user and everything they own; their games stay, anonymised."""
        async with session_scope(self.sessionmaker) as db:
            families = await users.delete_user(db, user_id)
        self.guard.forget(*families)
