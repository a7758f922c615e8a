"""Real service processes and real WebSocket clients, for the game service's tests.

`service_process` starts ``mantimon serve`` on a free port against the test run's PostgreSQL
and Redis (and a key prefix of the test's own), waits until it is ready and stops it with
SIGTERM, or lets the test kill it outright. `PlayClient` is a plain WebSocket client speaking
``docs/protocol.md``; it keeps every frame it received so a test can read them all afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import websockets

from app.db.embedded_redis import free_tcp_port

STARTUP_TIMEOUT = 90.0
RECV_TIMEOUT = 20.0


@dataclass
class Service:
    """A running service process."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/play"

    def kill(self) -> None:
        """``kill -9``: no shutdown, no flush, connections cut."""
        self.process.kill()
        self.process.wait(timeout=30)

    def stop(self) -> int:
        """SIGTERM and wait; the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                return self.process.wait(timeout=30)
            self.process.kill()
        return self.process.wait(timeout=30)


def start_service(
    database_url: str, redis_url: str, prefix: str, log: Path, **settings: str
) -> Service:
    """Start ``mantimon serve`` and wait until ``/ready`` answers 200."""
    port = free_tcp_port()
    env = os.environ | {
        "ENVIRONMENT": "test",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "REDIS_KEY_PREFIX": prefix,
        "LOG_LEVEL": "INFO",
        "BOT_THINK_MS": "0",
        "GAME_FLUSH_INTERVAL_SECONDS": "5",
        # Tests sign in many guests from one address.
        "AUTH_RATE_LIMIT": "100000",
        "PLAY_SESSION_CHECK_SECONDS": "1",
        **{key.upper(): value for key, value in settings.items()},
    }
    mantimon = Path(sys.executable).with_name("mantimon")
    output = log.open("ab")
    process = subprocess.Popen(
        [str(mantimon), "serve", "--port", str(port)],
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT,
    )
    service = Service(process, port, log)
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"{service.base}/ready", timeout=2).status_code == httpx.codes.OK:
                return service
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    service.stop()
    raise AssertionError(f"the service did not start:\n{log.read_text()[-4000:]}")


@contextlib.contextmanager
def service_process(
    database_url: str, redis_url: str, prefix: str, log: Path, **settings: str
) -> Iterator[Service]:
    """A service for the block; stopped (SIGTERM) afterwards unless the test killed it."""
    service = start_service(database_url, redis_url, prefix, log, **settings)
    try:
        yield service
    finally:
        if service.process.poll() is None:
            service.stop()


# -- accounts and decks over HTTP ---------------------------------------------------------


@dataclass
class Player:
    """A guest with a starter deck: what a person has after the first screen."""

    token: str
    user_id: str
    deck_id: str
    name: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def new_player(base: str, starter: str = "fire", dev_name: str | None = None) -> Player:
    """Sign in as a guest (or the dev account `dev_name`, a full account) and choose `starter`
    (its deck is saved as the first deck)."""
    with httpx.Client(base_url=base, timeout=30) as http:
        if dev_name is None:
            tokens = http.post("/api/v1/auth/guest").raise_for_status().json()
        else:
            signin = http.post("/api/v1/auth/dev", json={"display_name": dev_name})
            tokens = signin.raise_for_status().json()
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        http.post(
            "/api/v1/me/starter", json={"starter_type": starter}, headers=headers
        ).raise_for_status()
        me = http.get("/api/v1/me", headers=headers).raise_for_status().json()
        decks = http.get("/api/v1/me/decks", headers=headers).raise_for_status().json()
    return Player(tokens["access_token"], me["id"], decks["items"][0]["id"], me["display_name"])


def api(base: str, method: str, path: str, player: Player, **kwargs: Any) -> httpx.Response:
    """One API call as `player`."""
    with httpx.Client(base_url=base, timeout=30) as http:
        return http.request(method, path, headers=player.headers, **kwargs)


# -- the WebSocket client -----------------------------------------------------------------


@dataclass
class PlayClient:
    """One protocol connection; `frames` holds everything received, in order."""

    url: str
    token: str
    game_id: str
    role: str = "player"
    frames: list[dict[str, Any]] = field(default_factory=list)
    ws: Any = None
    v: int = -1
    request: dict[str, Any] | None = None
    ids: Iterator[int] = field(default_factory=itertools.count)
    acks: dict[str, int] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    seat: int | None = None

    async def connect(self, since: int | None = None, origin: str | None = None) -> dict[str, Any]:
        """Open, say hello, and return the welcome (or the error that refused it)."""
        headers = {"Origin": origin} if origin else None
        self.ws = await websockets.connect(
            self.url, additional_headers=headers, max_size=None, open_timeout=RECV_TIMEOUT
        )
        hello: dict[str, Any] = {
            "type": "hello",
            "protocol": 1,
            "token": self.token,
            "game_id": self.game_id,
            "role": self.role,
        }
        if since is not None:
            hello["since"] = since
        await self.send(hello)
        first = await self.recv()
        if first["type"] == "welcome":
            self.seat = first.get("seat")
        return first

    async def send(self, message: dict[str, Any] | str) -> None:
        await self.ws.send(message if isinstance(message, str) else json.dumps(message))

    async def recv(self, wait: float = RECV_TIMEOUT) -> dict[str, Any]:
        """The next frame (kept in `frames`; requests and versions tracked)."""
        raw = await asyncio.wait_for(self.ws.recv(), wait)
        frame: dict[str, Any] = json.loads(raw)
        self.frames.append(frame)
        kind = frame["type"]
        if kind == "request":
            self.request = frame
            self.v = frame["v"]
        elif kind in ("events", "resync"):
            self.v = frame["v"]
        elif kind == "ack":
            self.acks[frame["id"]] = frame["v"]
        elif kind == "error":
            self.errors.append(frame)
        return frame

    async def until(self, predicate: Any, wait: float = RECV_TIMEOUT) -> dict[str, Any]:
        """Read frames until one satisfies `predicate`; return it."""
        end = asyncio.get_running_loop().time() + wait
        while True:
            left = end - asyncio.get_running_loop().time()
            if left <= 0:
                raise TimeoutError(f"no matching frame within {wait} s; last: {self.frames[-3:]}")
            frame = await self.recv(left)
            if predicate(frame):
                return frame

    async def my_turn(self, wait: float = RECV_TIMEOUT) -> dict[str, Any] | None:
        """Wait for a request with actions for me (None if the game ended first)."""
        if self.ended():
            return None
        if self.request is not None and self.request["actions"] and self._current():
            return self.request
        frame = await self.until(
            lambda f: f["type"] == "request" and (f["actions"] or f["view"]["phase"] == "ended"),
            wait,
        )
        return frame if frame["actions"] else None

    def _current(self) -> bool:
        return self.request is not None and self.request["v"] == self.v

    def ended(self) -> bool:
        return self.request is not None and self.request["view"]["phase"] == "ended"

    async def act(self, action: dict[str, Any], message_id: str | None = None) -> dict[str, Any]:
        """Answer the current request with `action`; return the ack or error."""
        assert self.request is not None
        message_id = message_id or f"m{next(self.ids)}"
        await self.send(
            {"type": "act", "id": message_id, "rqid": self.request["rqid"], "action": action}
        )
        return await self.until(
            lambda f: f["type"] in ("ack", "error") and f.get("id") == message_id
        )

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()


def pick(actions: list[dict[str, Any]], rng: random.Random) -> dict[str, Any]:
    """A client's move: attack when it can (games end sooner), else anything but resigning."""
    attacks = [a for a in actions if a["kind"] == "attack"]
    if attacks and rng.random() < 0.9:
        return rng.choice(attacks)
    playable = [a for a in actions if a["kind"] != "resign"]
    if any(a["kind"] == "end_turn" for a in playable) and rng.random() < 0.3:
        return next(a for a in playable if a["kind"] == "end_turn")
    return rng.choice(playable)


async def play_to_end(client: PlayClient, rng: random.Random, limit: int = 3000) -> dict[str, Any]:
    """Play `client`'s seat until the game ends; the last request (its view has the result)."""
    for _ in range(limit):
        request = await client.my_turn(wait=60)
        if request is None:
            assert client.request is not None
            return client.request
        reply = await client.act(pick(request["actions"], rng))
        assert reply["type"] == "ack", reply
    raise AssertionError("the game did not end")


@contextlib.asynccontextmanager
async def connected(client: PlayClient, since: int | None = None) -> AsyncIterator[PlayClient]:
    """`client` connected for the block."""
    welcome = await client.connect(since)
    assert welcome["type"] == "welcome", welcome
    try:
        yield client
    finally:
        await client.close()
