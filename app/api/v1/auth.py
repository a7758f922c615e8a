"""Sign-in and sessions: guests, providers, dev sign-in, refresh, logout, the JWKS."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import APIRouter, Request, Response

from app.accounts.deps import AccountsDep, CurrentSession
from app.accounts.schemas import RefreshRequest, TokenResponse, UserOut
from app.accounts.service import TokenPair
from app.api.errors import problem_responses

router = APIRouter(prefix="/auth", tags=["auth"])
well_known = APIRouter(tags=["auth"])

_LIMITED = problem_responses(HTTPStatus.TOO_MANY_REQUESTS)


def client_address(request: Request) -> str:
    """The address rate limits count against (the direct peer; no proxy headers trusted)."""
    return request.client.host if request.client else "unknown"


def user_agent(request: Request) -> str | None:
    """The client's User-Agent, shown in its list of sessions."""
    return request.headers.get("user-agent")


def token_response(pair: TokenPair) -> TokenResponse:
    """The body every sign-in and refresh answers with."""
    return TokenResponse(
        access_token=pair.access_token,
        refresh_token=pair.refresh_token,
        expires_in=pair.expires_in,
        user=UserOut.model_validate(pair.user),
    )


@router.post(
    "/guest",
    summary="Play as a guest",
    status_code=HTTPStatus.CREATED,
    responses=_LIMITED,
)
async def create_guest(request: Request, accounts: AccountsDep) -> TokenResponse:
    """Create a guest account and sign it in at once; link a provider later to keep it."""
    await accounts.limiter.hit("ip:" + client_address(request))
    return token_response(await accounts.create_guest(user_agent=user_agent(request)))


@router.post(
    "/refresh",
    summary="Exchange a refresh token",
    responses=problem_responses(
        HTTPStatus.UNAUTHORIZED, HTTPStatus.UNPROCESSABLE_ENTITY, HTTPStatus.TOO_MANY_REQUESTS
    ),
)
async def refresh(body: RefreshRequest, request: Request, accounts: AccountsDep) -> TokenResponse:
    """A new access token and a new refresh token; the one presented is used up.

    Presenting a refresh token that was already exchanged ends its whole session.
    """
    await accounts.limiter.hit("ip:" + client_address(request))
    user_id = await accounts.owner_of(body.refresh_token)
    if user_id is not None:
        await accounts.limiter.hit(f"account:{user_id}")
    pair = await accounts.refresh(body.refresh_token, user_agent=user_agent(request))
    return token_response(pair)


@router.post(
    "/logout",
    summary="Sign out this session",
    status_code=HTTPStatus.NO_CONTENT,
    responses=problem_responses(HTTPStatus.UNAUTHORIZED),
)
async def logout(signed_in: CurrentSession, accounts: AccountsDep) -> Response:
    """End the session of the access token presented; its refresh token stops working."""
    user, claims = signed_in
    await accounts.logout(user.id, claims.session_id)
    return Response(status_code=HTTPStatus.NO_CONTENT)


@router.post(
    "/logout-everywhere",
    summary="Sign out every session",
    status_code=HTTPStatus.NO_CONTENT,
    responses=problem_responses(HTTPStatus.UNAUTHORIZED),
)
async def logout_everywhere(signed_in: CurrentSession, accounts: AccountsDep) -> Response:
    """End every session of the signed-in user, this one included."""
    await accounts.logout_everywhere(signed_in[0].id)
    return Response(status_code=HTTPStatus.NO_CONTENT)


@well_known.get("/.well-known/jwks.json", summary="Public keys of access tokens")
async def jwks(accounts: AccountsDep) -> dict[str, Any]:
    """Every key an access token may be signed with (ES256, by ``kid``)."""
    return accounts.keys.public_jwks()
