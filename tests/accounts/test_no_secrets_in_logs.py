"""No token, code, state, ticket, secret or key in the logs, error bodies or /metrics.

A real ``mantimon serve`` process at DEBUG, with its access log, signs players
in through the real local providers over HTTP (Google with and without a
redirect, Discord), refreshes, reuses a refresh token, presents bad tokens;
then every secret it handed out or received is searched for in its whole log,
in the error bodies and in ``/metrics``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from app.accounts.tokens import generate_signing_key
from app.db.redis import build_redis
from tests.accounts import discord_server
from tests.accounts.conftest import GOOGLE_CLIENT_ID
from tests.accounts.providers import free_port
from tests.harness.redis import TEST_KEY_NAMESPACE, delete_keys_under, redis_test_settings

GOOGLE_SECRET = "google-secret-" + uuid.uuid4().hex
SECRET_KEY = "secret-key-" + uuid.uuid4().hex


@pytest.fixture
def server(
    database_url: str, redis_url: str, oidc_url: str, discord_url: str, tmp_path: Path
) -> Iterator[tuple[str, Path, dict[str, str]]]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    key = generate_signing_key("log-test")
    prefix = f"{TEST_KEY_NAMESPACE}logs-{uuid.uuid4().hex[:8]}:"
    env = os.environ | {
        "ENVIRONMENT": "test",
        "LOG_LEVEL": "DEBUG",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "REDIS_KEY_PREFIX": prefix,
        "SECRET_KEY": SECRET_KEY,
        "JWT_SIGNING_KEYS": json.dumps({"keys": [key]}),
        "PUBLIC_BASE_URL": base,
        "AUTH_REDIRECT_ALLOWLIST": json.dumps([f"{base}/app/"]),
        "GOOGLE_CLIENT_ID": GOOGLE_CLIENT_ID,
        "GOOGLE_CLIENT_SECRET": GOOGLE_SECRET,
        "GOOGLE_DISCOVERY_URL": f"{oidc_url}/.well-known/openid-configuration",
        "DISCORD_CLIENT_ID": discord_server.CLIENT_ID,
        "DISCORD_CLIENT_SECRET": discord_server.CLIENT_SECRET,
        "DISCORD_AUTHORIZE_URL": f"{discord_url}/oauth2/authorize",
        "DISCORD_TOKEN_URL": f"{discord_url}/api/oauth2/token",
        "DISCORD_USER_URL": f"{discord_url}/api/users/@me",
        "AUTH_RATE_LIMIT": "100000",
    }
    log = tmp_path / "serve.log"
    mantimon = Path(sys.executable).parent / "mantimon"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(mantimon), "serve", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=tmp_path,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                assert process.poll() is None, log.read_text()
                try:
                    if httpx.get(f"{base}/ready", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
            yield base, log, {"d": str(key["d"])}
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            cleaner = build_redis(redis_test_settings(redis_url))
            import asyncio

            asyncio.run(_clean(cleaner, prefix))


async def _clean(client: object, prefix: str) -> None:
    from app.db.redis import RedisClient

    assert isinstance(client, RedisClient)
    try:
        await delete_keys_under(client, prefix)
    finally:
        await client.aclose()


def _google(http: httpx.Client, base: str, oidc_url: str, secrets: list[str], **params: str) -> str:
    sub = f"logs-{uuid.uuid4().hex[:8]}"
    http.put(f"{oidc_url}/users/{sub}", json={"sub": sub, "email_verified": True})
    start = http.get(f"{base}/api/v1/auth/google/authorize", params=params)
    assert start.status_code == 302, start.text
    consent = http.post(start.headers["location"], data={"sub": sub})
    callback = consent.headers["location"]
    query = parse_qs(urlsplit(callback).query)
    secrets += [query["code"][0], query["state"][0]]
    secrets.append(parse_qs(urlsplit(start.headers["location"]).query)["nonce"][0])
    return callback


def test_secrets_never_reach_logs_error_bodies_or_metrics(
    server: tuple[str, Path, dict[str, str]], oidc_url: str
) -> None:
    base, log, key = server
    secrets: list[str] = [GOOGLE_SECRET, SECRET_KEY, discord_server.CLIENT_SECRET, key["d"]]
    bodies: list[str] = []
    with httpx.Client(timeout=10) as http:
        signed_in = http.get(_google(http, base, oidc_url, secrets))
        assert signed_in.status_code == 200, signed_in.text
        tokens = signed_in.json()
        secrets += [tokens["access_token"], tokens["refresh_token"]]

        replay = http.get(_google(http, base, oidc_url, secrets))
        assert replay.status_code == 200
        secrets += [replay.json()["access_token"], replay.json()["refresh_token"]]
        again = http.get(replay.request.url)
        assert again.status_code == 400
        bodies.append(again.text)

        redirected = http.get(_google(http, base, oidc_url, secrets, redirect_to=f"{base}/app/x"))
        assert redirected.status_code == 302
        ticket = parse_qs(redirected.headers["location"].split("#", 1)[1])["ticket"][0]
        secrets.append(ticket)
        redeemed = http.post(f"{base}/api/v1/auth/ticket", json={"ticket": ticket})
        secrets += [redeemed.json()["access_token"], redeemed.json()["refresh_token"]]
        bodies.append(http.post(f"{base}/api/v1/auth/ticket", json={"ticket": ticket}).text)

        start = http.get(f"{base}/api/v1/auth/discord/authorize")
        consent = http.post(start.headers["location"], data={"id": "424242"})
        query = parse_qs(urlsplit(consent.headers["location"]).query)
        secrets += [query["code"][0], query["state"][0]]
        discord = http.get(consent.headers["location"])
        assert discord.status_code == 200
        secrets += [discord.json()["access_token"], discord.json()["refresh_token"]]

        rotated = http.post(
            f"{base}/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
        )
        secrets += [rotated.json()["access_token"], rotated.json()["refresh_token"]]
        reused = http.post(
            f"{base}/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
        )
        assert reused.status_code == 401
        bodies.append(reused.text)
        bad = http.get(
            f"{base}/api/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}x"}
        )
        assert bad.status_code == 401
        bodies.append(bad.text)
        bodies.append(
            http.get(
                f"{base}/api/v1/auth/google/callback",
                params={"state": "forged-state-value", "code": "forged-code-value"},
            ).text
        )
        secrets += ["forged-state-value", "forged-code-value"]
        metrics = http.get(f"{base}/metrics")
        assert metrics.status_code == 200

    time.sleep(0.5)  # let the access log lines of the last requests be written
    text = log.read_text()
    assert "GET /api/v1/auth/google/callback?" in text, "the access log is not on"
    assert "refresh token reuse" in text
    for secret in secrets:
        assert secret not in text, f"a secret is in the log: {secret[:6]}..."
        assert secret not in metrics.text
        for body in bodies:
            assert secret not in body
