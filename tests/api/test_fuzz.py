"""Property-based fuzz of the API: whatever the query or card id, never a 500, always one shape.

A 200 from the search must also be exactly what the slow oracle computes, so the
fuzz checks the answers as well as the absence of crashes.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.catalog.card_service import CardService
from app.core.cards import CardType, EnergyType, Rarity, Stage, TrainerSubtype
from tests.api.conftest import services_of
from tests.api.oracle import expected_ids

PROBLEM = "application/problem+json"
FUZZ = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
QUICK_FUZZ = settings(FUZZ, max_examples=60)
"""For lookups: each unknown id costs a did-you-mean search, and the input space is small."""

text = st.text(st.characters(codec="utf-8"), max_size=80)
numbers = st.one_of(st.integers(-5, 600).map(str), st.integers().map(str), text)


def choice_or_junk(values: list[str]) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(values), st.sampled_from(values).map(str.upper), text)


query_params = st.fixed_dictionaries(
    {},
    optional={
        "card_type": choice_or_junk([v.value for v in CardType]),
        "set_id": st.one_of(st.sampled_from(["mv1", "mv2", "MV1"]), text),
        "rarity": choice_or_junk([v.value for v in Rarity]),
        "element": choice_or_junk([v.value for v in EnergyType]),
        "stage": choice_or_junk([v.value for v in Stage]),
        "trainer_subtype": choice_or_junk([v.value for v in TrainerSubtype]),
        "hp_min": numbers,
        "hp_max": numbers,
        "name_contains": st.one_of(st.sampled_from(["a", "mo", "Moss", " er "]), text),
        "limit": numbers,
        "offset": numbers,
        "unexpected": text,
    },
)


@pytest.fixture(scope="session")
def catalog(api_app: FastAPI) -> CardService:
    return services_of(api_app).cards


@pytest.fixture(scope="session")
def search_responses(api_app: FastAPI) -> dict[str, Any]:
    """What the OpenAPI schema promises the search answers, by status."""
    responses: dict[str, Any] = api_app.openapi()["paths"]["/api/v1/cards"]["get"]["responses"]
    return responses


def assert_problem(response: httpx.Response) -> dict[str, Any]:
    assert response.headers["content-type"] == PROBLEM, response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == response.status_code
    assert isinstance(body["title"], str)
    assert isinstance(body["detail"], str)
    return body


@FUZZ
@given(params=query_params)
async def test_card_search_never_fails_and_matches_the_oracle(
    api: httpx.AsyncClient,
    catalog: CardService,
    search_responses: dict[str, Any],
    params: dict[str, str],
) -> None:
    response = await api.get("/api/v1/cards", params=params)
    assert response.status_code in (200, 422), response.text
    documented = search_responses[str(response.status_code)]["content"]
    assert response.headers["content-type"] in documented, (response.status_code, documented)
    if response.status_code == 422:
        body = assert_problem(response)
        assert body["errors"]
        assert all(error["loc"][0] == "query" for error in body["errors"])
        return
    page = response.json()
    filters = {k: v for k, v in params.items() if k not in ("limit", "offset")}
    expected = expected_ids(catalog, filters)
    limit, offset = int(params.get("limit", 50)), int(params.get("offset", 0))
    assert page["total"] == len(expected)
    assert [item["id"] for item in page["items"]] == expected[offset : offset + limit]


@QUICK_FUZZ
@given(card_id=st.one_of(text, st.from_regex(r"\A[a-z0-9]{2,4}-[0-9]{3}\Z")))
async def test_card_lookup_never_fails(
    api: httpx.AsyncClient, catalog: CardService, card_id: str
) -> None:
    response = await api.get("/api/v1/cards/" + quote(card_id, safe=""), follow_redirects=False)
    assert response.status_code in (200, 307, 404, 422), response.text
    if response.status_code == 200:
        assert response.json() == catalog.get_card(card_id).model_dump(mode="json")
    elif response.status_code != 307:
        assert_problem(response)


@QUICK_FUZZ
@given(name=text)
async def test_set_and_preset_lookups_never_fail(api: httpx.AsyncClient, name: str) -> None:
    for path in ("/api/v1/sets/", "/api/v1/rules/presets/"):
        response = await api.get(path + quote(name, safe=""), follow_redirects=False)
        assert response.status_code in (200, 307, 404, 422), response.text
        if response.status_code >= 400:
            assert_problem(response)
