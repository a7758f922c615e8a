"""Redis restarts empty under a running service: games go on from PostgreSQL, timers included."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from tests.harness.topologies import ServerProcess
from tests.play.harness import PlayClient, api, connected, new_player, service_process


async def test_a_redis_that_restarts_empty_loses_no_game_and_no_timer(
    database_url: str, tmp_path: Path
) -> None:
    redis = ServerProcess(tmp_path, "redis", "--save", "", "--appendonly", "no")
    redis.start()
    url = f"redis://127.0.0.1:{redis.port}/0"
    control = {"time_control_friend": "bank=60s cap=3s warn=0ms timeouts=1 grace=60s"}
    try:
        with service_process(
            database_url, url, "rr:", tmp_path / "serve.log", **control
        ) as service:
            host, friend = new_player(service.base, "fire"), new_player(service.base, "grass")
            game = api(
                service.base,
                "POST",
                "/api/v1/games",
                host,
                json={"opponent": "friend", "deck_id": host.deck_id},
            ).json()
            api(
                service.base,
                "POST",
                "/api/v1/games/join",
                friend,
                json={"code": game["invite_code"], "deck_id": friend.deck_id},
            ).raise_for_status()
            # Redis dies and comes back empty on the same port before the turn's time is up.
            redis.kill()
            redis.start()
            # Nobody connects (a connection would schedule the game again): the service alone
            # must notice the lost deadlines and fire the timer.
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                shown = api(service.base, "GET", f"/api/v1/games/{game['game_id']}", host).json()
                if shown["status"] == "ended":
                    break
                await asyncio.sleep(0.5)
            assert shown["status"] == "ended"
            watcher = PlayClient(service.ws_url, friend.token, game["game_id"])
            async with connected(watcher):
                ended = await watcher.until(
                    lambda f: f["type"] == "request" and f["view"]["phase"] == "ended", 30
                )
            assert ended["view"]["end_reason"] == "timeout"
            assert ended["v"] == 1  # the loss on time, applied once, from PostgreSQL's state
    finally:
        redis.kill()
