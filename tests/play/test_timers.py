"""The battle timer and the disconnect window, on a real service with short time controls."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.play.harness import PlayClient, Service, api, connected, service_process
from tests.play.test_friend_games import friend_game

SHORT = "bank=4s cap=1500ms warn=700ms timeouts=2 grace=1500ms"
"""Turns of 1.5 s, a warning 0.7 s before, the second timeout loses."""
PATIENT = "bank=60s cap=30s warn=0ms timeouts=3 grace=1500ms"
"""Long turns, a short grace window: only leaving the game can end it soon."""


def _service(
    database_url: str, redis_url: str, factory: pytest.TempPathFactory, control: str
) -> Iterator[Service]:
    log = Path(factory.mktemp("timers")) / "serve.log"
    with service_process(
        database_url, redis_url, f"tm{id(log) % 100_000}:", log, time_control_friend=control
    ) as running:
        yield running


@pytest.fixture(scope="module")
def short(
    database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    yield from _service(database_url, redis_url, tmp_path_factory, SHORT)


@pytest.fixture(scope="module")
def patient(
    database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    yield from _service(database_url, redis_url, tmp_path_factory, PATIENT)


async def test_idle_seats_are_warned_played_for_then_lose_on_time(short: Service) -> None:
    host, friend, game_id = friend_game(short)
    a = PlayClient(short.ws_url, host.token, game_id)
    b = PlayClient(short.ws_url, friend.token, game_id)
    async with connected(a), connected(b):
        first = await a.until(lambda f: f["type"] == "clock")
        assert first["deadline"] is not None
        # The clock runs from the deal: the acting seat may have spent a little already.
        assert all(3000 < bank <= 4000 for bank in first["banks_ms"])
        warning = await a.until(lambda f: f["type"] == "clock" and f["warning"], 10)
        ended = await a.until(
            lambda f: f["type"] == "request" and f["view"]["phase"] == "ended", 30
        )
    # Nobody sent an action: every version was the server playing for a seat out of time.
    assert ended["v"] >= 2
    assert ended["view"]["end_reason"] == "timeout"
    loser = 1 - ended["view"]["winner"]
    assert warning["acting"] in (0, 1)
    assert any(
        e["kind"] == "lost_on_time" and e["player"] == loser
        for f in a.frames
        if f["type"] == "events"
        for e in f["events"]
    )
    assert not a.errors


async def test_a_seat_that_leaves_on_its_turn_loses_when_its_window_ends(patient: Service) -> None:
    host, friend, game_id = friend_game(patient)
    a = PlayClient(patient.ws_url, host.token, game_id)
    b = PlayClient(patient.ws_url, friend.token, game_id)
    async with connected(a), connected(b):
        clock = await a.until(lambda f: f["type"] == "clock")
        mover, stayer = (a, b) if clock["acting"] == a.seat else (b, a)
        # The seat that must wait may come and go: its window does not run.
        await stayer.close()
        gone = await mover.until(lambda f: f["type"] == "presence" and not f["connected"])
        assert gone["seat"] == stayer.seat
        await asyncio.sleep(2.5)
        assert (
            api(patient.base, "GET", f"/api/v1/games/{game_id}", host).json()["status"] == "active"
        )
        back = PlayClient(patient.ws_url, stayer.token, game_id)
        async with connected(back, since=stayer.v):
            returned = await mover.until(lambda f: f["type"] == "presence" and f["connected"])
            assert returned["seat"] == back.seat
            # Now the seat that must act leaves: it has the grace window, then loses.
            await mover.close()
            away = await back.until(lambda f: f["type"] == "presence" and not f["connected"])
            assert away["seat"] == mover.seat
            assert away["grace_ends"] is not None
            ended = await back.until(
                lambda f: f["type"] == "request" and f["view"]["phase"] == "ended", 15
            )
    assert ended["view"]["end_reason"] == "abandoned"
    assert ended["view"]["winner"] == back.seat


async def test_coming_back_within_the_window_keeps_the_game(patient: Service) -> None:
    host, friend, game_id = friend_game(patient)
    a = PlayClient(patient.ws_url, host.token, game_id)
    b = PlayClient(patient.ws_url, friend.token, game_id)
    async with connected(a), connected(b):
        clock = await a.until(lambda f: f["type"] == "clock")
        mover, stayer = (a, b) if clock["acting"] == a.seat else (b, a)
        for _ in range(3):
            await mover.close()
            await stayer.until(lambda f: f["type"] == "presence" and not f["connected"])
            await asyncio.sleep(0.8)
            mover = PlayClient(patient.ws_url, mover.token, game_id)
            await mover.connect(since=0)
            await stayer.until(lambda f: f["type"] == "presence" and f["connected"])
        await asyncio.sleep(1.0)
        request = await mover.my_turn()
        assert request is not None
        assert (await mover.act(request["actions"][0]))["type"] == "ack"
        await mover.close()
    assert api(patient.base, "GET", f"/api/v1/games/{game_id}", host).json()["status"] == "active"
