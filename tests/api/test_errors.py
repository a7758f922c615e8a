"""Every error leaves the API in one shape: RFC 9457 problem details, from one place."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.api.errors import InvalidRequestError, ServiceUnavailableError
from app.catalog.card_service import (
    CardNotFoundError,
    CatalogLoadError,
    CatalogProblem,
    SetNotFoundError,
)
from app.config import Environment, Settings
from app.core.rules import UnknownRulesPresetError
from app.errors import MantimonError
from app.main import create_app
from app.store.manager import (
    GameEndedError,
    GameStoreUnavailableError,
    InvalidGameIdError,
    StaleStateError,
)
from tests.api.conftest import client_for

PROBLEM = "application/problem+json"
GAME = uuid.UUID(int=7)


def raising(exc: BaseException) -> FastAPI:
    """An app (not started: no lifespan needed) with a /boom route raising `exc`."""
    app = create_app(Settings(environment=Environment.TEST))

    async def boom() -> None:
        raise exc

    app.add_api_route("/boom", boom)
    return app


async def get(app: FastAPI, path: str, **kwargs: Any) -> httpx.Response:
    async with client_for(app, raise_app_exceptions=False) as client:
        return await client.get(path, **kwargs)


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["instance"] == response.request.url.path
    assert isinstance(body["title"], str)
    assert isinstance(body["type"], str)
    return body


DOMAIN_CASES: list[tuple[MantimonError, int, str, dict[str, Any]]] = [
    (
        CardNotFoundError(["mv1-999", "zz-001"], {"mv1-999": ["mv1-099"]}),
        404,
        "card-not-found",
        {"card_ids": ["mv1-999", "zz-001"], "suggestions": {"mv1-999": ["mv1-099"], "zz-001": []}},
    ),
    (SetNotFoundError("zz", ["mv1"]), 404, "set-not-found", {"set_id": "zz"}),
    (UnknownRulesPresetError("chess"), 404, "rules-preset-not-found", {"preset": "chess"}),
    (
        InvalidRequestError(["query", "x"], "bad x", "bad_x"),
        422,
        "validation-error",
        {"errors": [{"loc": ["query", "x"], "msg": "bad x", "type": "bad_x"}]},
    ),
    (InvalidGameIdError("game id 'x' is not a UUID"), 422, "invalid-game-id", {}),
    (StaleStateError(GAME, 3, 5, "Redis"), 409, "stale-state", {}),
    (GameEndedError(f"game {GAME} has ended"), 409, "game-ended", {}),
    (GameStoreUnavailableError("PostgreSQL is down"), 503, "store-unavailable", {}),
    (ServiceUnavailableError("starting"), 503, "service-unavailable", {}),
]


@pytest.mark.parametrize(
    ("exc", "status", "slug", "extra"), DOMAIN_CASES, ids=lambda v: type(v).__name__
)
async def test_domain_errors_map_to_their_status_with_their_message(
    exc: MantimonError, status: int, slug: str, extra: dict[str, Any]
) -> None:
    body = problem(await get(raising(exc), "/boom"), status)
    assert body["type"] == f"urn:mantimon:problem:{slug}"
    assert body["detail"] == str(exc)
    for key, value in extra.items():
        assert body[key] == value


@pytest.mark.parametrize(
    "exc",
    [
        MantimonError("cannot open /srv/secret/config.yaml"),
        CatalogLoadError(Path("/srv/secret"), [CatalogProblem(file="x.json", message="bad")]),
    ],
    ids=["base", "catalog"],
)
async def test_other_domain_errors_are_500s_that_do_not_leak(
    exc: MantimonError, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="app.api.errors"):
        body = problem(await get(raising(exc), "/boom"), 500)
    assert body["type"] == "urn:mantimon:problem:internal-error"
    assert "secret" not in str(body)
    assert body["error_id"] in caplog.text
    assert "/srv/secret" in caplog.text


async def test_unhandled_exception_is_a_500_without_internals(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = raising(RuntimeError("password=hunter2 at line 42"))
    with caplog.at_level(logging.ERROR, logger="app.api.errors"):
        body = problem(await get(app, "/boom"), 500)
    assert body["title"] == "Internal server error"
    assert "hunter2" not in str(body)
    assert len(body["error_id"]) == 32
    record = next(r for r in caplog.records if body["error_id"] in r.getMessage())
    assert "GET /boom" in record.getMessage()
    assert record.exc_info is not None


async def test_other_http_errors_keep_their_status_and_detail() -> None:
    app = raising(StarletteHTTPException(418, "short and stout"))
    body = problem(await get(app, "/boom"), 418)
    assert (body["type"], body["title"], body["detail"]) == (
        "about:blank",
        "I'm a Teapot",
        "short and stout",
    )


async def test_unknown_route_is_a_404_problem(api: httpx.AsyncClient) -> None:
    body = problem(await api.get("/api/v2/cards"), 404)
    assert body == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "no resource at /api/v2/cards",
        "instance": "/api/v2/cards",
    }


async def test_wrong_method_is_a_405_problem_with_allow(api: httpx.AsyncClient) -> None:
    response = await api.delete("/api/v1/cards/mv1-001")
    body = problem(response, 405)
    assert body["type"] == "about:blank"
    assert body["detail"] == "DELETE is not allowed on /api/v1/cards/mv1-001"
    assert response.headers["allow"] == "GET"


async def test_routes_needing_services_answer_503_before_start_up() -> None:
    app = create_app(Settings(environment=Environment.TEST))
    for path in ("/api/v1/sets", "/api/v1/cards", "/api/v1/cards/mv1-001", "/ready"):
        body = problem(await get(app, path), 503)
        assert body["type"] == "urn:mantimon:problem:service-unavailable"
    health = await get(app, "/health")
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "version": app.version, "environment": "test"}
    presets = await get(app, "/api/v1/rules/presets")
    assert presets.status_code == 200


ACCOUNTS_OPERATIONS = {
    ("/.well-known/jwks.json", "get"),
    ("/api/v1/auth/guest", "post"),
    ("/api/v1/auth/refresh", "post"),
    ("/api/v1/auth/logout", "post"),
    ("/api/v1/auth/logout-everywhere", "post"),
    ("/api/v1/auth/{provider}/authorize", "get"),
    ("/api/v1/auth/{provider}/callback", "get"),
    ("/api/v1/auth/ticket", "post"),
    ("/api/v1/auth/dev", "post"),
    ("/api/v1/me/identities/{provider}", "post"),
    ("/api/v1/me/identities/{provider}", "delete"),
    ("/api/v1/me", "get"),
    ("/api/v1/me", "patch"),
    ("/api/v1/me", "delete"),
    ("/api/v1/me/sessions", "get"),
    ("/api/v1/me/sessions/{session_id}", "delete"),
}


async def test_openapi_documents_every_route_and_the_problem_shape(api: httpx.AsyncClient) -> None:
    response = await api.get("/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    operations = {
        (path, method): operation
        for path, item in schema["paths"].items()
        for method, operation in item.items()
    }
    assert set(operations) == {
        ("/health", "get"),
        ("/ready", "get"),
        ("/metrics", "get"),
        ("/api/v1/sets", "get"),
        ("/api/v1/sets/{set_id}", "get"),
        ("/api/v1/cards", "get"),
        ("/api/v1/cards/{card_id}", "get"),
        ("/api/v1/rules/presets", "get"),
        ("/api/v1/rules/presets/{name}", "get"),
        *ACCOUNTS_OPERATIONS,
        ("/api/v1/me/collection", "get"),
        ("/api/v1/me/collection/completion", "get"),
        ("/api/v1/me/collection/ledger", "get"),
        ("/api/v1/me/starter", "get"),
        ("/api/v1/me/starter", "post"),
        ("/api/v1/me/decks", "get"),
        ("/api/v1/me/decks", "post"),
        ("/api/v1/me/decks/{deck_id}", "get"),
        ("/api/v1/me/decks/{deck_id}", "put"),
        ("/api/v1/me/decks/{deck_id}", "patch"),
        ("/api/v1/me/decks/{deck_id}", "delete"),
        ("/api/v1/me/decks/{deck_id}/code", "get"),
        ("/api/v1/decks/code/decode", "post"),
        ("/api/v1/decks/code/encode", "post"),
        ("/api/v1/games", "post"),
        ("/api/v1/games/join", "post"),
        ("/api/v1/games/{game_id}", "get"),
        ("/api/v1/games/{game_id}/replay", "get"),
        ("/api/v1/me/games", "get"),
        ("/api/v1/matchmaking/tickets", "post"),
        ("/api/v1/matchmaking/tickets/{ticket_id}", "get"),
        ("/api/v1/matchmaking/tickets/{ticket_id}", "delete"),
    }
    assert operations[("/api/v1/cards/{card_id}", "get")]["operationId"] == "get_card"
    problem_ref = {"$ref": "#/components/schemas/Problem"}
    for (path, _), operation in operations.items():
        for status, documented in operation["responses"].items():
            if status.startswith(("2", "3")):  # success and redirects are not problems
                continue
            expected = problem_ref
            if (path, status) == ("/ready", "503"):
                expected = {"$ref": "#/components/schemas/NotReadyProblem"}
            assert documented["content"] == {PROBLEM: {"schema": expected}}, (path, status)
    card_params = {p["name"] for p in operations[("/api/v1/cards", "get")]["parameters"]}
    assert card_params == {
        "card_type",
        "set_id",
        "rarity",
        "element",
        "stage",
        "trainer_subtype",
        "hp_min",
        "hp_max",
        "name_contains",
        "limit",
        "offset",
    }
    search_responses = operations[("/api/v1/cards", "get")]["responses"]
    assert set(search_responses) >= {"200", "422", "500", "503"}
    assert "hp_min greater than hp_max" in search_responses["422"]["description"]
    not_ready = schema["components"]["schemas"]["NotReadyProblem"]
    assert {"$ref": "#/components/schemas/ReadyChecks"} in not_ready["properties"]["checks"][
        "anyOf"
    ]
    assert "checks" not in not_ready.get("required", [])
    metrics_content = operations[("/metrics", "get")]["responses"]["200"]["content"]
    assert set(metrics_content) == {"text/plain"}
