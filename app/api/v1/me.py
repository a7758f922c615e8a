"""The signed-in player: profile, linked accounts, sessions, deletion."""

from __future__ import annotations

import uuid
from http import HTTPStatus
from typing import Annotated

from fastapi import APIRouter, Path, Response
from sqlalchemy import select

from app.accounts import sessions, users
from app.accounts.deps import AccountsDep, CurrentSession, CurrentUser, SignInDep
from app.accounts.errors import NotFoundError
from app.accounts.schemas import (
    AuthorizationUrl,
    LinkedAccount,
    LinkRequest,
    MeOut,
    MePatch,
    SessionList,
    SessionOut,
    UserOut,
)
from app.api.errors import problem_responses
from app.db.models import Identity, User
from app.db.session import session_scope

router = APIRouter(prefix="/me", tags=["me"])
_AUTH = problem_responses(HTTPStatus.UNAUTHORIZED)


async def _me(accounts: AccountsDep, user_id: uuid.UUID) -> MeOut:
    async with accounts.sessionmaker() as db:
        user = await db.get(User, user_id)
        rows = await db.execute(
            select(Identity).where(Identity.user_id == user_id).order_by(Identity.created_at)
        )
        identities = list(rows.scalars())
    if user is None:  # pragma: no cover - deleted between authentication and now
        raise NotFoundError("no such user")
    return MeOut(
        **UserOut.model_validate(user).model_dump(),
        linked_accounts=[
            LinkedAccount(provider=row.provider, email=row.email, linked_at=row.created_at)
            for row in identities
        ],
    )


@router.get("", summary="Get the signed-in player", responses=_AUTH)
async def get_me(user: CurrentUser, accounts: AccountsDep) -> MeOut:
    """The player, with the sign-in methods linked to the account."""
    return await _me(accounts, user.id)


@router.patch(
    "",
    summary="Change the signed-in player",
    responses=problem_responses(
        HTTPStatus.UNAUTHORIZED, HTTPStatus.CONFLICT, HTTPStatus.UNPROCESSABLE_ENTITY
    ),
)
async def patch_me(body: MePatch, user: CurrentUser, accounts: AccountsDep) -> MeOut:
    """Rename: trimmed, NFKC-normalised, 3-24 characters, unique in any casing, not reserved."""
    if body.display_name is not None:
        async with session_scope(accounts.sessionmaker) as db:
            row = await db.get(User, user.id, with_for_update=True)
            if row is None:  # pragma: no cover - deleted between authentication and now
                raise NotFoundError("no such user")
            await users.rename(db, row, body.display_name)
    return await _me(accounts, user.id)


@router.delete(
    "",
    summary="Delete the account",
    status_code=HTTPStatus.NO_CONTENT,
    responses=_AUTH,
)
async def delete_me(user: CurrentUser, accounts: AccountsDep) -> Response:
    """Delete the account, its collection, decks and sessions; games it played stay anonymised."""
    await accounts.delete_account(user.id)
    return Response(status_code=HTTPStatus.NO_CONTENT)


@router.get("/sessions", summary="List my sessions", responses=_AUTH)
async def list_sessions(signed_in: CurrentSession, accounts: AccountsDep) -> SessionList:
    """Every live session of the player: when it signed in, was last used, and from what."""
    user, claims = signed_in
    async with accounts.sessionmaker() as db:
        rows = await sessions.live_sessions(db, user.id)
    return SessionList(
        items=[
            SessionOut(
                id=row.family_id,
                created_at=row.signed_in_at,
                last_used_at=row.last_used_at,
                user_agent=row.user_agent,
                current=row.family_id == claims.session_id,
            )
            for row in rows
        ]
    )


@router.delete(
    "/sessions/{session_id}",
    summary="Revoke one of my sessions",
    status_code=HTTPStatus.NO_CONTENT,
    responses=problem_responses(
        HTTPStatus.UNAUTHORIZED, HTTPStatus.NOT_FOUND, HTTPStatus.UNPROCESSABLE_ENTITY
    ),
)
async def revoke_session(
    session_id: uuid.UUID, user: CurrentUser, accounts: AccountsDep
) -> Response:
    """End one session; its tokens stop working within seconds. Another player's id is a 404."""
    await accounts.logout(user.id, session_id)
    return Response(status_code=HTTPStatus.NO_CONTENT)


@router.post(
    "/identities/{provider}",
    summary="Start linking a provider",
    responses=problem_responses(
        HTTPStatus.BAD_REQUEST,
        HTTPStatus.UNAUTHORIZED,
        HTTPStatus.NOT_FOUND,
        HTTPStatus.UNPROCESSABLE_ENTITY,
        HTTPStatus.BAD_GATEWAY,
    ),
)
async def link_identity(
    provider: Annotated[str, Path(max_length=32, description="``google`` or ``discord``.")],
    body: LinkRequest,
    user: CurrentUser,
    flows: SignInDep,
) -> AuthorizationUrl:
    """The provider URL that, once the player signs in there, links it to this account.

    A guest linking a provider becomes a full account and keeps everything.
    """
    url = await flows.start(provider, body.redirect_to, link_user=user.id)
    return AuthorizationUrl(authorization_url=url)


@router.delete(
    "/identities/{provider}",
    summary="Unlink a provider",
    status_code=HTTPStatus.NO_CONTENT,
    responses=problem_responses(
        HTTPStatus.UNAUTHORIZED,
        HTTPStatus.NOT_FOUND,
        HTTPStatus.CONFLICT,
        HTTPStatus.UNPROCESSABLE_ENTITY,
    ),
)
async def unlink_identity(
    provider: Annotated[str, Path(max_length=32)], user: CurrentUser, flows: SignInDep
) -> Response:
    """Remove a sign-in method; the last one is refused (409)."""
    await flows.unlink(user.id, provider)
    return Response(status_code=HTTPStatus.NO_CONTENT)
