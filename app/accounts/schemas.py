"""The accounts API's request and response bodies."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.core.enums import OAuthProvider


class LinkedAccount(BaseModel):
    """A sign-in method linked to the account."""

    provider: OAuthProvider
    email: str | None = Field(description="The e-mail the provider vouched for, if any.")
    linked_at: datetime


class UserOut(BaseModel):
    """The signed-in player as they see themselves."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    display_name: str
    email: str | None
    avatar_url: str | None
    is_guest: bool = Field(description="A guest has no sign-in method yet; linking one keeps it.")
    is_premium: bool
    created_at: datetime


class MeOut(UserOut):
    """The signed-in player with their linked sign-in methods."""

    linked_accounts: list[LinkedAccount]


class TokenResponse(BaseModel):
    """Tokens of a new or refreshed session (see the README: what each token is)."""

    access_token: str = Field(description="A JWT for Authorization: Bearer, short-lived.")
    refresh_token: str = Field(
        description="Opaque, single-use: exchange it at /api/v1/auth/refresh for a new pair."
    )
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - the scheme name
    expires_in: int = Field(description="Seconds until the access token expires.")
    user: UserOut


class RefreshRequest(BaseModel):
    """A refresh token to exchange (it is used up)."""

    refresh_token: str = Field(min_length=1, max_length=512)


class SessionOut(BaseModel):
    """One signed-in device or browser."""

    id: uuid.UUID = Field(description="The session id (``sid`` in its access tokens).")
    created_at: datetime = Field(description="When this session signed in.")
    last_used_at: datetime
    user_agent: str | None
    current: bool = Field(description="Whether this request's access token belongs to it.")


class SessionList(BaseModel):
    """The caller's live sessions, newest first."""

    items: list[SessionOut]


class MePatch(BaseModel):
    """Changes to the signed-in player; absent fields stay as they are."""

    display_name: str | None = Field(
        default=None, max_length=200, description="3-24 characters after trimming and NFKC."
    )


class TicketRequest(BaseModel):
    """The one-time ticket a provider sign-in redirected back with."""

    ticket: str = Field(min_length=1, max_length=256)


class DevSignInRequest(BaseModel):
    """The name of a development account (created the first time)."""

    display_name: str = Field(max_length=200)


class LinkRequest(BaseModel):
    """Where to send the browser after the provider linked the account."""

    redirect_to: str | None = Field(default=None, max_length=2048)


class AuthorizationUrl(BaseModel):
    """The provider URL to send the browser to."""

    authorization_url: str


class Linked(BaseModel):
    """A provider linked by a callback without a redirect."""

    linked: OAuthProvider
