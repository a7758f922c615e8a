"""Provider sign-in end to end over HTTP against real local providers.

Google is a real OpenID Connect provider process (oidc-provider-mock) and
Discord a real OAuth 2.0 server in Discord's shape; the player's browser
(`browser`) talks to them over HTTP, the app (`client`) is the service.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from app.config import Environment, Settings, SettingsError, load_settings
from tests.accounts.conftest import REDIRECT_BASE
from tests.accounts.helpers import bearer, guest_headers
from tests.accounts.keys import signing_keys_json
from tests.accounts.providers import free_port
from tests.api.conftest import client_for, started


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


async def google_consent(
    browser: httpx.AsyncClient, oidc_url: str, authorization_url: str, sub: str, **claims: Any
) -> str:
    """Log in at the OIDC provider as `sub`; return the callback URL it redirects to."""
    await browser.put(f"{oidc_url}/users/{sub}", json={"sub": sub, **claims})
    assert authorization_url.startswith(oidc_url)
    query = parse_qs(urlsplit(authorization_url).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["nonce"]
    assert query["state"]
    consent = await browser.post(authorization_url, data={"sub": sub})
    assert consent.status_code == 302, consent.text
    return consent.headers["location"]


async def discord_consent(
    browser: httpx.AsyncClient, authorization_url: str, user_id: str, **fields: str
) -> str:
    consent = await browser.post(authorization_url, data={"id": user_id, **fields})
    assert consent.status_code == 302, consent.text
    return consent.headers["location"]


async def start(client: httpx.AsyncClient, provider: str, **params: str) -> str:
    response = await client.get(f"/api/v1/auth/{provider}/authorize", params=params)
    assert response.status_code == 302, response.text
    return response.headers["location"]


async def google_sign_in(
    client: httpx.AsyncClient, browser: httpx.AsyncClient, oidc_url: str, sub: str, **claims: Any
) -> httpx.Response:
    callback = await google_consent(browser, oidc_url, await start(client, "google"), sub, **claims)
    return await client.get(callback)


async def discord_sign_in(
    client: httpx.AsyncClient, browser: httpx.AsyncClient, user_id: str, **fields: str
) -> httpx.Response:
    callback = await discord_consent(browser, await start(client, "discord"), user_id, **fields)
    return await client.get(callback)


def problem_type(response: httpx.Response) -> str:
    assert response.headers["content-type"] == "application/problem+json", response.text
    return str(response.json()["type"]).removeprefix("urn:mantimon:problem:")


async def me(client: httpx.AsyncClient, access_token: str) -> dict[str, Any]:
    response = await client.get("/api/v1/me", headers=bearer(access_token))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# -- Google (OpenID Connect) ---------------------------------------------------------------------


async def test_google_new_user_then_returning_user(
    client: httpx.AsyncClient, browser: httpx.AsyncClient, oidc_url: str
) -> None:
    sub = unique("alice")
    email = f"{sub}@example.com"
    first = await google_sign_in(
        client, browser, oidc_url, sub, email=email, email_verified=True, name=sub.title()
    )
    assert first.status_code == 200, first.text
    tokens = first.json()
    assert tokens["user"]["is_guest"] is False
    assert tokens["user"]["email"] == email
    assert tokens["user"]["display_name"] == sub.title()
    profile = await me(client, tokens["access_token"])
    assert [(a["provider"], a["email"]) for a in profile["linked_accounts"]] == [("google", email)]

    again = await google_sign_in(client, browser, oidc_url, sub, email=email, email_verified=True)
    assert again.status_code == 200
    assert again.json()["user"]["id"] == tokens["user"]["id"]


async def test_an_unverified_email_is_not_kept(
    client: httpx.AsyncClient, browser: httpx.AsyncClient, oidc_url: str
) -> None:
    sub = unique("bob")
    response = await google_sign_in(
        client, browser, oidc_url, sub, email=f"{sub}@example.com", email_verified=False
    )
    assert response.status_code == 200
    assert response.json()["user"]["email"] is None


async def test_the_same_email_at_two_providers_is_two_accounts_until_linked(
    client: httpx.AsyncClient, browser: httpx.AsyncClient, oidc_url: str
) -> None:
    email = f"{unique('carol')}@example.com"
    google = await google_sign_in(
        client, browser, oidc_url, unique("carol"), email=email, email_verified=True
    )
    discord = await discord_sign_in(client, browser, unique("1"), email=email, verified="true")
    assert google.status_code == discord.status_code == 200
    assert google.json()["user"]["id"] != discord.json()["user"]["id"]


# -- Discord (OAuth 2.0, user endpoint with `id`) ------------------------------------------------


async def test_discord_new_user_then_returning_user(
    client: httpx.AsyncClient, browser: httpx.AsyncClient
) -> None:
    discord_id = str(uuid.uuid4().int)[:18]
    first = await discord_sign_in(
        client, browser, discord_id, email=f"d{discord_id}@example.com", verified="true"
    )
    assert first.status_code == 200, first.text
    user = first.json()["user"]
    assert user["email"] == f"d{discord_id}@example.com"
    again = await discord_sign_in(client, browser, discord_id)
    assert again.json()["user"]["id"] == user["id"]


# -- linking and unlinking -----------------------------------------------------------------------


async def link(
    client: httpx.AsyncClient, headers: dict[str, str], provider: str, **body: str
) -> str:
    response = await client.post(f"/api/v1/me/identities/{provider}", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return str(response.json()["authorization_url"])


async def test_a_guest_links_discord_becomes_a_full_account_and_signs_in_with_it(
    client: httpx.AsyncClient, browser: httpx.AsyncClient
) -> None:
    headers = await guest_headers(client)
    guest = (await client.get("/api/v1/me", headers=headers)).json()
    discord_id = str(uuid.uuid4().int)[:18]
    callback = await discord_consent(browser, await link(client, headers, "discord"), discord_id)
    linked = await client.get(callback)
    assert linked.status_code == 200, linked.text
    assert linked.json() == {"linked": "discord"}

    after = (await client.get("/api/v1/me", headers=headers)).json()
    assert after["id"] == guest["id"]
    assert after["is_guest"] is False
    assert [a["provider"] for a in after["linked_accounts"]] == ["discord"]
    signed_in = await discord_sign_in(client, browser, discord_id)
    assert signed_in.json()["user"]["id"] == guest["id"]


async def test_linking_an_account_of_another_player_is_refused(
    client: httpx.AsyncClient, browser: httpx.AsyncClient, oidc_url: str
) -> None:
    sub = unique("dave")
    assert (await google_sign_in(client, browser, oidc_url, sub)).status_code == 200
    headers = await guest_headers(client)
    callback = await google_consent(browser, oidc_url, await link(client, headers, "google"), sub)
    refused = await client.get(callback)
    assert refused.status_code == 409
    assert problem_type(refused) == "identity-in-use"


async def test_unlinking_keeps_the_last_sign_in_method(
    client: httpx.AsyncClient, browser: httpx.AsyncClient, oidc_url: str
) -> None:
    signed_in = await google_sign_in(client, browser, oidc_url, unique("erin"))
    headers = bearer(signed_in.json()["access_token"])
    callback = await discord_consent(
        browser, await link(client, headers, "discord"), str(uuid.uuid4().int)[:18]
    )
    assert (await client.get(callback)).status_code == 200

    assert (
        await client.delete("/api/v1/me/identities/discord", headers=headers)
    ).status_code == 204
    last = await client.delete("/api/v1/me/identities/google", headers=headers)
    assert last.status_code == 409
    assert problem_type(last) == "last-sign-in-method"
    gone = await client.delete("/api/v1/me/identities/discord", headers=headers)
    assert gone.status_code == 404
    profile = (await client.get("/api/v1/me", headers=headers)).json()
    assert [a["provider"] for a in profile["linked_accounts"]] == ["google"]


# -- refusals ------------------------------------------------------------------------------------


async def test_a_player_refusing_at_the_provider_is_a_400(
    client: httpx.AsyncClient, browser: httpx.AsyncClient
) -> None:
    authorization_url = await start(client, "discord")
    denied = await browser.post(authorization_url, data={"action": "deny"})
    assert "error=access_denied" in denied.headers["location"]
    response = await client.get(denied.headers["location"])
    assert response.status_code == 400
    assert problem_type(response) == "sign-in-failed"
    assert "access_denied" in response.json()["detail"]


async def test_google_refusal_is_a_400(
    client: httpx.AsyncClient, browser: httpx.AsyncClient, oidc_url: str
) -> None:
    authorization_url = await start(client, "google")
    denied = await browser.post(authorization_url, data={"action": "deny"})
    response = await client.get(denied.headers["location"])
    assert response.status_code == 400
    assert problem_type(response) == "sign-in-failed"


def with_query(url: str, **changes: str | None) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    return f"{parts.path}?{urlencode(query)}"


async def test_a_tampered_or_missing_state_is_refused(
    client: httpx.AsyncClient, browser: httpx.AsyncClient, oidc_url: str
) -> None:
    callback = await google_consent(
        browser, oidc_url, await start(client, "google"), unique("frank")
    )
    state = parse_qs(urlsplit(callback).query)["state"][0]
    for tampered in (
        with_query(callback, state=state[:-2] + "xy"),
        with_query(callback, state=None),
    ):
        response = await client.get(tampered)
        assert response.status_code == 400
        assert problem_type(response) == "sign-in-failed"
    assert (await client.get(callback)).status_code == 200


async def test_a_replayed_callback_and_a_reused_code_are_refused(
    client: httpx.AsyncClient, browser: httpx.AsyncClient, oidc_url: str
) -> None:
    sub = unique("grace")
    callback = await google_consent(browser, oidc_url, await start(client, "google"), sub)
    assert (await client.get(callback)).status_code == 200
    replay = await client.get(callback)
    assert replay.status_code == 400
    assert "already used" in replay.json()["detail"]

    code = parse_qs(urlsplit(callback).query)["code"][0]
    fresh = await google_consent(browser, oidc_url, await start(client, "google"), sub)
    reused = await client.get(with_query(fresh, code=code))
    assert reused.status_code == 400
    assert problem_type(reused) == "sign-in-failed"
    assert code not in reused.text


async def test_a_provider_that_is_not_configured_is_a_404(client: httpx.AsyncClient) -> None:
    for name in ("github", "dev"):
        response = await client.get(f"/api/v1/auth/{name}/authorize")
        assert response.status_code == 404
        assert problem_type(response) == "provider-not-configured"


# -- redirects -----------------------------------------------------------------------------------


async def test_an_open_redirect_is_refused(client: httpx.AsyncClient) -> None:
    for target in (
        "https://evil.example/",
        "http://testserver.evil/app/",
        "http://testserver/other/",
        "//evil.example/app/",
        "javascript:alert(1)",
    ):
        response = await client.get("/api/v1/auth/google/authorize", params={"redirect_to": target})
        assert response.status_code == 400, target
        assert problem_type(response) == "redirect-not-allowed"


async def test_an_allowed_redirect_gets_a_one_time_ticket(
    client: httpx.AsyncClient, browser: httpx.AsyncClient, oidc_url: str
) -> None:
    target = REDIRECT_BASE + "signed-in"
    authorization_url = await start(client, "google", redirect_to=target)
    callback = await google_consent(browser, oidc_url, authorization_url, unique("heidi"))
    response = await client.get(callback)
    assert response.status_code == 302
    location = response.headers["location"]
    assert location.startswith(target + "#ticket=")
    assert "token" not in location.split("#", 1)[0]
    ticket = parse_qs(location.split("#", 1)[1])["ticket"][0]

    redeemed = await client.post("/api/v1/auth/ticket", json={"ticket": ticket})
    assert redeemed.status_code == 200
    assert (await me(client, redeemed.json()["access_token"]))["is_guest"] is False
    again = await client.post("/api/v1/auth/ticket", json={"ticket": ticket})
    assert again.status_code == 400


# -- providers down ------------------------------------------------------------------------------


async def test_a_provider_that_is_down_is_a_502_problem(
    accounts_settings: Settings, browser: httpx.AsyncClient, discord_url: str
) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    settings = accounts_settings.model_copy(
        update={
            "google_discovery_url": f"{closed}/.well-known/openid-configuration",
            "discord_token_url": f"{closed}/api/oauth2/token",
            "redis_key_prefix": accounts_settings.redis_key_prefix + "down:",
        }
    )
    async with started(settings) as app, client_for(app) as client:
        google = await client.get("/api/v1/auth/google/authorize")
        assert google.status_code == 502
        assert problem_type(google) == "provider-unavailable"

        callback = await discord_consent(browser, await start(client, "discord"), "42")
        discord = await client.get(callback)
        assert discord.status_code == 502
        assert problem_type(discord) == "provider-unavailable"
        assert "code=" not in discord.text


# -- development sign-in -------------------------------------------------------------------------


async def test_dev_sign_in_creates_then_reuses_the_account(client: httpx.AsyncClient) -> None:
    name = unique("Dev")[:20]
    first = await client.post("/api/v1/auth/dev", json={"display_name": name})
    assert first.status_code == 200, first.text
    second = await client.post("/api/v1/auth/dev", json={"display_name": name.upper()})
    assert second.json()["user"]["id"] == first.json()["user"]["id"]
    profile = await me(client, first.json()["access_token"])
    assert [a["provider"] for a in profile["linked_accounts"]] == ["dev"]


async def test_dev_sign_in_is_off_when_disabled(accounts_settings: Settings) -> None:
    settings = accounts_settings.model_copy(update={"dev_sign_in": False})
    assert not settings.dev_sign_in_enabled
    async with started(settings) as app, client_for(app) as client:
        response = await client.post("/api/v1/auth/dev", json={"display_name": "Someone"})
        assert response.status_code == 404
        assert problem_type(response) == "dev-sign-in-disabled"


@pytest.mark.parametrize("environment", ["staging", "prod"])
def test_deployed_environments_never_serve_dev_sign_in(
    accounts_settings: Settings, environment: str
) -> None:
    settings = accounts_settings.model_copy(
        update={"environment": Environment(environment), "dev_sign_in": None}
    )
    assert not settings.dev_sign_in_enabled
    with pytest.raises(SettingsError, match="DEV_SIGN_IN cannot be enabled"):
        load_settings(
            environment=environment,
            secret_key="s" * 40,
            database_url="postgresql://db/x",
            redis_url="redis://cache/0",
            jwt_signing_keys=signing_keys_json(),
            dev_sign_in=True,
        )


async def test_two_first_sign_ins_of_one_account_at_once_make_one_user(
    client: httpx.AsyncClient, browser: httpx.AsyncClient, oidc_url: str
) -> None:
    sub = unique("ivan")
    callbacks = [
        await google_consent(browser, oidc_url, await start(client, "google"), sub)
        for _ in range(2)
    ]
    responses = await asyncio.gather(*(client.get(callback) for callback in callbacks))
    assert [r.status_code for r in responses] == [200, 200]
    assert len({r.json()["user"]["id"] for r in responses}) == 1


async def test_a_provider_answering_nonsense_is_a_502_problem(
    accounts_settings: Settings, browser: httpx.AsyncClient, discord_url: str
) -> None:
    settings = accounts_settings.model_copy(
        update={
            # a real server, but not an OpenID configuration: a 401 problem of Discord's shape
            "google_discovery_url": f"{discord_url}/api/users/@me",
            "discord_user_url": f"{discord_url}/api/users/nobody",
            "redis_key_prefix": accounts_settings.redis_key_prefix + "nonsense:",
        }
    )
    async with started(settings) as app, client_for(app) as client:
        google = await client.get("/api/v1/auth/google/authorize")
        assert google.status_code == 502
        assert problem_type(google) == "provider-unavailable"
        callback = await discord_consent(browser, await start(client, "discord"), "43")
        discord = await client.get(callback)
        assert discord.status_code == 502
        assert problem_type(discord) == "provider-unavailable"
