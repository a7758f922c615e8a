"""GET /api/v1/sets, /api/v1/cards and /api/v1/cards/{id} against the catalog the app loaded."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from app.catalog.card_service import CardSearchFilters, CardService
from app.core.cards import (
    CardType,
    CreatureCard,
    EnergyType,
    Rarity,
    Stage,
    TrainerSubtype,
)
from tests.api.conftest import services_of
from tests.api.oracle import expected_ids

PROBLEM = "application/problem+json"


@pytest.fixture(scope="session")
def catalog(api_app: FastAPI) -> CardService:
    return services_of(api_app).cards


async def search(api: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await api.get("/api/v1/cards", params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    return body


async def all_ids(api: httpx.AsyncClient, **params: Any) -> list[str]:
    """Every matching id, fetched page by page."""
    ids: list[str] = []
    offset = 0
    while True:
        page = await search(api, limit=500, offset=offset, **params)
        ids.extend(item["id"] for item in page["items"])
        if not page["has_more"]:
            return ids
        offset += 500


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["instance"] == response.request.url.path
    assert {"type", "title", "detail"} <= body.keys()
    return body


# -- sets ------------------------------------------------------------------------------------


async def test_sets_lists_every_set_in_catalog_order(
    api: httpx.AsyncClient, catalog: CardService
) -> None:
    response = await api.get("/api/v1/sets")
    assert response.status_code == 200
    body = response.json()
    assert body["total"] == len(catalog.sets) == len(body["items"])
    assert body["items"] == [info.model_dump(mode="json") for info in catalog.sets]
    assert {"id", "name", "card_count", "release_date"} <= body["items"][0].keys()


@pytest.mark.parametrize("transform", [str.lower, str.upper])
async def test_one_set_by_code_is_case_insensitive(
    api: httpx.AsyncClient, catalog: CardService, transform: Any
) -> None:
    info = catalog.sets[0]
    response = await api.get(f"/api/v1/sets/{transform(info.id)}")
    assert response.status_code == 200
    assert response.json() == info.model_dump(mode="json")


async def test_unknown_set_is_a_404_listing_the_known_sets(
    api: httpx.AsyncClient, catalog: CardService
) -> None:
    body = problem(await api.get("/api/v1/sets/zz9"), 404)
    assert body["type"] == "urn:mantimon:problem:set-not-found"
    assert body["set_id"] == "zz9"
    for info in catalog.sets:
        assert info.id in body["detail"]


# -- one card --------------------------------------------------------------------------------


@pytest.mark.parametrize("card_type", list(CardType))
async def test_card_by_id_returns_the_full_definition(
    api: httpx.AsyncClient, catalog: CardService, card_type: CardType
) -> None:
    card = next(card for card in catalog if card.card_type is card_type)
    response = await api.get(f"/api/v1/cards/{card.id}")
    assert response.status_code == 200
    assert response.json() == card.model_dump(mode="json")
    assert response.json()["card_type"] == card_type.value


async def test_cards_carry_typed_effects_and_the_schema_documents_them(
    api: httpx.AsyncClient,
) -> None:
    response = await api.get("/api/v1/cards/mv1-005")
    (attack,) = [a for a in response.json()["attacks"] if a["effect_text"]]
    assert attack["effects"][0]["kind"] == "coin_flip"
    assert attack["effects"][0]["on_heads"][0]["kind"] == "damage_bonus"
    stadium = (await api.get("/api/v1/cards/mv1-149")).json()
    assert stadium["triggers"][0]["limit"] == "once_per_turn"
    schemas = (await api.get("/openapi.json")).json()["components"]["schemas"]
    assert {"CoinFlip", "AddLasting", "DamageDealt", "Trigger", "Target"} <= set(schemas)


async def test_unknown_card_is_a_404_with_suggestions(
    api: httpx.AsyncClient, catalog: CardService
) -> None:
    existing = catalog.all_cards()[0].id
    typo = existing.upper()
    body = problem(await api.get(f"/api/v1/cards/{typo}"), 404)
    assert body["type"] == "urn:mantimon:problem:card-not-found"
    assert body["card_ids"] == [typo]
    assert existing in body["suggestions"][typo]
    assert existing in body["detail"]


async def test_card_id_without_any_close_match_has_no_suggestions(api: httpx.AsyncClient) -> None:
    body = problem(await api.get("/api/v1/cards/qqqqqqqq"), 404)
    assert body["suggestions"] == {"qqqqqqqq": []}


async def test_overlong_card_id_is_refused_before_lookup(api: httpx.AsyncClient) -> None:
    body = problem(await api.get("/api/v1/cards/" + "x" * 65), 422)
    assert body["errors"][0]["loc"] == ["path", "card_id"]
    assert body["errors"][0]["type"] == "string_too_long"


# -- search: filters -------------------------------------------------------------------------


def _filter_cases() -> list[tuple[str, str]]:
    cases: list[tuple[str, str]] = []
    cases += [("card_type", value) for value in CardType]
    cases += [("set_id", value) for value in ("mv1", "mv2", "MV2")]
    cases += [("rarity", value) for value in Rarity]
    cases += [("element", value) for value in EnergyType]
    cases += [("stage", value) for value in Stage]
    cases += [("trainer_subtype", value) for value in TrainerSubtype]
    cases += [("hp_min", value) for value in ("0", "60", "120", "400")]
    cases += [("hp_max", value) for value in ("0", "60", "120", "400")]
    cases += [("name_contains", value) for value in ("a", "Mo", "moss", "  ER ", "zzzzz")]
    return cases


def test_the_cases_cover_every_filter_of_the_card_service() -> None:
    filters = set(CardSearchFilters.model_fields) - {"limit", "offset"}
    assert {name for name, _ in _filter_cases()} == filters


@pytest.mark.parametrize(("name", "value"), _filter_cases())
async def test_each_filter_returns_exactly_the_matching_cards(
    api: httpx.AsyncClient, catalog: CardService, name: str, value: str
) -> None:
    expected = expected_ids(catalog, {name: value})
    page = await search(api, **{name: value}, limit=500)
    assert page["total"] == len(expected)
    assert [item["id"] for item in page["items"]] == expected[:500]


@pytest.mark.parametrize(
    "params",
    [
        {"card_type": "creature", "element": "fire", "stage": "stage_1"},
        {"set_id": "mv2", "rarity": "common", "hp_min": "50", "hp_max": "90"},
        {"element": "water", "name_contains": "a"},
        {"card_type": "trainer", "trainer_subtype": "supporter", "set_id": "mv1"},
        {"card_type": "energy", "element": "grass"},
        {"card_type": "trainer", "stage": "basic"},
        {"hp_min": "100", "hp_max": "100"},
    ],
)
async def test_filters_combine_with_and(
    api: httpx.AsyncClient, catalog: CardService, params: dict[str, str]
) -> None:
    expected = expected_ids(catalog, params)
    assert await all_ids(api, **params) == expected
    if params.get("stage") and params.get("card_type") == "trainer":
        assert expected == []


async def test_no_filter_returns_the_whole_catalog_in_order(
    api: httpx.AsyncClient, catalog: CardService
) -> None:
    assert await all_ids(api) == [card.id for card in catalog]


async def test_creature_items_carry_their_fields(
    api: httpx.AsyncClient, catalog: CardService
) -> None:
    page = await search(api, card_type="creature", limit=3)
    for item in page["items"]:
        card = catalog.get_card(item["id"])
        assert isinstance(card, CreatureCard)
        assert item == card.model_dump(mode="json")


# -- search: paging --------------------------------------------------------------------------


async def test_pages_are_consistent_and_cover_every_match(
    api: httpx.AsyncClient, catalog: CardService
) -> None:
    expected = expected_ids(catalog, {"card_type": "creature"})
    seen: list[str] = []
    offset = 0
    while True:
        page = await search(api, card_type="creature", limit=37, offset=offset)
        assert page["total"] == len(expected)
        assert (page["limit"], page["offset"]) == (37, offset)
        seen.extend(item["id"] for item in page["items"])
        assert page["has_more"] == (offset + 37 < len(expected))
        if not page["has_more"]:
            break
        offset += 37
    assert seen == expected


async def test_default_page_is_fifty_cards(api: httpx.AsyncClient, catalog: CardService) -> None:
    page = await search(api)
    assert (page["limit"], page["offset"], page["total"]) == (50, 0, len(catalog))
    assert len(page["items"]) == 50
    assert page["has_more"] is True


async def test_offset_past_the_end_is_an_empty_page_with_the_total(
    api: httpx.AsyncClient, catalog: CardService
) -> None:
    page = await search(api, offset=10_000)
    assert page["items"] == []
    assert page["total"] == len(catalog)
    assert page["has_more"] is False


# -- search: refused queries -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "loc", "error_type"),
    [
        ({"limit": "0"}, ["query", "limit"], "greater_than_equal"),
        ({"limit": "501"}, ["query", "limit"], "less_than_equal"),
        ({"limit": "ten"}, ["query", "limit"], "int_parsing"),
        ({"offset": "-1"}, ["query", "offset"], "greater_than_equal"),
        ({"hp_min": "-10"}, ["query", "hp_min"], "greater_than_equal"),
        ({"hp_max": "1.5"}, ["query", "hp_max"], "int_parsing"),
        # Lax readings of a number are refused: what was typed is not a plain whole number.
        ({"hp_min": "0.0"}, ["query", "hp_min"], "int_parsing"),
        ({"offset": " 3"}, ["query", "offset"], "int_parsing"),
        ({"limit": "3_0"}, ["query", "limit"], "int_parsing"),
        ({"card_type": "spell"}, ["query", "card_type"], "enum"),
        ({"rarity": "mythic"}, ["query", "rarity"], "enum"),
        ({"element": "ice"}, ["query", "element"], "enum"),
        ({"stage": "stage_3"}, ["query", "stage"], "enum"),
        ({"trainer_subtype": "spell"}, ["query", "trainer_subtype"], "enum"),
        ({"name_contains": "   "}, ["query", "name_contains"], "string_too_short"),
        ({"name_contains": "x" * 61}, ["query", "name_contains"], "string_too_long"),
        ({"hp_min": "100", "hp_max": "50"}, ["query"], "value_error"),
        ({"colour": "red"}, ["query", "colour"], "extra_forbidden"),
        ({"set_id": "zz9"}, ["query", "set_id"], "unknown_set"),
    ],
)
async def test_a_bad_filter_is_a_422_naming_the_parameter(
    api: httpx.AsyncClient, params: dict[str, str], loc: list[str], error_type: str
) -> None:
    body = problem(await api.get("/api/v1/cards", params=params), 422)
    assert body["type"] == "urn:mantimon:problem:validation-error"
    assert body["title"] == "Invalid request"
    assert [(e["loc"], e["type"]) for e in body["errors"]] == [(loc, error_type)]
    assert body["errors"][0]["msg"]
    assert not body["errors"][0]["msg"].startswith("Value error")


async def test_hp_range_error_says_which_bound_is_wrong(api: httpx.AsyncClient) -> None:
    body = problem(await api.get("/api/v1/cards", params={"hp_min": 100, "hp_max": 50}), 422)
    assert "hp_min (100) is greater than hp_max (50)" in body["detail"]


async def test_every_invalid_parameter_is_reported_at_once(api: httpx.AsyncClient) -> None:
    params = {"limit": "0", "offset": "x", "rarity": "mythic"}
    body = problem(await api.get("/api/v1/cards", params=params), 422)
    assert sorted(e["loc"][1] for e in body["errors"]) == ["limit", "offset", "rarity"]
    assert body["detail"].startswith("3 problems with the request: ")
