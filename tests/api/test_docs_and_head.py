"""The API documentation works offline, and HEAD answers wherever GET does."""

from __future__ import annotations

import logging
import re
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.api.docs import DOCS_ASSETS_PATH
from app.api.middleware import HEAD_REQUEST, client_method
from app.config import Environment, Settings
from app.main import create_app
from tests.api.conftest import client_for

PROBLEM = "application/problem+json"


async def test_docs_reference_only_this_service(api: httpx.AsyncClient) -> None:
    page = await api.get("/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert not re.search(r"(https?:)?//[\w.-]+", page.text.replace("'/openapi.json'", "")), (
        "the docs page names another host"
    )
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page.text)
    assert {asset.rsplit("/", 1)[-1] for asset in assets} == {
        "swagger-ui-bundle.js",
        "swagger-ui.css",
        "favicon-32x32.png",
    }
    for asset in assets:
        assert asset.startswith(f"{DOCS_ASSETS_PATH}/"), asset
        response = await api.get(asset)
        assert response.status_code == 200, asset
        assert len(response.content) > 500, asset
    assert "url: '/openapi.json'" in page.text
    script = await api.get(f"{DOCS_ASSETS_PATH}/swagger-ui-bundle.js")
    assert "javascript" in script.headers["content-type"]
    assert "SwaggerUIBundle" in script.text


async def test_redoc_is_not_offered(api: httpx.AsyncClient) -> None:
    response = await api.get("/redoc")
    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM


def _example_paths(schema: dict[str, Any]) -> list[str]:
    examples = {
        "{set_id}": "mv1",
        "{card_id}": "mv1-001",
        "{name}": "pocket",
        "{deck_id}": "00000000-0000-4000-8000-000000000000",
        "{provider}": "google",
        "{game_id}": "00000000-0000-4000-8000-000000000000",
        "{ticket_id}": "00000000-0000-4000-8000-000000000000",
    }
    paths = []
    for path, item in schema["paths"].items():
        if "get" in item:
            for placeholder, value in examples.items():
                path = path.replace(placeholder, value)
            assert "{" not in path, path
            paths.append(path)
    return paths


async def test_head_answers_like_get_on_every_documented_route(api: httpx.AsyncClient) -> None:
    schema = (await api.get("/openapi.json")).json()
    paths = [
        *_example_paths(schema),
        "/openapi.json",
        "/docs",
        f"{DOCS_ASSETS_PATH}/swagger-ui.css",
        "/api/v1/cards?hp_min=100&hp_max=120",
        "/api/v1/cards/nope-999",
        "/api/v1/cards?hp_min=9&hp_max=1",
        "/no/such/path",
    ]
    for path in paths:
        got, head = await api.get(path), await api.head(path)
        assert head.status_code == got.status_code, path
        assert head.content == b"", path
        assert head.headers["content-type"] == got.headers["content-type"], path
        if path not in {"/metrics", "/ready"}:  # their numbers move between the two requests
            assert head.headers["content-length"] == str(len(got.content)), path
    assert (await api.head("/api/v1/cards/mv1-001")).status_code == 200


@pytest.fixture
def app_with_a_post_route() -> FastAPI:
    app = create_app(Settings(environment=Environment.TEST))

    @app.post("/echo")
    async def echo() -> dict[str, str]:
        return {"ok": "yes"}

    return app


async def test_head_where_get_is_not_allowed_is_a_405_like_get(
    app_with_a_post_route: FastAPI,
) -> None:
    async with client_for(app_with_a_post_route) as client:
        got, head = await client.get("/echo"), await client.head("/echo")
    assert got.status_code == head.status_code == 405
    assert head.headers["allow"] == got.headers["allow"] == "POST"
    assert got.json()["detail"] == "GET is not allowed on /echo"
    assert head.content == b""


def test_the_client_method_survives_the_head_rewrite() -> None:
    assert client_method({"method": "GET", HEAD_REQUEST: True}) == "HEAD"
    assert client_method({"method": "POST"}) == "POST"


async def test_a_head_request_is_logged_as_head(caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(Settings(environment=Environment.TEST))
    with caplog.at_level(logging.WARNING, logger="app.api.errors"):
        async with client_for(app) as client:
            response = await client.head("/api/v1/cards")
    assert response.status_code == 503
    assert "HEAD /api/v1/cards: the service is not running" in caplog.text
