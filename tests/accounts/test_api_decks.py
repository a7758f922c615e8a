"""The decks and collection routes over HTTP: shapes, versions, codes, other players' ids."""

from __future__ import annotations

import asyncio
import uuid

import httpx
from fastapi import FastAPI

from app.core.decks import StarterDeck
from tests.accounts.conftest import signed_in

PROBLEM = "application/problem+json"


async def test_choosing_a_starter_grants_it_once_and_saves_its_deck(
    accounts_app: FastAPI, client: httpx.AsyncClient, starters: dict[str, StarterDeck]
) -> None:
    me = await signed_in(accounts_app, client)
    offer = await client.get("/api/v1/me/starter", headers=me)
    assert offer.status_code == 200
    assert offer.json()["chosen"] is None
    assert [s["starter_type"] for s in offer.json()["starters"]] == sorted(starters)

    chosen = await client.post("/api/v1/me/starter", json={"starter_type": "grass"}, headers=me)
    assert chosen.status_code == 201, chosen.text
    body = chosen.json()
    grass = starters["grass"]
    assert {c["card_id"]: c["delta"] for c in body["granted"]} == dict(grass.cards) | dict(
        grass.energy_cards
    )
    deck = body["deck"]
    assert deck["is_starter"] is True
    assert deck["starter_type"] == "grass"
    assert deck["is_valid"] is True
    assert deck["validation_errors"] == []
    assert deck["mode"] == "campaign"

    again = await client.post("/api/v1/me/starter", json={"starter_type": "fire"}, headers=me)
    assert again.status_code == 409
    assert again.headers["content-type"] == PROBLEM
    assert again.json()["chosen"] == "grass"
    unknown = await client.post("/api/v1/me/starter", json={"starter_type": "x"}, headers=me)
    assert unknown.status_code == 422
    assert unknown.json()["known"] == sorted(starters)
    assert (await client.get("/api/v1/me/starter", headers=me)).json()["chosen"] == "grass"


async def test_concurrent_starter_requests_grant_once(
    accounts_app: FastAPI, client: httpx.AsyncClient
) -> None:
    me = await signed_in(accounts_app, client)
    responses = await asyncio.gather(
        *(
            client.post("/api/v1/me/starter", json={"starter_type": t}, headers=me)
            for t in ("fire", "water", "fire")
        )
    )
    assert sorted(r.status_code for r in responses) == [201, 409, 409]
    decks = (await client.get("/api/v1/me/decks", headers=me)).json()
    assert decks["total"] == 1


async def test_collection_listing_filters_pages_and_completion(
    accounts_app: FastAPI, client: httpx.AsyncClient, starters: dict[str, StarterDeck]
) -> None:
    me = await signed_in(accounts_app, client)
    assert (await client.get("/api/v1/me/collection", headers=me)).json()["total"] == 0
    await client.post("/api/v1/me/starter", json={"starter_type": "psychic"}, headers=me)
    psychic = starters["psychic"]
    owned = dict(psychic.cards) | dict(psychic.energy_cards)

    listed = (await client.get("/api/v1/me/collection?limit=500", headers=me)).json()
    assert {i["card_id"]: i["quantity"] for i in listed["items"]} == owned
    assert all(i["source"] == "starter" for i in listed["items"])
    page = (await client.get("/api/v1/me/collection?limit=3&offset=3", headers=me)).json()
    assert [i["card_id"] for i in page["items"]] == [i["card_id"] for i in listed["items"][3:6]]
    assert page["has_more"] is True
    energy = (await client.get("/api/v1/me/collection?card_type=energy", headers=me)).json()
    assert {i["card_id"] for i in energy["items"]} == set(psychic.energy_cards)
    bad = await client.get("/api/v1/me/collection?set_id=zz9", headers=me)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["loc"] == ["query", "set_id"]

    completion = (await client.get("/api/v1/me/collection/completion", headers=me)).json()
    assert completion["overall"]["owned"] == len(owned)
    assert completion["overall"]["copies"] == sum(owned.values())
    assert sum(s["owned"] for s in completion["sets"]) == len(owned)

    ledger = (await client.get("/api/v1/me/collection/ledger?limit=500", headers=me)).json()
    assert ledger["total"] == len(owned)
    assert {(e["source"], e["reference"]) for e in ledger["items"]} == {
        ("starter", "starter:psychic")
    }


async def test_deck_crud_with_versions(
    accounts_app: FastAPI, client: httpx.AsyncClient, starters: dict[str, StarterDeck]
) -> None:
    me = await signed_in(accounts_app, client)
    fire = starters["fire"]
    created = await client.post(
        "/api/v1/me/decks", json={"name": "Half", "cards": {"mv1-014": 4}}, headers=me
    )
    assert created.status_code == 201, created.text
    deck = created.json()
    url = f"/api/v1/me/decks/{deck['id']}"
    assert created.headers["location"] == url
    assert created.headers["etag"] == '"1"'
    assert deck["is_valid"] is False
    assert any("require exactly 40" in e for e in deck["validation_errors"])
    for key in ("cards", "energy_cards", "is_starter", "starter_type", "version", "mode"):
        assert key in deck

    got = await client.get(url, headers=me)
    assert (got.status_code, got.headers["etag"]) == (200, '"1"')

    missing = await client.patch(url, json={"name": "x"}, headers=me)
    assert missing.status_code == 428
    full = {"name": "Fire", "cards": fire.cards, "energy_cards": fire.energy_cards}
    put = await client.put(url, json=full, headers=me | {"If-Match": '"1"'})
    assert put.status_code == 200, put.text
    assert put.headers["etag"] == '"2"'
    assert put.json()["is_valid"] is True

    lost = await client.patch(url, json={"name": "Lost"}, headers=me | {"If-Match": '"1"'})
    assert lost.status_code == 412
    assert lost.headers["content-type"] == PROBLEM
    assert lost.json()["current_version"] == 2
    assert lost.headers["etag"] == '"2"'
    weak = await client.patch(url, json={"name": "W"}, headers=me | {"If-Match": 'W/"2"'})
    assert weak.status_code == 412

    patched = await client.patch(url, json={"name": "Blaze"}, headers=me | {"If-Match": '"0", "2"'})
    assert patched.json()["name"] == "Blaze"
    assert patched.json()["cards"] == fire.cards
    assert patched.json()["version"] == 3
    campaign = await client.patch(url, json={"mode": "campaign"}, headers=me | {"If-Match": "*"})
    assert campaign.json()["is_valid"] is False
    assert campaign.json()["missing_cards"] == dict(fire.cards) | dict(fire.energy_cards)

    gone = await client.delete(url, headers=me | {"If-Match": '"3"'})
    assert gone.status_code == 412
    gone = await client.delete(url, headers=me | {"If-Match": '"4"'})
    assert gone.status_code == 204
    assert (await client.get(url, headers=me)).status_code == 404


async def test_deck_slots_are_enforced(accounts_app: FastAPI, client: httpx.AsyncClient) -> None:
    me = await signed_in(accounts_app, client)
    for _ in range(5):
        assert (await client.post("/api/v1/me/decks", json={}, headers=me)).status_code == 201
    full = await client.post("/api/v1/me/decks", json={}, headers=me)
    assert full.status_code == 409
    assert full.json()["slots"] == 5
    listed = (await client.get("/api/v1/me/decks", headers=me)).json()
    assert (listed["total"], listed["slots"]) == (5, 5)

    premium = await signed_in(accounts_app, client, is_premium=True)
    for _ in range(6):
        assert (await client.post("/api/v1/me/decks", json={}, headers=premium)).status_code == 201
    assert (await client.get("/api/v1/me/decks", headers=premium)).json()["slots"] is None


async def test_another_players_deck_is_a_404_for_every_verb(
    accounts_app: FastAPI, client: httpx.AsyncClient
) -> None:
    owner = await signed_in(accounts_app, client)
    intruder = await signed_in(accounts_app, client)
    deck = (await client.post("/api/v1/me/decks", json={"name": "Mine"}, headers=owner)).json()
    url = f"/api/v1/me/decks/{deck['id']}"
    nowhere = f"/api/v1/me/decks/{uuid.uuid4()}"
    tag = {"If-Match": "*"}
    for target in (url, nowhere):
        responses = [
            await client.get(target, headers=intruder),
            await client.get(f"{target}/code", headers=intruder),
            await client.put(target, json={"name": "Theirs"}, headers=intruder | tag),
            await client.patch(target, json={"name": "Theirs"}, headers=intruder | tag),
            await client.delete(target, headers=intruder | tag),
        ]
        assert [r.status_code for r in responses] == [404] * 5
        assert {r.json()["type"] for r in responses} == {"urn:mantimon:problem:deck-not-found"}
    assert (await client.get("/api/v1/me/decks", headers=intruder)).json()["items"] == []
    assert (await client.get(url, headers=owner)).json()["name"] == "Mine"


async def test_deck_codes_export_import_and_explain_broken_codes(
    accounts_app: FastAPI, client: httpx.AsyncClient, starters: dict[str, StarterDeck]
) -> None:
    me = await signed_in(accounts_app, client)
    water = starters["water"]
    body = {"name": "W", "cards": water.cards, "energy_cards": water.energy_cards}
    deck = (await client.post("/api/v1/me/decks", json=body, headers=me)).json()
    exported = (await client.get(f"/api/v1/me/decks/{deck['id']}/code", headers=me)).json()
    assert exported["version"] == 1

    imported = await client.post(
        "/api/v1/me/decks", json={"name": "Copy", "code": exported["code"]}, headers=me
    )
    assert imported.status_code == 201
    assert imported.json()["cards"] == water.cards
    assert imported.json()["is_valid"] is True

    decoded = await client.post("/api/v1/decks/code/decode", json={"code": exported["code"]})
    assert decoded.json() == {
        "version": 1,
        "cards": water.cards,
        "energy_cards": water.energy_cards,
    }
    encoded = await client.post(
        "/api/v1/decks/code/encode", json={"cards": water.cards, "energy_cards": water.energy_cards}
    )
    assert encoded.json()["code"] == exported["code"]

    cut = await client.post("/api/v1/decks/code/decode", json={"code": exported["code"][:-6]})
    assert cut.status_code == 422
    assert cut.headers["content-type"] == PROBLEM
    assert cut.json()["code_problem"] in {"truncated", "checksum_mismatch"}
    assert "cut short" in cut.json()["detail"]
    junk = await client.post("/api/v1/me/decks", json={"code": "not a code"}, headers=me)
    assert junk.status_code == 422
    assert junk.json()["code_problem"] == "invalid_character"
    both = await client.post(
        "/api/v1/me/decks", json={"code": exported["code"], "cards": {}}, headers=me
    )
    assert both.status_code == 422


async def test_a_405_lists_every_method_of_the_path(client: httpx.AsyncClient) -> None:
    response = await client.request("OPTIONS", f"/api/v1/me/decks/{uuid.uuid4()}")
    assert response.status_code == 405
    assert response.headers["allow"] == "DELETE, GET, PATCH, PUT"
    assert (await client.request("OPTIONS", "/api/v1/me/decks")).headers["allow"] == "GET, POST"
