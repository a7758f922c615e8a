"""Access tokens as a plain function, and sessions through the API: rotation, reuse, revocation."""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from joserfc import jwt
from joserfc.jwk import ECKey, OctKey
from pydantic import SecretStr

from app.accounts.errors import NotAuthenticatedError
from app.accounts.tokens import (
    KeyRing,
    generate_signing_key,
    issue_access_token,
    verify_access_token,
)
from app.config import Settings
from tests.accounts.helpers import bearer, guest_tokens
from tests.accounts.keys import signing_keys_json
from tests.api.conftest import client_for, services_of, started

USER, SESSION = uuid.uuid4(), uuid.uuid4()


def ring(*keys: dict[str, Any]) -> KeyRing:
    return KeyRing.from_jwks(json.dumps({"keys": list(keys)}))


def token(keys: KeyRing, **overrides: Any) -> str:
    values: dict[str, Any] = {
        "user_id": USER,
        "session_id": SESSION,
        "is_guest": False,
        "ttl_seconds": 900,
    }
    return issue_access_token(keys, **(values | overrides))


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


# -- the plain function --------------------------------------------------------------------------


def test_a_token_verifies_and_says_who_and_which_session() -> None:
    keys = ring(generate_signing_key("k1"))
    claims = verify_access_token(keys, token(keys, is_guest=True))
    assert (claims.user_id, claims.session_id, claims.is_guest) == (USER, SESSION, True)


def test_an_expired_token_is_refused() -> None:
    keys = ring(generate_signing_key("k1"))
    issued = time.time() - 1000
    stale = token(keys, now=issued, ttl_seconds=900)
    with pytest.raises(NotAuthenticatedError, match="invalid or expired"):
        verify_access_token(keys, stale)
    assert verify_access_token(keys, stale, now=issued + 899).user_id == USER


def test_a_wrong_signature_is_refused() -> None:
    mine = ring(generate_signing_key("same-kid"))
    theirs = ring(generate_signing_key("same-kid"))
    with pytest.raises(NotAuthenticatedError):
        verify_access_token(mine, token(theirs))
    header, _, signature = token(mine).split(".")
    forged_payload = b64({"sub": str(uuid.uuid4()), "sid": str(SESSION), "exp": 2**40})
    with pytest.raises(NotAuthenticatedError):
        verify_access_token(mine, f"{header}.{forged_payload}.{signature}")


def test_an_unknown_kid_is_refused() -> None:
    mine = ring(generate_signing_key("k1"))
    with pytest.raises(NotAuthenticatedError, match="not signed by a key of this service"):
        verify_access_token(mine, token(ring(generate_signing_key("k2"))))


def test_alg_none_and_other_algorithms_are_refused() -> None:
    keys = ring(generate_signing_key("k1"))
    claims = {"iss": "mantimon", "aud": "mantimon-api", "sub": str(USER), "sid": str(SESSION)}
    claims["exp"] = int(time.time()) + 900  # type: ignore[assignment]
    unsigned = f"{b64({'alg': 'none', 'kid': 'k1'})}.{b64(claims)}."
    with pytest.raises(NotAuthenticatedError):
        verify_access_token(keys, unsigned)
    hmac_key: dict[str, str | list[str]] = {
        "kty": "oct",
        "k": b64({"a-long-secret": 1}),
        "kid": "k1",
    }
    hs256 = jwt.encode({"alg": "HS256", "kid": "k1"}, claims, OctKey.import_key(hmac_key))
    with pytest.raises(NotAuthenticatedError):
        verify_access_token(keys, hs256)


def test_garbage_is_refused_without_echoing_it() -> None:
    keys = ring(generate_signing_key("k1"))
    for garbage in ("", "abc", "a.b.c", "eyJhbGciOiJFUzI1NiJ9.e30.e30", "...."):
        with pytest.raises(NotAuthenticatedError) as caught:
            verify_access_token(keys, garbage)
        assert garbage not in str(caught.value) or not garbage


def test_claims_of_another_audience_or_issuer_are_refused() -> None:
    key = generate_signing_key("k1")
    keys = ring(key)
    signer = ECKey.import_key(key)
    base = {"sub": str(USER), "sid": str(SESSION), "exp": int(time.time()) + 900}
    for extra in ({"iss": "mantimon", "aud": "other"}, {"iss": "other", "aud": "mantimon-api"}):
        forged = jwt.encode({"alg": "ES256", "kid": "k1"}, base | extra, signer)
        with pytest.raises(NotAuthenticatedError):
            verify_access_token(keys, forged)


def test_key_rotation_old_key_verifies_until_retired() -> None:
    old, new = generate_signing_key("old"), generate_signing_key("new")
    before = ring(old)
    issued_before = token(before)
    during = ring(new, old)
    assert during.signing.kid == "new"
    assert verify_access_token(during, issued_before).user_id == USER
    issued_during = token(during)
    assert json.loads(base64.urlsafe_b64decode(issued_during.split(".")[0] + "=="))["kid"] == "new"
    after = ring(new)
    assert verify_access_token(after, issued_during).user_id == USER
    with pytest.raises(NotAuthenticatedError):
        verify_access_token(after, issued_before)
    assert [k["kid"] for k in during.public_jwks()["keys"]] == ["new", "old"]
    assert all("d" not in k for k in during.public_jwks()["keys"])


def test_dev_key_is_derived_from_the_secret(accounts_settings: Settings) -> None:
    first = KeyRing.from_settings(accounts_settings)
    again = KeyRing.from_settings(accounts_settings)
    assert verify_access_token(again, token(first)).user_id == USER
    other = accounts_settings.model_copy(
        update={"jwt_signing_keys": None, "secret_key": SecretStr("x" * 40)}
    )
    with pytest.raises(NotAuthenticatedError):
        verify_access_token(KeyRing.from_settings(other), token(first))


# -- through the API -----------------------------------------------------------------------------


async def refresh(client: httpx.AsyncClient, refresh_token: str) -> httpx.Response:
    return await client.post("/api/v1/auth/refresh", json={"refresh_token": refresh_token})


async def test_jwks_serves_the_public_keys(
    client: httpx.AsyncClient, accounts_app: FastAPI
) -> None:
    response = await client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    keys = response.json()["keys"]
    assert keys == services_of(accounts_app).accounts.keys.public_jwks()["keys"]
    assert all(k["alg"] == "ES256" and "d" not in k for k in keys)


async def test_refresh_rotates_and_a_reused_token_revokes_the_family(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    tokens = await guest_tokens(client)
    first_refresh = str(tokens["refresh_token"])
    rotated = await refresh(client, first_refresh)
    assert rotated.status_code == 200
    second = rotated.json()
    assert second["refresh_token"] != first_refresh
    assert second["user"]["id"] == tokens["user"]["id"]  # type: ignore[index]
    assert (
        await client.get("/api/v1/me", headers=bearer(second["access_token"]))
    ).status_code == 200

    with caplog.at_level("WARNING", logger="app.accounts.sessions"):
        reused = await refresh(client, first_refresh)
    assert reused.status_code == 401
    assert reused.json()["type"] == "urn:mantimon:problem:invalid-refresh-token"
    assert "refresh token reuse" in caplog.text
    assert first_refresh not in caplog.text

    # the whole family is gone: the newest refresh token and its access token too
    assert (await refresh(client, second["refresh_token"])).status_code == 401
    me = await client.get("/api/v1/me", headers=bearer(second["access_token"]))
    assert me.status_code == 401


async def test_an_unknown_refresh_token_is_a_401(client: httpx.AsyncClient) -> None:
    response = await refresh(client, "not-a-token")
    assert response.status_code == 401
    assert "not-a-token" not in response.text


async def test_logout_stops_the_access_token_at_once(client: httpx.AsyncClient) -> None:
    tokens = await guest_tokens(client)
    headers = bearer(str(tokens["access_token"]))
    assert (await client.post("/api/v1/auth/logout", headers=headers)).status_code == 204
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 401
    assert (await refresh(client, str(tokens["refresh_token"]))).status_code == 401


async def test_sessions_listed_revoked_one_by_one_and_everywhere(client: httpx.AsyncClient) -> None:
    name = f"Multi{uuid.uuid4().hex[:8]}"
    phone = await client.post(
        "/api/v1/auth/dev", json={"display_name": name}, headers={"User-Agent": "phone/1.0"}
    )
    laptop = await client.post(
        "/api/v1/auth/dev", json={"display_name": name}, headers={"User-Agent": "laptop/2.0"}
    )
    third = await client.post("/api/v1/auth/dev", json={"display_name": name})
    phone_headers = bearer(phone.json()["access_token"])
    laptop_headers = bearer(laptop.json()["access_token"])
    listed = (await client.get("/api/v1/me/sessions", headers=phone_headers)).json()["items"]
    assert len(listed) == 3
    by_agent = {item["user_agent"]: item for item in listed}
    assert by_agent["phone/1.0"]["current"] is True
    assert by_agent["laptop/2.0"]["current"] is False
    assert all(item["created_at"] and item["last_used_at"] for item in listed)

    laptop_id = by_agent["laptop/2.0"]["id"]
    revoked = await client.delete(f"/api/v1/me/sessions/{laptop_id}", headers=phone_headers)
    assert revoked.status_code == 204
    assert (await client.get("/api/v1/me", headers=laptop_headers)).status_code == 401
    assert (await refresh(client, laptop.json()["refresh_token"])).status_code == 401
    assert (
        len((await client.get("/api/v1/me/sessions", headers=phone_headers)).json()["items"]) == 2
    )

    everywhere = await client.post("/api/v1/auth/logout-everywhere", headers=phone_headers)
    assert everywhere.status_code == 204
    for headers in (phone_headers, bearer(third.json()["access_token"])):
        assert (await client.get("/api/v1/me", headers=headers)).status_code == 401


async def test_another_players_session_is_a_404(client: httpx.AsyncClient) -> None:
    mine = await guest_tokens(client)
    theirs = await guest_tokens(client)
    their_sessions = await client.get(
        "/api/v1/me/sessions", headers=bearer(str(theirs["access_token"]))
    )
    their_id = their_sessions.json()["items"][0]["id"]
    attempt = await client.delete(
        f"/api/v1/me/sessions/{their_id}", headers=bearer(str(mine["access_token"]))
    )
    assert attempt.status_code == 404
    still = await client.get("/api/v1/me", headers=bearer(str(theirs["access_token"])))
    assert still.status_code == 200
    unknown = await client.delete(
        f"/api/v1/me/sessions/{uuid.uuid4()}", headers=bearer(str(mine["access_token"]))
    )
    assert unknown.status_code == 404


async def test_a_deleted_users_token_is_refused(client: httpx.AsyncClient) -> None:
    tokens = await guest_tokens(client)
    headers = bearer(str(tokens["access_token"]))
    assert (await client.delete("/api/v1/me", headers=headers)).status_code == 204
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 401
    assert (await refresh(client, str(tokens["refresh_token"]))).status_code == 401


async def test_a_session_revoked_by_another_process_stops_within_the_cache_time(
    accounts_settings: Settings,
) -> None:
    settings = accounts_settings.model_copy(update={"session_check_cache_seconds": 0.5})
    async with (
        started(settings) as first,
        started(settings) as second,
        client_for(first) as one,
        client_for(second) as other,
    ):
        tokens = await guest_tokens(one)
        headers = bearer(str(tokens["access_token"]))
        assert (await other.get("/api/v1/me", headers=headers)).status_code == 200
        assert (await one.post("/api/v1/auth/logout", headers=headers)).status_code == 204
        # The other app still trusts the token for a moment: its logout is a success too,
        # not an error for a session that has already ended.
        assert (await other.post("/api/v1/auth/logout", headers=headers)).status_code == 204
        assert (await one.get("/api/v1/me", headers=headers)).status_code == 401
        deadline = time.monotonic() + 2
        while (await other.get("/api/v1/me", headers=headers)).status_code == 200:
            assert time.monotonic() < deadline, "the other app kept honouring the token"
            await asyncio.sleep(0.1)


async def test_a_token_signed_by_another_service_is_a_401(client: httpx.AsyncClient) -> None:
    foreign = token(KeyRing.from_jwks(signing_keys_json()))
    response = await client.get("/api/v1/me", headers=bearer(foreign))
    assert response.status_code == 401
    assert foreign not in response.text
    basic = await client.get("/api/v1/me", headers={"Authorization": "Basic abc"})
    assert basic.status_code == 401


async def test_two_refreshes_with_one_token_at_once_end_the_session(
    client: httpx.AsyncClient,
) -> None:
    tokens = await guest_tokens(client)
    first, second = await asyncio.gather(
        refresh(client, str(tokens["refresh_token"])),
        refresh(client, str(tokens["refresh_token"])),
    )
    assert sorted([first.status_code, second.status_code]) == [200, 401]
    winner = first if first.status_code == 200 else second
    # the loser presented a used token: theft cannot be told from a race, so the family ends
    assert (await refresh(client, winner.json()["refresh_token"])).status_code == 401


async def test_live_among_answers_for_many_sessions_at_once(
    accounts_app: FastAPI, client: httpx.AsyncClient
) -> None:
    """The game service checks all its connections' sessions with one call (`live_among`)."""
    accounts = services_of(accounts_app).accounts
    staying, leaving = await guest_tokens(client), await guest_tokens(client)
    sessions = []
    for tokens in (staying, leaving):
        _, claims = await accounts.authenticate(str(tokens["access_token"]))
        sessions.append(claims.session_id)
    headers = bearer(str(leaving["access_token"]))
    assert (await client.post("/api/v1/auth/logout", headers=headers)).status_code == 204
    unknown = uuid.uuid4()
    assert await accounts.guard.live_among({*sessions, unknown}) == {sessions[0]}
    # Answers are cached like `is_live`'s: a dead session stays dead, a live one stays live.
    assert await accounts.guard.live_among(sessions) == {sessions[0]}
    assert await accounts.guard.is_live(sessions[0])
    assert not await accounts.guard.is_live(unknown)
