"""Errors of the accounts domain; `app.api.errors` maps each to one HTTP status."""

from __future__ import annotations

import uuid

from app.errors import MantimonError


class AccountsError(MantimonError):
    """Base class of every accounts error."""


class AccountsUnavailableError(AccountsError):
    """The accounts service is not running (start-up or shutdown): a 503."""


class NotAuthenticatedError(AccountsError):
    """No valid access token: missing, malformed, expired, badly signed, or its session ended.

    The message never repeats the token, and says no more than a client needs.
    """


class InvalidRefreshTokenError(AccountsError):
    """The refresh token is unknown, expired, revoked or already used."""


class RefreshTokenReusedError(InvalidRefreshTokenError):
    """A rotated refresh token was presented again; its whole family has been revoked."""

    def __init__(self, family_id: uuid.UUID) -> None:
        self.family_id = family_id
        super().__init__("the refresh token was already used; the session is ended")


class SignInError(AccountsError):
    """A sign-in cannot complete because of the request (state, code, refusal by the player)."""


class ProviderUnavailableError(AccountsError):
    """The sign-in provider could not be reached or answered nonsense (a 502)."""


class ProviderNotConfiguredError(AccountsError):
    """The provider has no client id or secret here (a 404: the route does not exist for it)."""


class RedirectNotAllowedError(AccountsError):
    """The post-sign-in redirect is not on the allow-list (an open redirect is refused)."""


class IdentityConflictError(AccountsError):
    """The provider account already signs in to another user; linking never merges silently."""


class LastSignInMethodError(AccountsError):
    """Unlinking would leave a full account with no way to sign in."""


class DisplayNameError(AccountsError):
    """A display name is invalid, reserved or taken; the message says which."""


class DisplayNameTakenError(DisplayNameError):
    """Another user holds the display name in some casing."""


class RateLimitedError(AccountsError):
    """Too many sign-in or refresh attempts; retry after ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"too many attempts; retry in {retry_after} s")


class NotFoundError(AccountsError):
    """The thing does not exist or is not the caller's (the same answer, so ids are not probed)."""


class DevSignInDisabledError(AccountsError):
    """The development sign-in is off here (always in staging and prod)."""
