"""Sign-in and sessions: guests, providers, dev sign-in, refresh, logout, the JWKS."""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse

from app.accounts.deps import AccountsDep, CurrentSession, SignInDep
from app.accounts.schemas import (
    DevSignInRequest,
    Linked,
    RefreshRequest,
    TicketRequest,
    TokenResponse,
    UserOut,
)
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
    """End the session of the access token presented; its refresh token stops working.

    Idempotent: a session that has already ended answers 204 as well.
    """
    user, claims = signed_in
    await accounts.logout(user.id, claims.session_id, missing_ok=True)
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


@router.get(
    "/{provider}/authorize",
    summary="Sign in with a provider",
    status_code=HTTPStatus.FOUND,
    response_class=RedirectResponse,
    responses=problem_responses(
        HTTPStatus.BAD_REQUEST,
        HTTPStatus.NOT_FOUND,
        HTTPStatus.UNPROCESSABLE_ENTITY,
        HTTPStatus.TOO_MANY_REQUESTS,
        HTTPStatus.BAD_GATEWAY,
    ),
)
async def authorize(
    provider: Annotated[str, Path(max_length=32, description="``google`` or ``discord``.")],
    request: Request,
    accounts: AccountsDep,
    flows: SignInDep,
    redirect_to: Annotated[
        str | None,
        Query(max_length=2048, description="An allow-listed URL to return to after sign-in."),
    ] = None,
) -> RedirectResponse:
    """Send the browser to the provider (authorization code with PKCE, state and nonce)."""
    await accounts.limiter.hit("ip:" + client_address(request))
    url = await flows.start(provider, redirect_to)
    return RedirectResponse(url, status_code=HTTPStatus.FOUND)


@router.get(
    "/{provider}/callback",
    summary="Where the provider sends the browser back",
    response_model=TokenResponse | Linked,
    responses={
        HTTPStatus.FOUND.value: {"description": "To the redirect, with #ticket= or #linked="},
        **problem_responses(
            HTTPStatus.BAD_REQUEST,
            HTTPStatus.NOT_FOUND,
            HTTPStatus.CONFLICT,
            HTTPStatus.UNPROCESSABLE_ENTITY,
            HTTPStatus.TOO_MANY_REQUESTS,
            HTTPStatus.BAD_GATEWAY,
        ),
    },
)
async def callback(
    provider: Annotated[str, Path(max_length=32)],
    request: Request,
    accounts: AccountsDep,
    flows: SignInDep,
    state: Annotated[str | None, Query(max_length=512)] = None,
    code: Annotated[str | None, Query(max_length=2048)] = None,
    error: Annotated[str | None, Query(max_length=256)] = None,
) -> Response:
    """Finish the sign-in or the linking; a missing, forged or replayed ``state`` is refused.

    With a redirect the browser goes there with a one-time ``ticket`` in the
    fragment (exchange it at ``/api/v1/auth/ticket``); without, the tokens are the body.
    """
    await accounts.limiter.hit("ip:" + client_address(request))
    outcome = await flows.finish(
        provider, state=state, code=code, error=error, user_agent=user_agent(request)
    )
    if outcome.redirect_to is not None:
        fragment = (
            urlencode({"linked": outcome.linked.value})
            if outcome.linked is not None
            else urlencode({"ticket": outcome.ticket or ""})
        )
        return RedirectResponse(f"{outcome.redirect_to}#{fragment}", status_code=HTTPStatus.FOUND)
    if outcome.linked is not None:
        return JSONResponse(Linked(linked=outcome.linked).model_dump(mode="json"))
    assert outcome.tokens is not None
    return JSONResponse(token_response(outcome.tokens).model_dump(mode="json"))


@router.post(
    "/ticket",
    summary="Exchange a sign-in ticket for tokens",
    responses=problem_responses(
        HTTPStatus.BAD_REQUEST, HTTPStatus.UNPROCESSABLE_ENTITY, HTTPStatus.TOO_MANY_REQUESTS
    ),
)
async def redeem_ticket(
    body: TicketRequest, request: Request, accounts: AccountsDep, flows: SignInDep
) -> TokenResponse:
    """The tokens of a provider sign-in that ended in a redirect; a ticket works once."""
    await accounts.limiter.hit("ip:" + client_address(request))
    pair = await flows.redeem_ticket(body.ticket, user_agent=user_agent(request))
    return token_response(pair)


@router.post(
    "/dev",
    summary="Development sign-in (dev only)",
    responses=problem_responses(
        HTTPStatus.NOT_FOUND,
        HTTPStatus.CONFLICT,
        HTTPStatus.UNPROCESSABLE_ENTITY,
        HTTPStatus.TOO_MANY_REQUESTS,
    ),
)
async def dev_sign_in(
    body: DevSignInRequest, request: Request, accounts: AccountsDep, flows: SignInDep
) -> TokenResponse:
    """Sign in as the named development account, created the first time; a 404 outside dev."""
    await accounts.limiter.hit("ip:" + client_address(request))
    pair = await flows.dev_sign_in(body.display_name, user_agent=user_agent(request))
    return token_response(pair)


@well_known.get("/.well-known/jwks.json", summary="Public keys of access tokens")
async def jwks(accounts: AccountsDep) -> dict[str, Any]:
    """Every key an access token may be signed with (ES256, by ``kid``)."""
    return accounts.keys.public_jwks()
