"""Guests: created at once, usable with their access token, listed as guests."""

from __future__ import annotations

import httpx

from tests.accounts.helpers import bearer, guest_headers, guest_tokens


async def test_a_guest_is_created_and_signed_in_at_once(client: httpx.AsyncClient) -> None:
    tokens = await guest_tokens(client)
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 900
    user = tokens["user"]
    assert isinstance(user, dict)
    assert user["is_guest"] is True
    assert str(user["display_name"]).startswith("Guest-")

    me = await client.get("/api/v1/me", headers=bearer(str(tokens["access_token"])))
    assert me.status_code == 200
    assert me.json()["id"] == user["id"]
    assert me.json()["linked_accounts"] == []


async def test_two_guests_are_two_accounts(client: httpx.AsyncClient) -> None:
    first = await client.get("/api/v1/me", headers=await guest_headers(client))
    second = await client.get("/api/v1/me", headers=await guest_headers(client))
    assert first.json()["id"] != second.json()["id"]
    assert first.json()["display_name"] != second.json()["display_name"]


async def test_without_a_token_me_is_a_401_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["type"] == "urn:mantimon:problem:not-authenticated"
