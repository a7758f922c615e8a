"""Spectators: the public view, held back by the delay a ranked game sets; players gain nothing."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.play.harness import PlayClient, Service, connected, service_process
from tests.play.test_friend_games import friend_game

DELAY_S = 2.0


@pytest.fixture(scope="module")
def delayed(
    database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    log = Path(tmp_path_factory.mktemp("spectators")) / "serve.log"
    with service_process(
        database_url,
        redis_url,
        f"sp{id(log) % 100_000}:",
        log,
        spectator_delay_seconds=str(DELAY_S),
    ) as running:
        yield running


async def test_a_spectator_sees_the_public_game_late(delayed: Service) -> None:
    host, friend, game_id = friend_game(delayed)
    a = PlayClient(delayed.ws_url, host.token, game_id)
    b = PlayClient(delayed.ws_url, friend.token, game_id)
    # The host watching their own game as a spectator gets a spectator's view, no more.
    watcher = PlayClient(delayed.ws_url, host.token, game_id, role="spectator")
    async with connected(a), connected(b):
        for player in (a, b):
            await player.until(lambda f: f["type"] == "request")
        opened = time.monotonic()
        async with connected(watcher):
            first = await watcher.until(lambda f: f["type"] == "request")
            assert time.monotonic() - opened >= DELAY_S * 0.9
            assert first["actions"] == []
            assert first["view"]["viewer"] is None
            assert all("hand" not in p for p in first["view"]["players"])
            mover = a if a.request and a.request["actions"] else b
            request = await mover.my_turn()
            assert request is not None
            acted = time.monotonic()
            ack = await mover.act(request["actions"][0])
            seen = await watcher.until(lambda f: f["type"] == "events" and f["v"] == ack["v"], 15)
            assert time.monotonic() - acted >= DELAY_S * 0.9
            assert seen["from_v"] == first["v"]
            await asyncio.sleep(0)
    for frame in watcher.frames:
        assert frame["type"] in ("welcome", "request", "events", "clock", "presence"), frame
        if frame["type"] == "request":
            assert frame["actions"] == []
