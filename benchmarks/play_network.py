"""Live games over real WebSockets against real service processes: what the network layer costs.

Usage:  .venv/bin/python benchmarks/play_network.py [--games N] [--interval S]
            [--instances 1|2] [--duration S] [--warmup S] [--idle S] [--workers K]
            [--pairs N] [--engine-actions N] [--profile] [--keep-logs]
            [--no-flat-out] [--no-compression] [--seed N]

Starts 1 or 2 ``mantimon serve`` processes (`tests.play.harness.start_service`) on a
database and a Redis key prefix of the run's own, and client processes (`--workers`,
asyncio + ``websockets``, so the clients never share an event loop with the service). Each
of N friend games has two guests with starter decks (from `--pairs` pairs: a guest may play
several games at once), made over the REST API (create, then join by the invite code), each
playing its seat over ``/ws/play`` by choosing among the actions its request offers
(`tests.play.harness.pick`: an attack when it can, else any action but resigning, seeded).
With two instances a game's creator plays on the first and the friend on the second, so
every change crosses Redis pub/sub. A game that ends is replaced by a new one between the
same two players (REST and two new connections), so N games play throughout; those starts
are in the service's CPU and are counted.

Phases, each measured over `--duration` seconds after `--warmup` seconds:
  * paced: every game acts once every `--interval` seconds (default 2; start times spread
    over the interval). Round trip = `act` sent -> its `ack` received; update = `act` sent
    -> both seats hold the request of the new version (what the opponent waits for).
  * flat-out (unless --no-flat-out): every game acts as soon as its new request arrives,
    so actions/s is the service's throughput with N games open.
Idle: the services' CPU with every connection open and no action (per-connection
background work). Memory per connection: the service's RSS (``/proc/<pid>/status``)
before and after opening the 2N connections, divided by the connections. CPU per action:
the service processes' utime + stime (``/proc/<pid>/stat``) over the window, divided by
the acks in the window; also shown without the game starts in the window (each costed at
what creating and joining a game and opening a connection cost the service during
set-up, measured the same way).

The engine + store baseline, in this process, half before the network phases and half
after (the machine's speed drifts; both halves are printed): games of the same
kind (the same starter decks, preset and choice of action) played one at a time, timing
(process CPU) `legal_actions` + `apply` + `GameStateManager.save_to_cache` with the events
+ `persist_to_db` at turn boundaries (+ `end_game` at the end), per action. The ratio
service CPU / baseline CPU per action is the cost of the network layer (issue 19 aims at
2x or less, and 1,000 games at one action each every 2 s on one instance of a 2-core
machine with round trip p99 under 100 ms). Then `PlayService.act` itself in process, on
the same kind of games without a connection, its CPU by step: what the service's own
bookkeeping adds before any delivery to connections.

Servers as the other benchmarks: PostgreSQL from MANTIMON_BENCH_POSTGRES_URL or
MANTIMON_TEST_POSTGRES_URL (a temporary database, migrated, dropped afterwards), else an
embedded one; Redis from MANTIMON_BENCH_REDIS_URL or MANTIMON_TEST_REDIS_URL (keys under a
prefix of the run's own, deleted afterwards), else an embedded server. The service runs its
shipped settings except: guest sign-in and per-connection message rate limits raised
(thousands of guests from one address; flat-out clients), access tokens valid for a day.
The load average (``/proc/loadavg``) is printed with every figure: on a shared machine
they are noisy. Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import pstats
import random
import shutil
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import asyncpg  # noqa: E402
import httpx  # noqa: E402
import websockets  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from websockets.asyncio.client import ClientConnection, connect  # noqa: E402

from tests.play.harness import pick  # noqa: E402

STARTERS = ("fire", "grass", "lightning", "psychic", "water")
CLK_TCK = os.sysconf("SC_CLK_TCK")
REST_CONCURRENCY = 6
"""REST calls in flight a client process: a game's creation holds two pooled PostgreSQL
connections at once (the request's session, then the record's), so 30 creations at once
exhaust the shipped pool of 10 + 20 and wait its 30 s out (issue noted in the report)."""
CONNECT_CONCURRENCY = 16
"""Games a client process connects at once: 2,000 hellos at the same instant (each a token
check, a game load and its first frames) outlast any reasonable wait on a busy machine."""
REPLY_TIMEOUT = 60.0
SERVICE_SETTINGS = {
    "auth_rate_limit": "10000000",
    "play_rate_per_second": "1000",
    "play_rate_burst": "1000",
    "access_token_ttl_seconds": "86400",
    "game_flush_interval_seconds": "30",
    "bot_think_ms": "600",
}


PROFILER = """
import cProfile, os, signal, time

# CPU time, not wall time: on a shared machine the wall clock counts other processes' turns.
_profile = cProfile.Profile(time.thread_time)


def _start(*_):
    _profile.enable()


def _stop(*_):
    _profile.disable()
    _profile.dump_stats(os.path.join(os.environ["MANTIMON_BENCH_PROFILE"], f"{os.getpid()}.prof"))


if os.environ.get("MANTIMON_BENCH_PROFILE"):
    signal.signal(signal.SIGUSR1, _start)
    signal.signal(signal.SIGUSR2, _stop)
"""
"""With --profile: the services' sitecustomize; SIGUSR1 starts cProfile, SIGUSR2 dumps it."""


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def cpu_seconds(pid: int) -> float:
    """utime + stime of every thread of `pid` (fields 14 and 15 of /proc/<pid>/stat)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def waited_seconds(pid: int) -> float:
    """How long the process's main thread (the event loop) was ready but waited for a CPU."""
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[1]) / 1e9


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def quantile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1) + 0.5))]


# -- the client side (worker processes) ---------------------------------------------------


@dataclass
class Seat:
    """One player's connection; its latest request and its acks waited for."""

    token: str
    deck_id: str
    base: str
    ws_url: str
    ws: ClientConnection | None = None
    request: dict[str, Any] | None = None
    pending: dict[str, asyncio.Future[dict[str, Any]]] = field(default_factory=dict)
    reader: asyncio.Task[None] | None = None


@dataclass
class Window:
    """What a worker counts inside the measured window of a phase."""

    start: float = 0.0
    end: float = 0.0
    rtts: list[float] = field(default_factory=list)
    updates: list[float] = field(default_factory=list)
    acks: int = 0
    starts: int = 0
    errors: Counter[str] = field(default_factory=Counter)

    def inside(self, at: float) -> bool:
        return self.start <= at < self.end


class Worker:
    """The games of one client process."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.bases: list[str] = config["bases"]
        self.games: int = config["games"]
        self.first: int = config["first"]
        self.seed: int = config["seed"]
        self.compression: str | None = "deflate" if config["compression"] else None
        self.http = [
            httpx.AsyncClient(
                base_url=base,
                timeout=REPLY_TIMEOUT,
                limits=httpx.Limits(max_connections=REST_CONCURRENCY),
            )
            for base in self.bases
        ]
        self.rest_slots = asyncio.Semaphore(REST_CONCURRENCY)
        self.connect_slots = asyncio.Semaphore(CONNECT_CONCURRENCY)
        self.pairs: list[tuple[Seat, Seat]] = []
        self.changed: list[asyncio.Event] = []
        self.rngs = [
            random.Random(self.seed * 1_000_003 + self.first + n) for n in range(self.games)
        ]
        self.window = Window()
        self.message_ids = 0
        self.dropped = 0

    def _http(self, seat_index: int) -> httpx.AsyncClient:
        return self.http[seat_index % len(self.http)]

    async def _post(self, seat_index: int, path: str, token: str | None, body: Any) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with self.rest_slots:
            reply = await self._http(seat_index).post(path, json=body, headers=headers)
        reply.raise_for_status()
        return reply.json()

    async def _player(self, seat_index: int, starter: str) -> Seat:
        tokens = await self._post(seat_index, "/api/v1/auth/guest", None, None)
        token = tokens["access_token"]
        granted = await self._post(
            seat_index, "/api/v1/me/starter", token, {"starter_type": starter}
        )
        base = self.bases[seat_index % len(self.bases)]
        ws_url = base.replace("http://", "ws://") + "/ws/play"
        return Seat(token, granted["deck"]["id"], base, ws_url)

    async def players(self, pairs: int) -> dict[str, Any]:
        """`pairs` pairs of guests (at most one a game); game n is played by pair n % pairs."""

        async def pair(n: int) -> tuple[Seat, Seat]:
            rng = random.Random(self.seed + self.first + n)
            return (
                await self._player(0, rng.choice(STARTERS)),
                await self._player(1, rng.choice(STARTERS)),
            )

        count = max(1, min(pairs, self.games))
        made = list(await asyncio.gather(*(pair(n) for n in range(count))))
        self.pairs = [
            (replace(made[n % count][0]), replace(made[n % count][1])) for n in range(self.games)
        ]
        self.changed = [asyncio.Event() for _ in self.pairs]
        return {"players": 2 * count}

    async def _new_game(self, pair: tuple[Seat, Seat]) -> str:
        creator, friend = pair
        game = await self._post(
            0, "/api/v1/games", creator.token, {"opponent": "friend", "deck_id": creator.deck_id}
        )
        await self._post(
            1,
            "/api/v1/games/join",
            friend.token,
            {"code": game["invite_code"], "deck_id": friend.deck_id},
        )
        return str(game["game_id"])

    async def new_games(self) -> dict[str, Any]:
        self.game_ids = list(await asyncio.gather(*(self._new_game(pair) for pair in self.pairs)))
        return {"games": len(self.game_ids)}

    async def _open(self, index: int, seat: Seat, game_id: str) -> None:
        seat.request = None
        seat.ws = await connect(
            seat.ws_url,
            max_size=None,
            open_timeout=REPLY_TIMEOUT,
            compression=self.compression,
            ping_interval=None,  # as a browser: it answers the server's pings, sends none
        )
        hello = {"type": "hello", "protocol": 1, "token": seat.token, "game_id": game_id}
        await seat.ws.send(json.dumps(hello))
        welcome = json.loads(await asyncio.wait_for(seat.ws.recv(), REPLY_TIMEOUT))
        if welcome["type"] != "welcome":
            raise RuntimeError(f"refused: {welcome}")
        seat.reader = asyncio.create_task(self._read(index, seat, seat.ws))

    async def _read(self, index: int, seat: Seat, ws: ClientConnection) -> None:
        changed = self.changed[index]
        try:
            async for raw in ws:
                frame = json.loads(raw)
                kind = frame["type"]
                if kind == "request":
                    seat.request = frame
                    changed.set()
                elif kind in ("ack", "error"):
                    waiter = seat.pending.pop(frame.get("id") or "", None)
                    if waiter is not None and not waiter.done():
                        waiter.set_result(frame)
                    elif kind == "error":
                        self.window.errors[frame["code"]] += 1
        except websockets.ConnectionClosed:
            pass
        finally:
            if seat.ws is ws:
                changed.set()

    async def _connect_pair(self, index: int, game_id: str) -> None:
        creator, friend = self.pairs[index]
        async with self.connect_slots:
            await self._open(index, creator, game_id)
            await self._open(index, friend, game_id)

    async def connect_all(self) -> dict[str, Any]:
        await asyncio.gather(
            *(self._connect_pair(n, game_id) for n, game_id in enumerate(self.game_ids))
        )
        # Every connection has its first request before the phase starts.
        await asyncio.gather(*(self._both_at(n, 0) for n in range(len(self.pairs))))
        return {"connections": 2 * len(self.pairs)}

    async def _both_at(self, index: int, version: int) -> None:
        """Until both seats hold a request of at least `version`."""
        changed = self.changed[index]
        pair = self.pairs[index]
        while not all(s.request is not None and s.request["v"] >= version for s in pair):
            if any(s.ws is None or s.reader is None or s.reader.done() for s in pair):
                raise ConnectionError("a connection closed")
            changed.clear()
            await asyncio.wait_for(changed.wait(), REPLY_TIMEOUT)

    async def _close_pair(self, pair: tuple[Seat, Seat]) -> None:
        for seat in pair:
            ws, reader = seat.ws, seat.reader
            seat.ws, seat.reader = None, None
            if ws is not None:
                with contextlib.suppress(Exception):
                    await ws.close()
            if reader is not None:
                reader.cancel()

    async def _restart(self, index: int) -> None:
        pair = self.pairs[index]
        await self._close_pair(pair)
        game_id = await self._new_game(pair)
        await self._connect_pair(index, game_id)
        await self._both_at(index, 0)
        if self.window.inside(time.time()):
            self.window.starts += 1

    async def _drive(self, index: int, interval: float, start: float, end: float) -> None:
        """Play game `index` until `end` (wall clock): one action per `interval` at most."""
        rng = self.rngs[index]
        pair = self.pairs[index]
        window = self.window
        loop = asyncio.get_running_loop()
        next_at = start + (rng.random() * interval if interval else 0.0)
        while True:
            wait = next_at - time.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if time.time() >= end:
                return
            actor = next((s for s in pair if s.request and s.request["actions"]), None)
            if actor is None or actor.ws is None:
                ended = any(s.request and s.request["view"]["phase"] == "ended" for s in pair)
                if not ended:
                    self.dropped += 1
                    return
                await self._restart(index)
                next_at = max(next_at + interval, time.time())
                continue
            assert actor.request is not None
            self.message_ids += 1
            message_id = f"b{self.message_ids}"
            waiter: asyncio.Future[dict[str, Any]] = loop.create_future()
            actor.pending[message_id] = waiter
            act = {
                "type": "act",
                "id": message_id,
                "rqid": actor.request["rqid"],
                "action": pick(actor.request["actions"], rng),
            }
            sent_wall = time.time()
            sent = time.perf_counter()
            await actor.ws.send(json.dumps(act))
            try:
                reply = await asyncio.wait_for(waiter, REPLY_TIMEOUT)
            except (TimeoutError, ConnectionError):
                actor.pending.pop(message_id, None)
                window.errors["no_reply"] += 1
                self.dropped += 1
                return
            acked = time.perf_counter()
            counted = window.inside(sent_wall)
            if reply["type"] != "ack":
                window.errors[reply["code"]] += 1
                await self._both_at(index, actor.request["v"])
                next_at = max(next_at + interval, time.time())
                continue
            if window.inside(time.time()):
                window.acks += 1
            if counted:
                window.rtts.append((acked - sent) * 1e3)
            try:
                await self._both_at(index, reply["v"])
            except (TimeoutError, ConnectionError):
                window.errors["no_update"] += 1
                self.dropped += 1
                return
            if counted:
                window.updates.append((time.perf_counter() - sent) * 1e3)
            next_at = max(next_at + interval, time.time()) if interval else time.time()

    async def _lag(self, end: float, lags: list[float]) -> None:
        """How late this event loop wakes up: high values mean the clients are the bottleneck."""
        loop = asyncio.get_running_loop()
        while time.time() < end:
            began = loop.time()
            await asyncio.sleep(0.05)
            if self.window.inside(time.time()):
                lags.append((loop.time() - began - 0.05) * 1e3)

    async def play(
        self, interval: float, start: float, measure: float, end: float
    ) -> dict[str, Any]:
        self.window = Window(start=measure, end=end)
        lags: list[float] = []
        cpu: list[float] = []

        async def sample_cpu() -> None:
            for at in (measure, end):
                await asyncio.sleep(max(0.0, at - time.time()))
                cpu.append(time.process_time())

        dropped = self.dropped
        await asyncio.gather(
            sample_cpu(),
            self._lag(end, lags),
            *(self._drive(n, interval, start, end) for n in range(len(self.pairs))),
        )
        window = self.window
        return {
            "rtts": window.rtts,
            "updates": window.updates,
            "acks": window.acks,
            "starts": window.starts,
            "errors": dict(window.errors),
            "dropped": self.dropped - dropped,
            "cpu": cpu[1] - cpu[0],
            "lag_p99": quantile(lags, 0.99),
        }

    async def close(self) -> dict[str, Any]:
        for pair in self.pairs:
            await self._close_pair(pair)
        for client in self.http:
            await client.aclose()
        return {}


async def worker_main() -> None:
    """Read commands (one JSON line each) on stdin, answer each with one JSON line on stdout."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    worker: Worker | None = None
    while line := await reader.readline():
        command = json.loads(line)
        began = time.perf_counter()
        try:
            name = command["cmd"]
            if name == "init":
                worker = Worker(command)
                reply: dict[str, Any] = {}
            else:
                assert worker is not None
                if name == "players":
                    reply = await worker.players(command["pairs"])
                elif name == "games":
                    reply = await worker.new_games()
                elif name == "connect":
                    reply = await worker.connect_all()
                elif name == "play":
                    reply = await worker.play(
                        command["interval"], command["start"], command["measure"], command["end"]
                    )
                else:
                    reply = await worker.close()
            reply["ok"] = True
        except Exception as exc:
            reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        reply["seconds"] = time.perf_counter() - began
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()
        if command.get("cmd") == "close":
            return


# -- the orchestrator ----------------------------------------------------------------------


class WorkerProcess:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    async def ask(self, command: dict[str, Any]) -> dict[str, Any]:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write((json.dumps(command) + "\n").encode())
        await self.process.stdin.drain()
        line = await self.process.stdout.readline()
        if not line:
            raise RuntimeError("a client worker died (see its stderr above)")
        reply: dict[str, Any] = json.loads(line)
        if not reply["ok"]:
            raise RuntimeError(f"client worker: {reply['error']}")
        return reply


async def ask_all(workers: list[WorkerProcess], command: dict[str, Any]) -> list[dict[str, Any]]:
    return list(await asyncio.gather(*(w.ask(command) for w in workers)))


@dataclass
class PhaseResult:
    name: str
    wall: float
    acks: int
    rtts: list[float]
    updates: list[float]
    starts: int
    errors: Counter[str]
    dropped: int
    service_cpu: float
    client_cpu: float
    client_lag_p99: float
    service_waited: float
    load: str


async def run_phase(
    name: str,
    workers: list[WorkerProcess],
    pids: list[int],
    interval: float,
    warmup: float,
    duration: float,
    profile: bool = False,
) -> PhaseResult:
    start = time.time() + 1.0
    measure = start + warmup
    end = measure + duration
    replies_task = asyncio.ensure_future(
        ask_all(
            workers,
            {"cmd": "play", "interval": interval, "start": start, "measure": measure, "end": end},
        )
    )
    await asyncio.sleep(max(0.0, measure - time.time()))
    before = [cpu_seconds(pid) for pid in pids]
    waited = [waited_seconds(pid) for pid in pids]
    if profile:
        for pid in pids:
            os.kill(pid, signal.SIGUSR1)
    await asyncio.sleep(max(0.0, end - time.time()))
    if profile:
        for pid in pids:
            os.kill(pid, signal.SIGUSR2)
    after = [cpu_seconds(pid) for pid in pids]
    waited = [waited_seconds(pid) - w for pid, w in zip(pids, waited, strict=True)]
    load = loadavg()
    replies = await replies_task
    errors: Counter[str] = Counter()
    for reply in replies:
        errors.update(reply["errors"])
    return PhaseResult(
        name=name,
        wall=duration,
        acks=sum(r["acks"] for r in replies),
        rtts=[x for r in replies for x in r["rtts"]],
        updates=[x for r in replies for x in r["updates"]],
        starts=sum(r["starts"] for r in replies),
        errors=errors,
        dropped=sum(r["dropped"] for r in replies),
        service_cpu=sum(a - b for a, b in zip(after, before, strict=True)),
        client_cpu=sum(r["cpu"] for r in replies),
        client_lag_p99=max(r["lag_p99"] for r in replies),
        service_waited=sum(waited),
        load=load,
    )


@dataclass
class Baseline:
    actions: int = 0
    games: int = 0
    legal: float = 0.0
    apply: float = 0.0
    save: float = 0.0
    persist: float = 0.0
    end: float = 0.0
    act_actions: int = 0
    act_parts: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    """`PlayService.act` in process, CPU seconds by step ("act" is the whole call)."""

    @property
    def per_action(self) -> float:
        return (self.legal + self.apply + self.save + self.persist + self.end) / self.actions

    def add(self, other: Baseline) -> None:
        """Count `other`'s actions and CPU in with these (the halves before and after)."""
        self.actions += other.actions
        self.games += other.games
        self.legal += other.legal
        self.apply += other.apply
        self.save += other.save
        self.persist += other.persist
        self.end += other.end
        self.act_actions += other.act_actions
        for part, seconds in other.act_parts.items():
            self.act_parts[part] += seconds

    @property
    def act_per_action(self) -> float:
        return self.act_parts["act"] / self.act_actions if self.act_actions else float("nan")


async def engine_baseline(
    database_url: str, redis_url: str, prefix: str, actions: int, seed: int
) -> Baseline:
    """Games of the same kind, in process: engine + GameStateManager CPU per action."""
    from app.catalog.card_service import CardService
    from app.catalog.deck_validation import load_starter_decks
    from app.config import load_settings
    from app.core.decks import DeckList
    from app.core.enums import GameType
    from app.core.game_state import GameResult, TurnPhase
    from app.core.rules import RulesConfig, RulesPreset
    from app.db.models import User
    from app.db.redis import build_redis
    from app.db.session import build_engine, build_sessionmaker, session_scope
    from app.engine import adapt_deck, apply, is_turn_boundary, legal_actions, new_game
    from app.store.manager import GameStateManager

    settings = load_settings(
        database_url=database_url, redis_url=redis_url, redis_key_prefix=prefix
    )
    cards = CardService.load(settings.cards_dir).by_id
    starters = load_starter_decks(settings.decks_dir)
    rules = RulesConfig.preset(RulesPreset.MANTIMON.value)
    engine = build_engine(settings)
    redis = build_redis(settings, client_name="bench-engine")
    result = Baseline()
    try:
        sessionmaker = build_sessionmaker(engine)
        users = [
            User(
                email=f"e{n}-{prefix}@example.com",
                display_name=f"Bench engine {n} {uuid.uuid4().hex[:8]}",
            )
            for n in range(2)
        ]
        async with session_scope(sessionmaker) as session:
            session.add_all(users)
        games = GameStateManager.from_settings(settings, redis, sessionmaker, cards=cards)
        rng = random.Random(seed)
        clock = time.process_time
        while result.actions < actions:
            decks = [
                adapt_deck(DeckList.from_starter(starters[rng.choice(STARTERS)]), rules, cards)
                for _ in range(2)
            ]
            state = new_game(
                game_id=uuid.uuid4(),
                game_type=GameType.FREEPLAY,
                rules=rules,
                decks=(decks[0], decks[1]),
                identities=(users[0].id, users[1].id),
                seed=rng.getrandbits(62),
                cards=cards,
                at=datetime.now(UTC),
            )
            await games.persist_to_db(state)
            result.games += 1
            while state.phase is not TurnPhase.ENDED and result.actions < actions:
                began = clock()
                offered = legal_actions(state, cards)
                result.legal += clock() - began
                chosen = pick([{"kind": a.kind.value, "n": n} for n, a in enumerate(offered)], rng)
                began = clock()
                events = apply(
                    state,
                    offered[chosen["n"]],
                    cards,
                    at=max(datetime.now(UTC), state.last_action_at),
                )
                result.apply += clock() - began
                began = clock()
                await games.save_to_cache(state, events)
                result.save += clock() - began
                if is_turn_boundary(events):
                    began = clock()
                    await games.persist_to_db(state)
                    result.persist += clock() - began
                result.actions += 1
            if state.phase is TurnPhase.ENDED:
                assert state.end_reason is not None
                began = clock()
                await games.end_game(
                    state.game_id,
                    GameResult(
                        winner=state.winner,
                        end_reason=state.end_reason,
                        ended_at=state.last_action_at,
                    ),
                )
                result.end += clock() - began
        await service_act_path(settings, redis, sessionmaker, games, cards, starters, result, rng)
    finally:
        await redis.aclose()
        await engine.dispose()
    return result


async def service_act_path(
    settings: Any,
    redis: Any,
    sessionmaker: Any,
    games: Any,
    cards: Any,
    starters: Any,
    result: Baseline,
    rng: random.Random,
) -> None:
    """`PlayService.act` on friend games in process, one action at a time: its CPU by step.

    The same service code as behind the WebSocket, without a connection: what the
    service's own bookkeeping (lock and record, the store's head check of the state it
    keeps in memory, clock, frames, the commit's pipeline) adds to the engine and the
    store, apart from the delivery to the connections.
    """
    from app.core.decks import DeckList
    from app.db.models import User
    from app.db.session import session_scope
    from app.engine import acting_player, legal_actions
    from app.play import service as service_module
    from app.play.frames import action_payload
    from app.play.lobby import Lobby
    from app.play.records import SeatInfo
    from app.play.service import PlayService
    from app.play.storage import PlayStorage

    parts = result.act_parts
    clock = time.process_time

    def timed(owner: Any, name: str, label: str) -> None:
        original = getattr(owner, name)
        if asyncio.iscoroutinefunction(original):

            async def waited(*args: Any, **kwargs: Any) -> Any:
                began = clock()
                try:
                    return await original(*args, **kwargs)
                finally:
                    parts[label] += clock() - began

            setattr(owner, name, waited)
        else:

            def called(*args: Any, **kwargs: Any) -> Any:
                began = clock()
                try:
                    return original(*args, **kwargs)
                finally:
                    parts[label] += clock() - began

            setattr(owner, name, called)

    storage = PlayStorage(redis, sessionmaker, settings.redis_key_prefix)
    service = PlayService(settings, storage, games, cards)
    lobby = Lobby(service, starters)
    users = [
        User(
            email=f"a{n}-{uuid.uuid4().hex}@example.com",
            display_name=f"Act {n} {uuid.uuid4().hex[:8]}",
        )
        for n in (0, 1)
    ]
    async with session_scope(sessionmaker) as session:
        session.add_all(users)
    original_change_message = getattr(service_module, "change_message")  # noqa: B009
    # The clients' side of the table, not timed, on a manager of its own: a load through the
    # service's manager would replace the lineage it keeps for the game's live state.
    from app.store.manager import GameStateManager

    chooser = GameStateManager.from_settings(settings, redis, sessionmaker, cards=cards)
    load_for_choosing = chooser.load_state
    try:
        for owner, name, label in (
            (storage, "load", "record load"),
            (storage, "save", "record save"),
            (storage, "commit", "record + deadline + publish"),
            (storage, "write_durable", "of which record to PostgreSQL"),
            (storage, "set_deadline", "deadline"),
            (storage, "publish", "publish"),
            (games, "load_state", "load_state"),
            (games, "current_state", "current_state"),
            (games, "save_to_cache", "save_to_cache"),
            (games, "persist_to_db", "persist_to_db"),
            (games, "end_game", "end_game"),
            (service, "_apply", "apply"),
            (service_module, "change_message", "frames"),
        ):
            timed(owner, name, label)
        target = result.actions
        while result.act_actions < target:
            seats = [
                SeatInfo(
                    user_id=user.id,
                    name=user.display_name,
                    deck=DeckList.from_starter(starters[rng.choice(STARTERS)]),
                )
                for user in users
            ]
            record = await lobby.create_friend_game(seats[0], "mantimon")
            assert record.invite_code is not None
            await lobby.join(record.invite_code, seats[1])
            while result.act_actions < target:
                state = await load_for_choosing(record.game_id)
                if state is None or not (offered := legal_actions(state, cards)):
                    break
                chosen = pick([{"kind": a.kind.value, "n": n} for n, a in enumerate(offered)], rng)
                payload = action_payload(offered[chosen["n"]])
                began = clock()
                await service.act(
                    record.game_id,
                    acting_player(state),
                    f"m{result.act_actions}",
                    state.version,
                    payload,
                )
                parts["act"] += clock() - began
                result.act_actions += 1
    finally:
        setattr(service_module, "change_message", original_change_message)  # noqa: B010


async def delete_prefix(redis_url: str, prefix: str) -> None:
    from redis.asyncio import Redis

    client = Redis.from_url(redis_url)
    try:
        batch: list[bytes] = []
        async for key in client.scan_iter(match=prefix + "*", count=1000):
            batch.append(key)
            if len(batch) == 1000:
                await client.unlink(*batch)
                batch.clear()
        if batch:
            await client.unlink(*batch)
    finally:
        await client.aclose()


def print_profiles(workdir: Path, pids: list[int], actions: int) -> None:
    """The paced window's cProfile of each service: the top functions, per action."""
    for pid in pids:
        path = workdir / f"{pid}.prof"
        if not path.exists():
            print(f"no profile of service {pid}")
            continue
        stats = pstats.Stats(str(path))
        raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
        total = sum(entry[2] for entry in raw.values())
        print()
        print(
            f"service {pid}: cProfile of the paced window ({actions} actions, "
            f"{total / actions * 1e3:.2f} ms profiled CPU an action, profiler overhead included; "
            "cumulative times of coroutines count only their own steps)"
        )
        tables: list[tuple[str, int, str]] = [
            ("own time", 2, ""),
            ("cumulative, app/ only", 3, "app/"),
        ]
        for title, index, only in tables:
            print(f"  top 25 by {title}, ms an action:   own    cum   calls/action  function")
            rows = sorted(
                (
                    item
                    for item in raw.items()
                    if not only or item[0][0].startswith(str(REPO / only))
                ),
                key=lambda item: item[1][index],
                reverse=True,
            )[:25]
            for (filename, line, name), entry in rows:
                where = filename.replace(str(REPO) + "/", "")
                if "site-packages/" in where:
                    where = where.split("site-packages/", 1)[1]
                print(
                    f"  {entry[2] / actions * 1e3:38.3f} {entry[3] / actions * 1e3:6.3f} "
                    f"{entry[1] / actions:10.1f}      {name} ({where}:{line})"
                )


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def phase_row(result: PhaseResult, target: float | None, instances: int) -> str:
    rate = result.acks / result.wall
    cpu_action = result.service_cpu / result.acks * 1e3 if result.acks else float("nan")
    errors = sum(result.errors.values()) + result.dropped
    target_text = f"{target:7.0f}" if target is not None else "      -"
    return (
        f"{result.name:<11} {rate:8.1f} {target_text}  {quantile(result.rtts, 0.5):7.1f} "
        f"{quantile(result.rtts, 0.99):7.1f} {max(result.rtts, default=float('nan')):8.1f}  "
        f"{quantile(result.updates, 0.5):7.1f} {quantile(result.updates, 0.99):7.1f}  "
        f"{cpu_action:7.2f}  {result.service_cpu / result.wall * 100 / instances:5.0f}%  "
        f"{result.service_waited / result.wall * 100 / instances:4.0f}%  "
        f"{result.client_cpu / result.wall * 100:5.0f}% {result.client_lag_p99:6.1f}  "
        f"{result.starts:5d} {errors:5d}  {result.load}"
    )


async def run(args: argparse.Namespace) -> None:
    from app.config import load_settings, to_asyncpg_url
    from app.db import migrate
    from app.db.embedded_postgres import EmbeddedPostgres
    from app.db.embedded_redis import EmbeddedRedis
    from app.db.session import build_engine
    from tests.play.harness import Service, start_service

    admin_url = os.environ.get("MANTIMON_BENCH_POSTGRES_URL") or os.environ.get(
        "MANTIMON_TEST_POSTGRES_URL"
    )
    workdir = Path(tempfile.mkdtemp(prefix="mantimon-bench-net-"))
    embedded_pg = None
    if not admin_url:
        embedded_pg = EmbeddedPostgres(workdir / "postgres", ephemeral=True)
        admin_url = embedded_pg.start()
    admin_url = to_asyncpg_url(admin_url)
    redis_url = os.environ.get("MANTIMON_BENCH_REDIS_URL") or os.environ.get(
        "MANTIMON_TEST_REDIS_URL"
    )
    embedded_redis = None
    if not redis_url:
        embedded_redis = EmbeddedRedis(workdir / "redis")
        redis_url = embedded_redis.start()
    db_name = f"mantimon_bench_net_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(_dsn(admin_url))
    await admin.execute(f'CREATE DATABASE "{db_name}"')
    await admin.close()
    database_url = make_url(admin_url).set(database=db_name).render_as_string(hide_password=False)
    prefix = f"bench-net-{uuid.uuid4().hex[:8]}:"
    services: list[Service] = []
    workers: list[WorkerProcess] = []
    keep = args.keep_logs
    try:
        engine = build_engine(load_settings(database_url=database_url, redis_url=redis_url))
        await migrate.upgrade(engine)
        await engine.dispose()
        extra: dict[str, str] = {}
        if args.profile:
            (workdir / "sitecustomize.py").write_text(PROFILER)
            extra = {"pythonpath": str(workdir), "mantimon_bench_profile": str(workdir)}
        for n in range(args.instances):
            log = workdir / f"serve-{n}.log"
            services.append(
                await asyncio.to_thread(
                    start_service,
                    database_url,
                    redis_url,
                    prefix,
                    log,
                    **SERVICE_SETTINGS,
                    **extra,
                )
            )
        pids = [service.process.pid for service in services]
        share = [
            args.games // args.workers + (n < args.games % args.workers)
            for n in range(args.workers)
        ]
        first = 0
        for n, games in enumerate(share):
            if not games:
                continue
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                __file__,
                "--worker",
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                # A phase's reply holds every round trip measured: megabytes with many games.
                limit=64 * 1024 * 1024,
            )
            worker = WorkerProcess(process)
            await worker.ask(
                {
                    "cmd": "init",
                    "bases": [service.base for service in services],
                    "games": games,
                    "first": first,
                    "seed": args.seed + n,
                    "compression": args.compression,
                }
            )
            workers.append(worker)
            first += games

        print(
            f"{args.games} friend games, {2 * args.games} WebSocket connections, "
            f"{args.instances} service instance(s), {len(workers)} client process(es); "
            f"compression {'permessage-deflate' if args.compression else 'off'}; "
            f"Python {sys.version.split()[0]}, websockets {metadata.version('websockets')}; "
            f"{os.cpu_count()} CPUs, load average {loadavg()}"
        )
        began = time.perf_counter()
        cpu_before = sum(cpu_seconds(pid) for pid in pids)
        made = await ask_all(workers, {"cmd": "players", "pairs": -(-args.pairs // len(workers))})
        guests = sum(reply["players"] for reply in made)
        cpu_per_player = (sum(cpu_seconds(pid) for pid in pids) - cpu_before) / guests
        print(
            f"set-up: {guests} guests with starter decks in "
            f"{time.perf_counter() - began:.1f} s "
            f"(service CPU {cpu_per_player * 1e3:.1f} ms a guest)"
        )
        cpu_before = sum(cpu_seconds(pid) for pid in pids)
        began = time.perf_counter()
        await ask_all(workers, {"cmd": "games"})
        cpu_per_game = (sum(cpu_seconds(pid) for pid in pids) - cpu_before) / args.games
        print(
            f"set-up: {args.games} games created and joined in {time.perf_counter() - began:.1f} s "
            f"(service CPU {cpu_per_game * 1e3:.1f} ms a game)"
        )
        await asyncio.sleep(2.0)
        gc.collect()
        rss_before = [rss_bytes(pid) for pid in pids]
        cpu_before = sum(cpu_seconds(pid) for pid in pids)
        began = time.perf_counter()
        await ask_all(workers, {"cmd": "connect"})
        connect_wall = time.perf_counter() - began
        cpu_per_connection = (sum(cpu_seconds(pid) for pid in pids) - cpu_before) / (2 * args.games)
        await asyncio.sleep(2.0)
        rss_after = [rss_bytes(pid) for pid in pids]
        per_instance = 2 * args.games / args.instances
        memory = [(a - b) / per_instance for a, b in zip(rss_after, rss_before, strict=True)]
        print(
            f"set-up: {2 * args.games} connections opened in {connect_wall:.1f} s (service CPU "
            f"{cpu_per_connection * 1e3:.1f} ms a connection); load average {loadavg()}"
        )
        start_cost = cpu_per_game + 2 * cpu_per_connection
        idle_before = sum(cpu_seconds(pid) for pid in pids)
        await asyncio.sleep(args.idle)
        idle_cpu = (sum(cpu_seconds(pid) for pid in pids) - idle_before) / args.idle
        print(
            f"idle, {2 * args.games} connections open and no action for {args.idle:g} s: service "
            f"CPU {idle_cpu * 100 / args.instances:.1f}% of a core an instance "
            f"({idle_cpu / (2 * args.games) * 1e6:.0f} us a connection a second: session "
            f"checks, presence leases, the deadline loop); load average {loadavg()}"
        )

        # The baseline in two halves, one before the network phases and one after: this
        # machine's speed drifts (the same pure-engine steps have taken 30% longer from one
        # run to the next), and a baseline measured at one moment only would move the ratio.
        # First a few unmeasured games, as the service is warm when it is measured: the
        # first games of a process pay for its caches (pydantic, prepared statements).
        await engine_baseline(database_url, redis_url, prefix + "engine-w:", 300, args.seed)
        before = await engine_baseline(
            database_url, redis_url, prefix + "engine-a:", args.engine_actions // 2, args.seed
        )

        results: list[tuple[PhaseResult, float | None]] = []
        paced = await run_phase(
            f"paced {args.interval:g} s",
            workers,
            pids,
            args.interval,
            args.warmup,
            args.duration,
            profile=args.profile,
        )
        results.append((paced, args.games / args.interval))
        if args.flat_out:
            flat = await run_phase("flat-out", workers, pids, 0.0, args.warmup, args.duration)
            results.append((flat, None))
        await ask_all(workers, {"cmd": "close"})
        for worker in workers:
            await worker.process.wait()
        workers.clear()

        after = await engine_baseline(
            database_url,
            redis_url,
            prefix + "engine-b:",
            args.engine_actions - args.engine_actions // 2,
            args.seed,  # the same games as before: what differs is the machine
        )
        baseline_load = loadavg()
        baseline = Baseline()
        baseline.add(before)
        baseline.add(after)

        print()
        print(
            "phase       actions/s  target  rtt p50     p99      max  upd p50     p99  "
            "CPU ms/a  svc CPU  wait  clients  lag99  starts errs  load avg"
        )
        for result, target in results:
            print(phase_row(result, target, args.instances))
        print(
            "(rtt: act sent -> ack, ms; upd: act sent -> both seats hold the new request, ms; "
            "CPU ms/a: service CPU per action; svc CPU: service CPU per instance, % of one core; "
            "wait: its event loop ready but waiting for a CPU (the machine's other load), "
            "% of the window; "
            "clients: all client processes, % of one core; lag99: client event loop lag p99, ms; "
            "starts: games started in the window; errs: error frames + games stopped)"
        )
        for result, _ in results:
            if result.errors or result.dropped:
                print(
                    f"  {result.name}: errors {dict(result.errors)}, games stopped {result.dropped}"
                )
        print()
        print(
            "memory per connection: "
            + ", ".join(
                f"instance {n}: {m / 1024:.1f} KiB (RSS {b / 2**20:.0f} -> {a / 2**20:.0f} MiB)"
                for n, (m, b, a) in enumerate(zip(memory, rss_before, rss_after, strict=True))
            )
        )
        per_action = baseline.per_action * 1e3
        print(
            f"engine + store in process ({baseline.actions} actions of {baseline.games} games, "
            f"half before the network phases at {before.per_action * 1e3:.2f} ms an action and "
            f"half after at {after.per_action * 1e3:.2f}; "
            f"load average {baseline_load}): {per_action:.2f} ms CPU an action = legal_actions "
            f"{baseline.legal / baseline.actions * 1e3:.2f} + apply "
            f"{baseline.apply / baseline.actions * 1e3:.2f} + save_to_cache "
            f"{baseline.save / baseline.actions * 1e3:.2f} + persist_to_db "
            f"{baseline.persist / baseline.actions * 1e3:.2f} + end_game "
            f"{baseline.end / baseline.actions * 1e3:.2f}"
        )
        if baseline.act_actions:
            act = baseline.act_per_action * 1e3
            steps = sorted(
                (
                    (k, v)
                    for k, v in baseline.act_parts.items()
                    if k != "act" and not k.startswith("of which")
                ),
                key=lambda item: item[1],
                reverse=True,
            )
            inner = [(k, v) for k, v in baseline.act_parts.items() if k.startswith("of which")]
            accounted = sum(v for _, v in steps)
            n = baseline.act_actions
            print(
                f"PlayService.act in process ({baseline.act_actions} actions, no connection): "
                f"{act:.2f} ms CPU an action = "
                + " + ".join(f"{k} {v / baseline.act_actions * 1e3:.2f}" for k, v in steps)
                + f" + lock, checks, clock {(baseline.act_parts['act'] - accounted) / n * 1e3:.2f}"
                + "".join(f" ({k} {v / n * 1e3:.2f})" for k, v in inner)
            )
        print(
            f"a game start costs the service {start_cost * 1e3:.1f} ms CPU "
            "(create + join + 2 connections)"
        )
        summaries = []
        for result, _ in results:
            if not result.acks:
                continue
            total = result.service_cpu / result.acks * 1e3
            net = (result.service_cpu - result.starts * start_cost) / result.acks * 1e3
            print(
                f"{result.name}: service {total:.2f} ms CPU an action "
                f"({net:.2f} without the {result.starts} game starts): network layer "
                f"{total / per_action:.2f}x engine + store ({net / per_action:.2f}x)"
            )
        paced_rate = paced.acks / paced.wall
        summaries.append(
            f"{args.games} games on {args.instances} instance(s): paced {paced_rate:.0f}/"
            f"{args.games / args.interval:.0f} actions/s, rtt p99 "
            f"{quantile(paced.rtts, 0.99):.1f} ms (target < 100)"
        )
        if args.flat_out:
            summaries.append(f"flat-out {results[1][0].acks / args.duration:.0f} actions/s")
        if paced.acks:
            ratio = paced.service_cpu / paced.acks / baseline.per_action
            summaries.append(f"network layer {ratio:.2f}x engine + store (target <= 2)")
        summaries.append(f"{statistics.mean(memory) / 1024:.0f} KiB a connection")
        summaries.append(f"load average {paced.load}")
        if args.profile:
            await asyncio.sleep(1.0)
            print_profiles(workdir, pids, paced.acks)
        print()
        print("summary: " + "; ".join(summaries))
    except BaseException:
        keep = True
        raise
    finally:
        for worker in workers:
            with contextlib.suppress(Exception):
                worker.process.kill()
        for service in services:
            service.stop()
        if keep:
            print(f"service logs kept in {workdir}")
        await delete_prefix(redis_url, prefix)
        admin = await asyncpg.connect(_dsn(admin_url))
        await admin.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        await admin.close()
        if embedded_redis is not None:
            embedded_redis.stop()
        if embedded_pg is not None:
            embedded_pg.stop()
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=1000, help="friend games playing at once")
    parser.add_argument(
        "--interval", type=float, default=2.0, help="seconds between a game's actions (paced)"
    )
    parser.add_argument("--instances", type=int, choices=(1, 2), default=1)
    parser.add_argument("--duration", type=float, default=30.0, help="measured seconds a phase")
    parser.add_argument("--warmup", type=float, default=5.0, help="unmeasured seconds first")
    parser.add_argument(
        "--idle", type=float, default=10.0, help="seconds of open connections without actions"
    )
    parser.add_argument("--workers", type=int, default=2, help="client processes")
    parser.add_argument(
        "--pairs",
        type=int,
        default=100,
        help="pairs of guests (a guest may play several games at once; guests cost set-up time)",
    )
    parser.add_argument(
        "--engine-actions", type=int, default=3000, help="actions of the in-process baseline"
    )
    parser.add_argument(
        "--flat-out",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also measure throughput with every game acting as fast as it can",
    )
    parser.add_argument(
        "--compression",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="offer permessage-deflate as browsers do",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the services over the paced window"
    )
    parser.add_argument("--keep-logs", action="store_true", help="keep the services' logs")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        asyncio.run(worker_main())
        return
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
