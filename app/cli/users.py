"""``mantimon users``: development accounts, guest clean-up, signing keys.

These commands need PostgreSQL only, so they never start an embedded Redis.
"""

from __future__ import annotations

import json
from datetime import timedelta

import typer

from app.accounts.service import TokenPair, sign_in_user
from app.accounts.signin import dev_user
from app.accounts.tokens import KeyRing, generate_signing_key
from app.accounts.users import delete_idle_guests
from app.cli._support import announce, command, fail, out, run, settings
from app.db.session import session_scope
from app.runtime import open_database

app = typer.Typer(
    help="Create development accounts, delete idle guests, make signing keys.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


async def _create_dev(name: str) -> TokenPair:
    config = settings()
    async with open_database(config) as stores:
        announce(stores.infrastructure)
        async with session_scope(stores.sessionmaker) as db:
            user = await dev_user(db, name)
            return await sign_in_user(
                db, user, settings=config, keys=KeyRing.from_settings(config), user_agent="cli"
            )


async def _cleanup(days: int) -> int:
    async with open_database(settings()) as stores:
        announce(stores.infrastructure)
        async with session_scope(stores.sessionmaker) as db:
            return await delete_idle_guests(db, idle_for=timedelta(days=days))


@app.command("create-dev")
@command
def create_dev(
    name: str = typer.Argument(..., help="Display name of the development account."),
) -> None:
    """Create (or reuse) a development account and print tokens for it; dev only."""
    if not settings().dev_sign_in_enabled:
        fail("the development sign-in is off here (never in staging or prod)")
    pair = run(_create_dev(name))
    out.print(f"user {pair.user.id} ({pair.user.display_name})")
    out.print(f"access_token {pair.access_token}")
    out.print(f"refresh_token {pair.refresh_token}")


@app.command("cleanup-guests")
@command
def cleanup_guests(
    older_than_days: int | None = typer.Option(
        None, "--older-than-days", min=1, help="Default: GUEST_MAX_IDLE_DAYS."
    ),
) -> None:
    """Delete guests unused for a while; their games stay, anonymised."""
    days = older_than_days or settings().guest_max_idle_days
    deleted = run(_cleanup(days))
    out.print(f"deleted {deleted} guests not seen for {days} days")


@app.command("new-signing-key")
@command
def new_signing_key(
    kid: str | None = typer.Option(None, "--kid", help="Key id (default: random)."),
) -> None:
    """Print a new private ES256 key (JWK) to put first in JWT_SIGNING_KEYS."""
    out.print(json.dumps(generate_signing_key(kid)))
