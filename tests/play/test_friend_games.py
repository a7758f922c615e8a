"""Two people play each other by invite code, over real WebSockets to a real service process."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest
import websockets

from tests.play.harness import (
    PlayClient,
    Player,
    Service,
    api,
    connected,
    new_player,
    play_to_end,
)


def friend_game(service: Service, **options: object) -> tuple[Player, Player, str]:
    """A started friend game: (creator in seat 0, friend in seat 1, game id)."""
    host, friend = new_player(service.base, "fire"), new_player(service.base, "water")
    body = {"opponent": "friend", "deck_id": host.deck_id, **options}
    created = api(service.base, "POST", "/api/v1/games", host, json=body)
    assert created.status_code == 201, created.text
    game = created.json()
    assert game["status"] == "waiting"
    assert game["invite_url"] == f"/play?invite={game['invite_code']}"
    joined = api(
        service.base,
        "POST",
        "/api/v1/games/join",
        friend,
        json={"code": game["invite_code"].lower(), "deck_id": friend.deck_id},
    )
    assert joined.status_code == 200, joined.text
    assert joined.json()["seat"] == 1
    assert joined.json()["status"] == "active"
    return host, friend, game["game_id"]


async def test_friends_play_a_whole_game_and_both_see_the_same_ending(service: Service) -> None:
    host, friend, game_id = friend_game(service)
    a = PlayClient(service.ws_url, host.token, game_id)
    b = PlayClient(service.ws_url, friend.token, game_id)
    async with connected(a), connected(b):
        assert (a.seat, b.seat) == (0, 1)
        ends = await asyncio.gather(
            play_to_end(a, random.Random(1)), play_to_end(b, random.Random(2))
        )
    views = [end["view"] for end in ends]
    assert views[0]["phase"] == views[1]["phase"] == "ended"
    assert views[0]["winner"] == views[1]["winner"]
    assert ends[0]["v"] == ends[1]["v"]
    for client in (a, b):
        events = [f for f in client.frames if f["type"] == "events"]
        # Every version reached each seat once, in order, without a gap.
        assert [f["from_v"] for f in events[1:]] == [f["v"] for f in events[:-1]]
        assert not client.errors
    game = api(service.base, "GET", f"/api/v1/games/{game_id}", host).json()
    assert game["status"] == "ended"
    assert game["winner"] == views[0]["winner"]
    mine = api(service.base, "GET", "/api/v1/me/games", host).json()["games"]
    assert game_id not in [g["game_id"] for g in mine]
    replay = api(service.base, "GET", f"/api/v1/games/{game_id}/replay", friend).json()
    assert replay["steps"][-1]["v"] == ends[0]["v"]
    assert replay["final_view"]["viewer"] == 1
    stranger = new_player(service.base)
    public = api(service.base, "GET", f"/api/v1/games/{game_id}/replay", stranger).json()
    assert public["final_view"] is None
    assert all("hand" not in player for player in public["steps"][-1]["view"]["players"])


async def test_an_invite_is_taken_once_and_never_by_its_creator(service: Service) -> None:
    host = new_player(service.base)
    body = {"opponent": "friend", "deck_id": host.deck_id}
    game = api(service.base, "POST", "/api/v1/games", host, json=body).json()
    listed = api(service.base, "GET", "/api/v1/me/games", host).json()["games"]
    assert game["game_id"] in [g["game_id"] for g in listed]
    code = game["invite_code"]
    own = api(
        service.base,
        "POST",
        "/api/v1/games/join",
        host,
        json={"code": code, "deck_id": host.deck_id},
    )
    assert own.status_code == 409
    first, second = new_player(service.base), new_player(service.base)
    joins = [
        api(
            service.base, "POST", "/api/v1/games/join", p, json={"code": code, "deck_id": p.deck_id}
        )
        for p in (first, second)
    ]
    assert [j.status_code for j in joins] == [200, 409]
    unknown = api(
        service.base,
        "POST",
        "/api/v1/games/join",
        second,
        json={"code": "ZZZZZZZZ", "deck_id": second.deck_id},
    )
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("application/problem+json")
    seen_by_friend = api(service.base, "GET", f"/api/v1/games/{game['game_id']}", first).json()
    assert seen_by_friend["invite_code"] is None


async def test_a_refused_message_changes_nothing_and_says_why(service: Service) -> None:
    host, friend, game_id = friend_game(service)
    a = PlayClient(service.ws_url, host.token, game_id)
    b = PlayClient(service.ws_url, friend.token, game_id)
    async with connected(a), connected(b):
        await asyncio.gather(
            a.until(lambda f: f["type"] == "request"), b.until(lambda f: f["type"] == "request")
        )
        mover, waiter = (a, b) if a.request and a.request["actions"] else (b, a)
        request = await mover.my_turn()
        assert request is not None
        v = request["v"]
        action = request["actions"][0]
        # The other seat may not act.
        await waiter.send({"type": "act", "id": "w1", "rqid": v, "action": action})
        error = await waiter.until(lambda f: f["type"] == "error")
        assert (error["code"], error["id"]) == ("not_your_turn", "w1")
        # An answer to an older request is stale.
        await mover.send({"type": "act", "id": "s1", "rqid": v + 7, "action": action})
        error = await mover.until(lambda f: f["type"] == "error")
        assert (error["code"], error["field"]) == ("stale_request", "rqid")
        # A malformed action names its field; an ending is not an action a seat plays.
        await mover.send(
            {"type": "act", "id": "i1", "rqid": v, "action": {"kind": "attack", "index": 63}}
        )
        error = await mover.until(lambda f: f["type"] == "error")
        assert error["code"] == "illegal_action"
        await mover.send({"type": "act", "id": "i2", "rqid": v, "action": {"kind": "abandon"}})
        error = await mover.until(lambda f: f["type"] == "error")
        assert (error["code"], error["field"]) == ("illegal_action", "action.kind")
        await mover.send(
            {"type": "act", "id": "i3", "rqid": v, "action": {"kind": "attack", "index": True}}
        )
        error = await mover.until(lambda f: f["type"] == "error")
        assert (error["code"], error["field"]) == ("bad_message", "action.index")
        await mover.send("{not json")
        assert (await mover.until(lambda f: f["type"] == "error"))["code"] == "bad_json"
        await mover.send({"type": "launch", "id": "x"})
        error = await mover.until(lambda f: f["type"] == "error")
        assert (error["code"], error["field"]) == ("bad_message", "type")
        # None of that moved the game: the same request still stands, and now it is played.
        ack = await mover.act(action, "good-1")
        assert (ack["type"], ack["v"]) == ("ack", v + 1)
    # Reconnect and resend the same message id: acknowledged again, never applied twice.
    again = PlayClient(service.ws_url, mover.token, game_id)
    async with connected(again, since=v):
        catch_up = await again.until(lambda f: f["type"] in ("events", "resync"))
        assert catch_up["v"] >= v + 1
        await again.send({"type": "act", "id": "good-1", "rqid": v, "action": action})
        ack = await again.until(lambda f: f["type"] in ("ack", "error"))
        assert (ack["type"], ack["id"], ack["v"]) == ("ack", "good-1", v + 1)
        await again.send({"type": "ping", "id": "p"})
        assert (await again.until(lambda f: f["type"] == "pong"))["id"] == "p"
    spectator = PlayClient(service.ws_url, friend.token, game_id, role="spectator")
    async with connected(spectator):
        request = await spectator.until(lambda f: f["type"] == "request")
        assert request["actions"] == []
        assert request["v"] == v + 1
        assert all("hand" not in player for player in request["view"]["players"])
        await spectator.send({"type": "resign", "id": "r"})
        assert (await spectator.until(lambda f: f["type"] == "error"))["code"] == "not_a_player"


async def test_resigning_ends_the_game_for_both_and_a_rematch_swaps_seats(service: Service) -> None:
    host, friend, game_id = friend_game(service)
    a = PlayClient(service.ws_url, host.token, game_id)
    b = PlayClient(service.ws_url, friend.token, game_id)
    async with connected(a), connected(b):
        await a.send({"type": "resign", "id": "bye"})
        ack = await a.until(lambda f: f["type"] == "ack")
        final = await b.until(lambda f: f["type"] == "request" and f["v"] == ack["v"])
        assert final["view"]["winner"] == 1
        assert final["view"]["end_reason"] == "resignation"
        await a.send(
            {"type": "act", "id": "late", "rqid": ack["v"], "action": {"kind": "end_turn"}}
        )
        assert (await a.until(lambda f: f["type"] == "error"))["code"] == "game_over"
        await a.send({"type": "rematch", "id": "again-a"})
        offer = await b.until(lambda f: f["type"] == "offer")
        assert (offer["kind"], offer["seat"]) == ("rematch", 0)
        await b.send({"type": "rematch", "id": "again-b"})
        ready = await a.until(lambda f: f["type"] == "rematch_ready")
        assert (await b.until(lambda f: f["type"] == "rematch_ready")) == ready
    rematch = api(service.base, "GET", f"/api/v1/games/{ready['game_id']}", host).json()
    assert rematch["status"] == "active"
    assert rematch["seat"] == 1
    assert [p["name"] for p in rematch["players"]] == [friend.name, host.name]


async def test_a_draw_offered_and_accepted_ends_the_game_drawn(service: Service) -> None:
    host, friend, game_id = friend_game(service)
    a = PlayClient(service.ws_url, host.token, game_id)
    b = PlayClient(service.ws_url, friend.token, game_id)
    async with connected(a), connected(b):
        await b.send({"type": "answer_draw", "id": "early", "accept": True})
        assert (await b.until(lambda f: f["type"] == "error"))["code"] == "draw_not_offered"
        await a.send({"type": "offer_draw", "id": "d1"})
        await a.until(lambda f: f["type"] == "ack")
        offer = await b.until(lambda f: f["type"] == "offer")
        assert (offer["kind"], offer["seat"]) == ("draw", 0)
        await b.send({"type": "answer_draw", "id": "yes", "accept": True})
        ack = await b.until(lambda f: f["type"] == "ack")
        final = await a.until(lambda f: f["type"] == "request" and f["v"] == ack["v"])
    assert final["view"]["winner"] is None
    assert final["view"]["end_reason"] == "agreed_draw"


async def test_the_connection_refuses_what_is_not_a_proper_hello(service: Service) -> None:
    host, _, game_id = friend_game(service)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"type": "ping"}, "not_hello"),
        (
            {"type": "hello", "protocol": 2, "token": host.token, "game_id": game_id},
            "protocol_version",
        ),
        ({"type": "hello", "protocol": 1, "token": "nope", "game_id": game_id}, "unauthenticated"),
        (
            {
                "type": "hello",
                "protocol": 1,
                "token": host.token,
                "game_id": "00000000-0000-4000-8000-000000000000",
            },
            "game_not_found",
        ),
    ]
    for hello, code in cases:
        client = PlayClient(service.ws_url, host.token, game_id)
        client.ws = await websockets.connect(service.ws_url)
        await client.send(hello)
        assert (await client.recv())["code"] == code
        await client.close()
    stranger = new_player(service.base)
    client = PlayClient(service.ws_url, stranger.token, game_id)
    assert (await client.connect())["code"] == "not_a_player"
    await client.close()
    foreign = PlayClient(service.ws_url, host.token, game_id)
    try:
        refused = await foreign.connect(origin="https://evil.example")
    except Exception as exc:  # the handshake itself is refused
        refused = {"refused": str(exc)}
    assert "refused" in refused
    flooder = PlayClient(service.ws_url, host.token, game_id)
    async with connected(flooder):
        for n in range(200):
            try:
                await flooder.send({"type": "ping", "id": f"f{n}"})
            except Exception:
                break
        error = await flooder.until(lambda f: f["type"] == "error")
        assert error["code"] == "rate_limited"
    big = PlayClient(service.ws_url, host.token, game_id)
    async with connected(big):
        await big.send({"type": "ping", "id": "x" * 64, "pad": "y" * 20_000})
        assert (await big.until(lambda f: f["type"] == "error"))["code"] == "too_large"


async def test_signing_out_closes_the_game_connection(service: Service) -> None:
    host, _, game_id = friend_game(service)
    client = PlayClient(service.ws_url, host.token, game_id)
    async with connected(client):
        await client.until(lambda f: f["type"] == "request")
        assert api(service.base, "POST", "/api/v1/auth/logout", host).status_code == 204
        error = await client.until(lambda f: f["type"] == "error", 20)
        assert error["code"] == "unauthenticated"
        with pytest.raises(websockets.ConnectionClosed):
            await client.recv(10)
    refused = PlayClient(service.ws_url, host.token, game_id)
    assert (await refused.connect())["code"] == "unauthenticated"
    await refused.close()
