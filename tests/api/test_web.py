"""The web client's files: served at /play as they are in the repository, revalidated."""

from __future__ import annotations

import re

import httpx
from pydantic import SecretStr

from app.api.web import STATIC_DIR
from app.config import Environment, Settings
from app.main import create_app
from tests.api.conftest import client_for


def _settings(**overrides: object) -> Settings:
    return Settings(environment=Environment.TEST, **overrides)  # type: ignore[arg-type]


async def test_play_serves_the_page_and_every_module_it_imports() -> None:
    async with client_for(create_app(_settings())) as client:
        root = await client.get("/")
        assert root.status_code == 307
        assert root.headers["location"] == "/play"
        page = await client.get("/play?invite=abc123")
        assert page.status_code == 200
        assert page.headers["cache-control"] == "no-cache"
        assert '<script type="module" src="/play/static/js/app.js">' in page.text
        seen: set[str] = set()
        pending = ["js/app.js"]
        while pending:
            path = pending.pop()
            if path in seen:
                continue
            seen.add(path)
            response = await client.get(f"/play/static/{path}")
            assert response.status_code == 200, path
            assert response.headers["cache-control"] == "no-cache"
            assert response.headers["content-type"].startswith("text/javascript")
            folder = path.rsplit("/", 1)[0]
            for target in re.findall(r"""(?:from|import\()\s*["'](\.[^"']+)["']""", response.text):
                pending.append(_join(folder, target))
    on_disk = {str(p.relative_to(STATIC_DIR)) for p in STATIC_DIR.rglob("*.js")}
    assert seen == on_disk, "a module is never imported, or imported from a wrong path"


def _join(folder: str, target: str) -> str:
    parts = folder.split("/")
    for part in target.split("/"):
        if part == "..":
            parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)


async def test_config_names_only_the_sign_in_methods_configured() -> None:
    async with client_for(create_app(_settings())) as client:
        assert (await client.get("/play/config.json")).json() == {
            "providers": [],
            "dev_sign_in": True,
        }
    configured = _settings(
        dev_sign_in=False,
        google_client_id="id",
        google_client_secret=SecretStr("secret"),
        discord_client_id="id",
        discord_client_secret=SecretStr("secret"),
    )
    async with client_for(create_app(configured)) as client:
        answer: httpx.Response = await client.get("/play/config.json")
        assert answer.json() == {"providers": ["google", "discord"], "dev_sign_in": False}


async def test_a_missing_file_is_a_404() -> None:
    async with client_for(create_app(_settings())) as client:
        assert (await client.get("/play/static/js/nope.js")).status_code == 404
