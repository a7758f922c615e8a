"""Helpers other test packages use to act as a signed-in player through the real API."""

from __future__ import annotations

import httpx


async def guest_tokens(client: httpx.AsyncClient) -> dict[str, object]:
    """Create a guest through ``POST /api/v1/auth/guest``; return the whole token response."""
    response = await client.post("/api/v1/auth/guest")
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


async def guest_headers(client: httpx.AsyncClient) -> dict[str, str]:
    """A new guest's ``Authorization`` header, created through the real endpoint."""
    tokens = await guest_tokens(client)
    return bearer(str(tokens["access_token"]))


def bearer(access_token: str) -> dict[str, str]:
    """The ``Authorization`` header for `access_token`."""
    return {"Authorization": f"Bearer {access_token}"}
