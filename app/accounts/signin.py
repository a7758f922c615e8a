"""Sign-in and linking with a provider, from the authorization request to the session.

1. `SignInFlows.start` checks the post-sign-in redirect against the allow-list,
   draws ``state``, a PKCE verifier and a nonce, and keeps them in Redis for
   ten minutes under the SHA-256 of the state (one key per attempt).
2. The provider sends the browser to the callback; `SignInFlows.finish` takes
   the attempt out of Redis (``GETDEL``: a replayed or forged state finds
   nothing and is refused), redeems the code, and then either signs in (the
   identity's user, or a new full account) or links the identity to the user
   who started the attempt.
3. With a redirect, the browser is sent there with a one-time ``ticket`` in the
   fragment (never tokens in a URL); ``POST /api/v1/auth/ticket`` exchanges it
   for the tokens within two minutes, once.

Two accounts are never merged: a provider account already linked elsewhere is
refused with `IdentityConflictError`, and the same e-mail at another provider
starts a new account unless the player links it while signed in.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from redis.exceptions import RedisError
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts import users
from app.accounts.errors import (
    AccountsUnavailableError,
    DevSignInDisabledError,
    DisplayNameTakenError,
    IdentityConflictError,
    LastSignInMethodError,
    NotFoundError,
    RedirectNotAllowedError,
    SignInError,
)
from app.accounts.providers import ProviderProfile, configured_providers, provider_named
from app.accounts.service import Accounts, TokenPair
from app.core.enums import OAuthProvider
from app.db.models import Identity, User
from app.db.models.user import display_name_key
from app.db.session import session_scope

logger = logging.getLogger(__name__)

STATE_TTL_SECONDS = 600
TICKET_TTL_SECONDS = 120
_ERROR_CODE = re.compile(r"[a-z_]{1,40}")


@dataclass(frozen=True, slots=True)
class SignInOutcome:
    """What the callback did: signed in (`tokens` or a `ticket` to redeem) or linked."""

    redirect_to: str | None
    tokens: TokenPair | None = None
    ticket: str | None = None
    linked: OAuthProvider | None = None


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def check_redirect(allowed: list[str], target: str) -> str:
    """Return `target` if it is under one of the `allowed` URL prefixes.

    Scheme and host must match exactly and the path must start with the
    prefix's path, so ``https://app.example/`` never lets through
    ``https://app.example.evil/`` or ``//evil``.

    Raises:
        RedirectNotAllowedError: anything else.
    """
    parts = urlsplit(target)
    if (
        parts.scheme in ("http", "https")
        and parts.netloc
        and not any(char in target for char in "\\\r\n\t ")
    ):
        for prefix in allowed:
            base = urlsplit(prefix)
            if (
                (parts.scheme, parts.netloc.lower()) == (base.scheme, base.netloc.lower())
                and parts.path.startswith(base.path or "/")
                and not parts.fragment
            ):
                return target
    raise RedirectNotAllowedError("redirect_to is not an allowed address for this service")


class SignInFlows:
    """Provider sign-in and linking for one app, over its `Accounts`."""

    def __init__(self, accounts: Accounts) -> None:
        self.accounts = accounts
        self.providers = configured_providers(accounts.settings)
        self._prefix = accounts.settings.redis_key_prefix

    def _key(self, kind: str, secret: str) -> str:
        return f"{self._prefix}{kind}:{_digest(secret)}"

    async def start(
        self, provider_name: str, redirect_to: str | None, *, link_user: uuid.UUID | None = None
    ) -> str:
        """Begin an attempt; return the provider URL to send the browser to.

        Raises:
            ProviderNotConfiguredError: no such provider here.
            RedirectNotAllowedError: `redirect_to` is not allow-listed.
            ProviderUnavailableError: the provider's configuration could not be read.
        """
        provider = provider_named(self.providers, provider_name)
        if redirect_to is not None:
            check_redirect(self.accounts.settings.auth_redirect_allowlist, redirect_to)
        state = secrets.token_urlsafe(32)
        verifier = secrets.token_urlsafe(64)
        nonce = secrets.token_urlsafe(24)
        authorization = await provider.authorization(state, verifier, nonce)
        attempt = {
            "provider": provider.kind.value,
            "code_verifier": verifier,
            "nonce": authorization.nonce,
            "redirect_to": redirect_to,
            "link_user": str(link_user) if link_user else None,
        }
        await self._put(self._key("oauth-state", state), attempt, STATE_TTL_SECONDS)
        return authorization.url

    async def finish(
        self,
        provider_name: str,
        *,
        state: str | None,
        code: str | None,
        error: str | None,
        user_agent: str | None,
    ) -> SignInOutcome:
        """Complete an attempt from the provider's callback parameters.

        Raises:
            SignInError: missing, unknown, expired or replayed state; the player
                or the provider refused; no code.
            ProviderUnavailableError: the provider is down (a 502).
            IdentityConflictError: linking an account already linked elsewhere.
        """
        provider = provider_named(self.providers, provider_name)
        if not state:
            raise SignInError("the callback has no state: start the sign-in again")
        attempt = await self._take(self._key("oauth-state", state))
        if attempt is None or attempt.get("provider") != provider.kind.value:
            raise SignInError("unknown, expired or already used state: start the sign-in again")
        if error is not None:
            shown = error if _ERROR_CODE.fullmatch(error) else "error"
            raise SignInError(f"{provider.kind.value} did not sign you in ({shown})")
        if not code:
            raise SignInError("the callback has no code: start the sign-in again")
        profile = await provider.exchange(code, str(attempt["code_verifier"]), attempt["nonce"])
        redirect_to = attempt.get("redirect_to")
        link_user = attempt.get("link_user")
        if link_user:
            await self.link(uuid.UUID(str(link_user)), profile)
            return SignInOutcome(redirect_to=redirect_to, linked=profile.provider)
        user_id = await self._user_for(profile)
        if redirect_to:
            ticket = secrets.token_urlsafe(32)
            await self._put(self._key("ticket", ticket), {"user": str(user_id)}, TICKET_TTL_SECONDS)
            return SignInOutcome(redirect_to=redirect_to, ticket=ticket)
        tokens = await self._sign_in(user_id, user_agent)
        return SignInOutcome(redirect_to=None, tokens=tokens)

    async def redeem_ticket(self, ticket: str, *, user_agent: str | None) -> TokenPair:
        """Exchange a one-time ticket from the callback redirect for tokens.

        Raises:
            SignInError: unknown, expired or already redeemed.
        """
        found = await self._take(self._key("ticket", ticket))
        if found is None:
            raise SignInError("unknown, expired or already used ticket: sign in again")
        return await self._sign_in(uuid.UUID(str(found["user"])), user_agent)

    async def _sign_in(self, user_id: uuid.UUID, user_agent: str | None) -> TokenPair:
        async with session_scope(self.accounts.sessionmaker) as db:
            user = await db.get(User, user_id)
            if user is None:
                raise SignInError("the account no longer exists")
            return await self.accounts.sign_in(db, user, user_agent=user_agent)

    async def _user_for(self, profile: ProviderProfile) -> uuid.UUID:
        """The user this provider account signs in to, created (full account) the first time.

        Two first sign-ins of one provider account at once create one user: the
        loser of the unique (provider, subject) race finds the winner's.
        """
        try:
            return await self._find_or_create(profile)
        except IntegrityError:
            return await self._find_or_create(profile)

    async def _find_or_create(self, profile: ProviderProfile) -> uuid.UUID:
        async with session_scope(self.accounts.sessionmaker) as db:
            identity = await _identity(db, profile.provider, profile.subject)
            if identity is not None:
                if profile.email and identity.email != profile.email:
                    identity.email = profile.email
                return identity.user_id
            user = await users.create_full_user(
                db, email=profile.email, suggested_name=profile.name or ""
            )
            db.add(_new_identity(user.id, profile))
            await db.flush()
            logger.info("new account %s signed up with %s", user.id, profile.provider.value)
            return user.id

    async def link(self, user_id: uuid.UUID, profile: ProviderProfile) -> None:
        """Link a provider account to `user_id`; a guest becomes a full account.

        Raises:
            IdentityConflictError: it signs in to another user, or the user
                already has another account of this provider.
        """
        async with session_scope(self.accounts.sessionmaker) as db:
            user = await db.get(User, user_id, with_for_update=True)
            if user is None:
                raise SignInError("the account no longer exists")
            existing = await _identity(db, profile.provider, profile.subject)
            if existing is not None:
                if existing.user_id != user_id:
                    raise IdentityConflictError(
                        f"this {profile.provider.value} account signs in to another player; "
                        "accounts are never merged"
                    )
                return
            mine = await db.execute(
                select(Identity).where(
                    Identity.user_id == user_id, Identity.provider == profile.provider
                )
            )
            if mine.first() is not None:
                raise IdentityConflictError(
                    f"another {profile.provider.value} account is linked already; unlink it first"
                )
            db.add(_new_identity(user_id, profile))
            if user.is_guest:
                user.is_guest = False
            if user.email is None and profile.email:
                user.email = profile.email
            await db.flush()
            logger.info("account %s linked %s", user_id, profile.provider.value)

    async def unlink(self, user_id: uuid.UUID, provider_name: str) -> None:
        """Remove one sign-in method; the last one of a full account is refused.

        Raises:
            NotFoundError: no such method linked.
            LastSignInMethodError: it is the only one.
        """
        try:
            provider = OAuthProvider(provider_name)
        except ValueError:
            raise NotFoundError(f"no {provider_name!r} sign-in is linked") from None
        async with session_scope(self.accounts.sessionmaker) as db:
            await db.get(User, user_id, with_for_update=True)
            count = await db.scalar(
                select(func.count()).select_from(Identity).where(Identity.user_id == user_id)
            )
            removed = await db.execute(
                delete(Identity)
                .where(Identity.user_id == user_id, Identity.provider == provider)
                .returning(Identity.id)
            )
            if removed.first() is None:
                raise NotFoundError(f"no {provider.value} sign-in is linked")
            if (count or 0) <= 1:
                raise LastSignInMethodError(
                    "this is the account's only way to sign in; link another one first"
                )

    async def dev_sign_in(self, display_name: str, *, user_agent: str | None) -> TokenPair:
        """Sign in (creating it the first time) the dev account named `display_name`.

        Raises:
            DevSignInDisabledError: not in this environment (never staging or prod).
            DisplayNameError: an invalid name, or one a non-dev account holds.
        """
        if not self.accounts.settings.dev_sign_in_enabled:
            raise DevSignInDisabledError("the development sign-in is off here")
        async with session_scope(self.accounts.sessionmaker) as db:
            user = await dev_user(db, display_name)
            return await self.accounts.sign_in(db, user, user_agent=user_agent)

    async def _put(self, key: str, value: dict[str, str | None], ttl: int) -> None:
        try:
            await self.accounts.redis.set(key, json.dumps(value), ex=ttl)
        except RedisError as exc:
            raise AccountsUnavailableError("sign-in is unavailable: try again shortly") from exc

    async def _take(self, key: str) -> dict[str, str | None] | None:
        try:
            raw = await self.accounts.redis.getdel(key)
        except RedisError as exc:
            raise AccountsUnavailableError("sign-in is unavailable: try again shortly") from exc
        if raw is None:
            return None
        value = json.loads(raw)
        if not isinstance(value, dict):
            return None
        return {str(k): None if v is None else str(v) for k, v in value.items()}


async def dev_user(db: AsyncSession, display_name: str) -> User:
    """The dev account called `display_name`, created with a dev identity the first time.

    Raises:
        DisplayNameError: invalid, or held by an account that is not this dev account.
    """
    name = users.normalise_display_name(display_name)
    subject = display_name_key(name)
    identity = await _identity(db, OAuthProvider.DEV, subject)
    if identity is not None:
        user = await db.get(User, identity.user_id)
        assert user is not None
        return user
    if not await users.name_is_free(db, name):
        raise DisplayNameTakenError(f"the display name {name!r} is taken")
    now = datetime.now(UTC)
    user = User(display_name=name, is_guest=False, last_login=now, last_seen_at=now)
    db.add(user)
    await db.flush()
    db.add(Identity(user_id=user.id, provider=OAuthProvider.DEV, subject=subject, email=None))
    await db.flush()
    return user


async def _identity(db: AsyncSession, provider: OAuthProvider, subject: str) -> Identity | None:
    found = await db.execute(
        select(Identity).where(Identity.provider == provider, Identity.subject == subject)
    )
    return found.scalar_one_or_none()


def _new_identity(user_id: uuid.UUID, profile: ProviderProfile) -> Identity:
    return Identity(
        user_id=user_id, provider=profile.provider, subject=profile.subject, email=profile.email
    )
