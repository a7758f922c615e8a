"""The signed-in player: display names, and deleting an account end to end."""

from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from app.accounts.errors import DisplayNameError
from app.accounts.users import normalise_display_name
from app.db.models import (
    AuthSession,
    CampaignProgress,
    Collection,
    Deck,
    GameHistory,
    Identity,
    User,
)
from tests.accounts.helpers import bearer, guest_headers, guest_tokens
from tests.api.conftest import services_of
from tests.db.factories import new_campaign, new_collection, new_deck, new_history


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Ash   Ketch  ", "Ash Ketch"),
        ("\uff34\uff52\uff41\uff49\uff4e\uff45\uff52", "Trainer"),  # fullwidth, NFKC
        ("\ufb01re", "fire"),  # ligature
        ("Zoë", "Zoë"),
        ("abc", "abc"),
        ("x" * 24, "x" * 24),
    ],
)
def test_names_are_trimmed_and_normalised(raw: str, expected: str) -> None:
    assert normalise_display_name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("ab", "3 to 24"),
        ("   a     ", "3 to 24"),
        ("x" * 25, "3 to 24"),
        ("bad\u200bname", "control or invisible"),
        ("tab\x07bell", "control or invisible"),
        ("Admin", "reserved"),
        ("MANTIMON", "reserved"),
        ("Mantimon Official", "reserved"),
        ("Guest-abc123", "reserved"),
    ],
)
def test_bad_names_are_refused_with_a_reason(raw: str, reason: str) -> None:
    with pytest.raises(DisplayNameError, match=reason):
        normalise_display_name(raw)


async def rename(client: httpx.AsyncClient, headers: dict[str, str], name: str) -> httpx.Response:
    return await client.patch("/api/v1/me", json={"display_name": name}, headers=headers)


async def test_rename_and_uniqueness_in_any_casing(client: httpx.AsyncClient) -> None:
    name = f"Misty {uuid.uuid4().hex[:6]}"
    first, second = await guest_headers(client), await guest_headers(client)
    renamed = await rename(client, first, f"  {name}  ")
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["display_name"] == name
    assert (await rename(client, first, name.upper())).status_code == 200  # own name, new casing

    taken = await rename(client, second, name.lower())
    assert taken.status_code == 409
    assert taken.json()["type"] == "urn:mantimon:problem:display-name-taken"
    assert taken.headers["content-type"] == "application/problem+json"

    invalid = await rename(client, second, "no")
    assert invalid.status_code == 422
    assert invalid.json()["type"] == "urn:mantimon:problem:display-name-invalid"
    reserved = await rename(client, second, "admin")
    assert reserved.status_code == 422
    assert "reserved" in reserved.json()["detail"]

    empty_patch = await client.patch("/api/v1/me", json={}, headers=second)
    assert empty_patch.status_code == 200


async def test_deleting_the_account_removes_what_it_owns_and_anonymises_games(
    client: httpx.AsyncClient, accounts_app: FastAPI
) -> None:
    tokens = await guest_tokens(client)
    headers = bearer(str(tokens["access_token"]))
    user_id = uuid.UUID(str(tokens["user"]["id"]))  # type: ignore[index]
    opponent = await guest_tokens(client)
    opponent_id = uuid.UUID(str(opponent["user"]["id"]))  # type: ignore[index]
    sessionmaker = services_of(accounts_app).sessionmaker
    async with sessionmaker() as db:
        user = await db.get(User, user_id)
        assert user is not None
        history = new_history(user, player2_id=opponent_id, winner_id=user_id)
        db.add_all([new_collection(user), new_deck(user), new_campaign(user), history])
        await db.commit()

    deleted = await client.delete("/api/v1/me", headers=headers)
    assert deleted.status_code == 204

    async with sessionmaker() as db:
        assert await db.get(User, user_id) is None
        for model in (Collection, Deck, CampaignProgress, AuthSession, Identity):
            count = await db.scalar(
                select(func.count()).select_from(model).where(model.user_id == user_id)
            )
            assert count == 0, model.__name__
        kept = await db.get(GameHistory, history.id)
        assert kept is not None
        assert (kept.player1_id, kept.winner_id, kept.player2_id) == (None, None, opponent_id)
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 401
    assert (await client.delete("/api/v1/me", headers=headers)).status_code == 401
