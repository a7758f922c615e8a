"""Quick match over a real service: casual pairs the first two, ranked needs accounts and rates."""

from __future__ import annotations

import asyncio
import time
import uuid

import asyncpg

from tests.play.harness import PlayClient, Player, Service, api, connected, new_player


def _queue(service: Service, player: Player, mode: str = "casual") -> dict[str, object]:
    ticket = api(
        service.base,
        "POST",
        "/api/v1/matchmaking/tickets",
        player,
        json={"mode": mode, "deck_id": player.deck_id},
    )
    assert ticket.status_code == 201, ticket.text
    return dict(ticket.json())


def _matched(service: Service, player: Player, ticket_id: object) -> dict[str, object]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        ticket = api(service.base, "GET", f"/api/v1/matchmaking/tickets/{ticket_id}", player).json()
        if ticket["status"] != "waiting":
            return dict(ticket)
        time.sleep(0.2)
    raise AssertionError("no match within 20 s")


async def test_two_strangers_are_paired_and_play(service: Service) -> None:
    first, second = new_player(service.base, "grass"), new_player(service.base, "psychic")
    tickets = [_queue(service, first), _queue(service, second)]
    assert tickets[0]["status"] == "waiting"
    matched = [
        _matched(service, p, t["ticket_id"]) for p, t in zip((first, second), tickets, strict=True)
    ]
    assert matched[0]["status"] == matched[1]["status"] == "matched"
    game_id = matched[0]["game_id"]
    assert game_id == matched[1]["game_id"]
    game = api(service.base, "GET", f"/api/v1/games/{game_id}", first).json()
    assert (game["kind"], game["status"], game["timed"]) == ("casual", "active", True)
    clients = [PlayClient(service.ws_url, p.token, str(game_id)) for p in (first, second)]
    async with connected(clients[0]), connected(clients[1]):
        assert {c.seat for c in clients} == {0, 1}


async def test_leaving_the_queue_cancels_the_ticket(service: Service) -> None:
    player = new_player(service.base)
    ticket = _queue(service, player)
    gone = api(service.base, "DELETE", f"/api/v1/matchmaking/tickets/{ticket['ticket_id']}", player)
    assert gone.status_code == 204
    after = api(service.base, "GET", f"/api/v1/matchmaking/tickets/{ticket['ticket_id']}", player)
    assert after.json()["status"] == "cancelled"
    other = new_player(service.base)
    stranger = api(service.base, "GET", f"/api/v1/matchmaking/tickets/{ticket['ticket_id']}", other)
    assert stranger.status_code == 404
    # A second ticket replaces the first: one place in the queues per player.
    one, two = _queue(service, player), _queue(service, player)
    first = api(service.base, "GET", f"/api/v1/matchmaking/tickets/{one['ticket_id']}", player)
    assert first.json()["status"] == "cancelled"
    api(service.base, "DELETE", f"/api/v1/matchmaking/tickets/{two['ticket_id']}", player)


async def test_ranked_is_for_accounts_and_a_result_moves_both_ratings_once(
    service: Service, database_url: str
) -> None:
    guest = new_player(service.base)
    refused = api(
        service.base,
        "POST",
        "/api/v1/matchmaking/tickets",
        guest,
        json={"mode": "ranked", "deck_id": guest.deck_id},
    )
    assert refused.status_code == 403
    tag = uuid.uuid4().hex[:6]
    first = new_player(service.base, "fire", dev_name=f"ranked-a-{tag}")
    second = new_player(service.base, "water", dev_name=f"ranked-b-{tag}")
    tickets = [_queue(service, first, "ranked"), _queue(service, second, "ranked")]
    assert tickets[0]["rating"] == 1500.0
    matched = [
        _matched(service, p, t["ticket_id"]) for p, t in zip((first, second), tickets, strict=True)
    ]
    game_id = str(matched[0]["game_id"])
    game = api(service.base, "GET", f"/api/v1/games/{game_id}", first).json()
    assert game["kind"] == "ranked"
    loser = first if game["seat"] == 0 else second
    client = PlayClient(service.ws_url, loser.token, game_id)
    async with connected(client):
        await client.send({"type": "resign", "id": "gg"})
        await client.until(lambda f: f["type"] == "ack")
        await client.send({"type": "resign", "id": "gg"})  # a resend: acknowledged, not counted
        await client.until(lambda f: f["type"] in ("ack", "error") and f.get("id") == "gg")
        await client.send({"type": "offer_draw", "id": "late"})
        assert (await client.until(lambda f: f["type"] == "error"))["code"] == "game_over"
    await asyncio.sleep(0.5)
    dsn = database_url.replace("postgresql+asyncpg://", "postgresql://")
    connection = await asyncpg.connect(dsn)
    try:
        rows = await connection.fetch(
            "SELECT user_id::text, rating, games FROM player_ratings "
            "WHERE user_id = ANY($1::uuid[])",
            [first.user_id, second.user_id],
        )
    finally:
        await connection.close()
    ratings = {row["user_id"]: (row["rating"], row["games"]) for row in rows}
    assert ratings[loser.user_id][1] == 1
    winner = second if loser is first else first
    assert ratings[winner.user_id][1] == 1
    assert ratings[winner.user_id][0] > 1500 > ratings[loser.user_id][0]
