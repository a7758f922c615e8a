"""A person plays a bot over the network: a real service process, a real WebSocket client."""

from __future__ import annotations

import random

from tests.play.harness import PlayClient, Service, api, connected, new_player, play_to_end


async def test_a_guest_plays_a_whole_game_against_the_heuristic_bot(service: Service) -> None:
    player = new_player(service.base)
    created = api(
        service.base,
        "POST",
        "/api/v1/games",
        player,
        json={"opponent": "bot", "deck_id": player.deck_id, "bot_level": "normal"},
    )
    assert created.status_code == 201, created.text
    game = created.json()
    assert game["status"] == "active"
    assert game["seat"] == 0
    client = PlayClient(service.ws_url, player.token, game["game_id"])
    async with connected(client):
        final = await play_to_end(client, random.Random(7))
    view = final["view"]
    assert view["phase"] == "ended"
    versions = [f["v"] for f in client.frames if f["type"] == "events"]
    assert versions == sorted(versions)
    assert not client.errors
