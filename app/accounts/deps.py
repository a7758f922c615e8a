"""FastAPI dependencies for routes that need the signed-in user.

``user: CurrentUser`` in a route's signature gives the `User` a valid
``Authorization: Bearer <access token>`` speaks for; anything else (no header,
another scheme, a bad or expired token, an ended session, a deleted user)
answers 401 with a problem document and ``WWW-Authenticate: Bearer``. The user
is loaded fresh for each request (detached: load relationships explicitly).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.accounts.errors import AccountsUnavailableError, NotAuthenticatedError
from app.accounts.service import Accounts
from app.accounts.signin import SignInFlows
from app.accounts.tokens import AccessClaims
from app.db.models import User

_bearer = HTTPBearer(auto_error=False, description="An access token from /api/v1/auth/*.")


def get_accounts(request: Request) -> Accounts:
    """The running app's `Accounts` (the lifespan builds it).

    Raises:
        AccountsUnavailableError: the app is starting or stopping (a 503).
    """
    accounts = getattr(getattr(request.app.state, "services", None), "accounts", None)
    if not isinstance(accounts, Accounts):
        raise AccountsUnavailableError("the service is not running: it is starting or stopping")
    return accounts


AccountsDep = Annotated[Accounts, Depends(get_accounts)]


def get_signin(request: Request) -> SignInFlows:
    """The running app's provider sign-in flows.

    Raises:
        AccountsUnavailableError: the app is starting or stopping (a 503).
    """
    flows = getattr(getattr(request.app.state, "services", None), "signin", None)
    if not isinstance(flows, SignInFlows):
        raise AccountsUnavailableError("the service is not running: it is starting or stopping")
    return flows


SignInDep = Annotated[SignInFlows, Depends(get_signin)]


async def current_session(
    request: Request,
    accounts: AccountsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> tuple[User, AccessClaims]:
    """The signed-in user and what their access token says (its session among others).

    Raises:
        NotAuthenticatedError: see the module docstring (a 401).
    """
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise NotAuthenticatedError("sign in first: send Authorization: Bearer <access token>")
    user, claims = await accounts.authenticate(credentials.credentials)
    request.state.user_id = user.id
    return user, claims


async def current_user(
    signed_in: Annotated[tuple[User, AccessClaims], Depends(current_session)],
) -> User:
    """The signed-in user (a 401 problem document otherwise)."""
    return signed_in[0]


CurrentUser = Annotated[User, Depends(current_user)]
CurrentSession = Annotated[tuple[User, AccessClaims], Depends(current_session)]
