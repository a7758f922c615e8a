"""Several service processes on one PostgreSQL and Redis; instances killed and restarted."""

from __future__ import annotations

import asyncio
import random
import uuid
from pathlib import Path
from typing import Any

from tests.play.harness import (
    PlayClient,
    api,
    connected,
    new_player,
    play_to_end,
    service_process,
    start_service,
)


def _prefix() -> str:
    return f"mi{uuid.uuid4().hex[:8]}:"


def _friend_game(base: str) -> tuple[object, object, str]:
    host, friend = new_player(base, "grass"), new_player(base, "lightning")
    game = api(
        base, "POST", "/api/v1/games", host, json={"opponent": "friend", "deck_id": host.deck_id}
    ).json()
    api(
        base,
        "POST",
        "/api/v1/games/join",
        friend,
        json={"code": game["invite_code"], "deck_id": friend.deck_id},
    ).raise_for_status()
    return host, friend, game["game_id"]


async def _play(client: PlayClient, rng: random.Random, until_v: int) -> None:
    """Play `client`'s seat until the game reaches version `until_v` (or ends)."""
    while client.v < until_v and not client.ended():
        request = client.request
        if request is not None and request["v"] == client.latest and request["actions"]:
            assert (await client.act(_choice(request, rng)))["type"] == "ack"
        else:
            await client.until(lambda f: f["type"] == "request", 60)


async def _when_seat_acts(a: PlayClient, b: PlayClient, rng_b: random.Random) -> dict[str, Any]:
    """Let `b` play until `a` holds a request with actions at the game's newest version.

    Both clients first read up to the newest version either knows of: an events frame can
    move a client's version before the request of that version is read, and waiting on one
    client alone while the other sat on its unread request would wait forever.
    """
    while True:
        newest = max(a.latest, b.latest)
        for client in (a, b):
            if client.request is None or client.request["v"] < newest:
                await client.until(lambda f, n=newest: f["type"] == "request" and f["v"] >= n, 60)
        assert a.request is not None
        assert b.request is not None
        assert not a.ended(), "the game ended before the kill"
        if a.request["actions"]:
            return a.request
        assert b.request["actions"], f"neither seat may act at version {newest}"
        assert (await b.act(_choice(b.request, rng_b)))["type"] == "ack"


def _choice(request: dict[str, object], rng: random.Random) -> dict[str, object]:
    from tests.play.harness import pick

    return pick(request["actions"], rng)  # type: ignore[arg-type]


async def test_players_on_two_instances_play_a_whole_game(
    database_url: str, redis_url: str, tmp_path: Path
) -> None:
    prefix = _prefix()
    with (
        service_process(database_url, redis_url, prefix, tmp_path / "a.log") as one,
        service_process(database_url, redis_url, prefix, tmp_path / "b.log") as two,
    ):
        host, friend, game_id = _friend_game(one.base)
        a = PlayClient(one.ws_url, host.token, game_id)  # type: ignore[attr-defined]
        b = PlayClient(two.ws_url, friend.token, game_id)  # type: ignore[attr-defined]
        async with connected(a), connected(b):
            ends = await asyncio.gather(
                play_to_end(a, random.Random(3)), play_to_end(b, random.Random(4))
            )
    assert ends[0]["v"] == ends[1]["v"]
    assert ends[0]["view"]["winner"] == ends[1]["view"]["winner"]
    for client in (a, b):
        events = [f for f in client.frames if f["type"] == "events"]
        assert [f["from_v"] for f in events[1:]] == [f["v"] for f in events[:-1]]


async def test_killing_a_players_instance_mid_turn_loses_nothing(
    database_url: str, redis_url: str, tmp_path: Path
) -> None:
    prefix = _prefix()
    with service_process(database_url, redis_url, prefix, tmp_path / "b.log") as survivor:
        doomed = start_service(database_url, redis_url, prefix, tmp_path / "a.log")
        host, friend, game_id = _friend_game(survivor.base)
        a = PlayClient(doomed.ws_url, host.token, game_id)  # type: ignore[attr-defined]
        b = PlayClient(survivor.ws_url, friend.token, game_id)  # type: ignore[attr-defined]
        rng_a, rng_b = random.Random(5), random.Random(6)
        await a.connect()
        await b.connect()
        # Play a while, then kill a's instance with a's next action in flight.
        await asyncio.gather(_play(a, rng_a, 20), _play(b, rng_b, 20))
        request = await _when_seat_acts(a, b, rng_b)
        action = _choice(request, rng_a)
        acked_before = dict(a.acks)
        await a.send({"type": "act", "id": "in-flight", "rqid": request["rqid"], "action": action})
        doomed.kill()
        await a.close()
        # a reconnects to the other instance from the last version it saw, and resends.
        back = PlayClient(survivor.ws_url, a.token, game_id, acks=acked_before)
        welcome = await back.connect(since=a.v)
        assert welcome["type"] == "welcome", welcome
        await back.until(lambda f: f["type"] == "request")
        for _ in range(5):  # as a client does: `unavailable` means resend the same id
            await back.send(
                {"type": "act", "id": "in-flight", "rqid": request["rqid"], "action": action}
            )
            reply = await back.until(lambda f: f["type"] in ("ack", "error") and f.get("id"))
            if reply.get("code") != "unavailable":
                break
        assert reply["type"] == "ack", reply
        assert reply["v"] == request["v"] + 1
        # Resent again: the same answer, nothing applied twice.
        await back.send(
            {"type": "act", "id": "in-flight", "rqid": request["rqid"], "action": action}
        )
        again = await back.until(lambda f: f["type"] in ("ack", "error") and f.get("id"))
        assert (again["type"], again["v"]) == ("ack", reply["v"])
        ends = await asyncio.gather(play_to_end(back, rng_a), play_to_end(b, rng_b))
        await back.close()
        await b.close()
        replay = api(survivor.base, "GET", f"/api/v1/games/{game_id}/replay", friend).json()  # type: ignore[arg-type]
    assert ends[0]["v"] == ends[1]["v"]
    # Every version is one action: as many steps as versions, no gap, no double.
    assert [step["v"] for step in replay["steps"]] == list(range(ends[0]["v"] + 1))
    versions = [f["v"] for f in b.frames if f["type"] == "events"]
    assert versions == sorted(set(versions))


async def test_a_restart_of_the_only_instance_resumes_its_games_bots_and_timers(
    database_url: str, redis_url: str, tmp_path: Path
) -> None:
    prefix = _prefix()
    settings = {"time_control_friend": "bank=60s cap=2s warn=0ms timeouts=1 grace=60s"}
    first = start_service(database_url, redis_url, prefix, tmp_path / "1.log", **settings)
    try:
        player = new_player(first.base, "psychic")
        bot_game = api(
            first.base,
            "POST",
            "/api/v1/games",
            player,
            json={"opponent": "bot", "deck_id": player.deck_id, "bot_level": "normal"},
        ).json()
        client = PlayClient(first.ws_url, player.token, bot_game["game_id"])
        await client.connect()
        await _play(client, random.Random(8), 16)
        seen = client.v
        await client.close()
        host, _, timed_id = _friend_game(first.base)
    finally:
        first.kill()
    with service_process(database_url, redis_url, prefix, tmp_path / "2.log", **settings) as second:
        # The timed game nobody plays: its timer fires on the new instance, once.
        watcher = PlayClient(second.ws_url, host.token, timed_id)  # type: ignore[attr-defined]
        async with connected(watcher):
            ended = await watcher.until(
                lambda f: f["type"] == "request" and f["view"]["phase"] == "ended", 30
            )
        assert ended["view"]["end_reason"] == "timeout"
        # One action: the loss on time, applied once although it fell due during the restart.
        assert ended["v"] == 1
        resumed = PlayClient(second.ws_url, player.token, bot_game["game_id"])
        async with connected(resumed, since=seen):
            # Events only if the bot moved meanwhile; the request comes either way.
            current = await resumed.until(lambda f: f["type"] == "request")
            assert current["v"] >= seen
            final = await play_to_end(resumed, random.Random(9))
        assert final["view"]["phase"] == "ended"
