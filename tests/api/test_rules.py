"""GET /api/v1/rules/presets and /api/v1/rules/presets/{name}."""

from __future__ import annotations

import httpx

from app.core.rules import RULES_PRESETS, RulesConfig, RulesPreset


async def test_presets_lists_every_preset_default_first(api: httpx.AsyncClient) -> None:
    response = await api.get("/api/v1/rules/presets")
    assert response.status_code == 200
    body = response.json()
    assert body["default"] == "mantimon"
    assert body["items"][0]["name"] == "mantimon"
    assert {item["name"] for item in body["items"]} == {preset.value for preset in RulesPreset}
    for item in body["items"]:
        assert item["is_default"] == (item["name"] == "mantimon")
        assert RulesConfig.model_validate(item["rules"]) == RULES_PRESETS[RulesPreset(item["name"])]


async def test_one_preset_by_name(api: httpx.AsyncClient) -> None:
    response = await api.get("/api/v1/rules/presets/classic")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "classic"
    assert body["is_default"] is False
    assert body["rules"] == RULES_PRESETS[RulesPreset.CLASSIC].model_dump(mode="json")


async def test_unknown_preset_is_a_404_listing_the_presets(api: httpx.AsyncClient) -> None:
    response = await api.get("/api/v1/rules/presets/chess")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "urn:mantimon:problem:rules-preset-not-found"
    assert body["preset"] == "chess"
    assert "classic, mantimon, pocket" in body["detail"]
