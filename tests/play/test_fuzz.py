"""A property-based fuzz of the protocol and the games API against a real service process.

Hypothesis drives two players and a spectator of a live friend game (and fresh connections
that have not said hello yet) with random client frames: legal actions, mutated ones (a wrong
or old ``rqid``, the other seat's action, a spectator's, wrong field types, unknown fields,
huge strings, bad message ids), every other message type, random JSON, text that is no JSON,
binary frames and frames over the size limit. After every frame, and after every example:

* the process is up and ``/ready`` answers 200;
* every frame any connection received fits the protocol's schema and no error is
  ``internal``; every error code is one of the closed list of ``docs/protocol.md``;
* a frame the protocol refuses gets an ``error`` with the code the parser gives it (an over
  large frame also closes the connection), an action from the wrong seat or a spectator or for
  an old request is refused, and a legal action from the acting seat is acknowledged;
* a refused message changes nothing: the version and the public view read by a fresh
  spectator connection are those before the example, unless an ``ack`` says the game moved
  (then the version is the last acknowledged one).

On the REST side, random bodies, paths and tokens on ``/api/v1/games`` and
``/api/v1/matchmaking`` never get a 5xx.

The default run is small (about a minute); ``-m slow`` runs many more examples
(``MANTIMON_FUZZ_EXAMPLES``, 2,000 by default). The service runs with the per-connection
rate limit raised, so the fuzz reaches the game rather than the limiter.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from app.play.protocol import (
    MAX_MESSAGE_BYTES,
    ErrorCode,
    ProtocolError,
    ServerMessage,
    parse_client_message,
)
from tests.play.harness import Player, Service, api, new_player, service_process

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_EXAMPLES = 40
DEFAULT_HTTP_EXAMPLES = 100
SLOW_EXAMPLES = int(os.environ.get("MANTIMON_FUZZ_EXAMPLES", "2000"))
WAIT = 15.0

SERVER_MESSAGE = TypeAdapter[ServerMessage](ServerMessage)


def documented_codes() -> frozenset[str]:
    """The closed list of error codes, read from the table in ``docs/protocol.md``."""
    doc = (ROOT / "docs" / "protocol.md").read_text(encoding="utf-8")
    section = doc.split("## Errors", 1)[1].split("\n## ", 1)[0]
    return frozenset(re.findall(r"^\| `([a-z_]+)` \|", section, flags=re.MULTILINE))


CODES = documented_codes()
PRE_HELLO_CODES = frozenset(
    {
        "bad_json",
        "bad_message",
        "too_large",
        "protocol_version",
        "not_hello",
        "unauthenticated",
        "game_not_found",
        "not_a_player",
    }
)


@dataclass
class Figures:
    """What the fuzz did, for the closing note."""

    examples: int = 0
    frames_sent: int = 0
    frames_received: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    acks: int = 0
    games: int = 0
    http_requests: int = 0
    started: float = field(default_factory=time.monotonic)

    def line(self, label: str) -> str:
        errors = ", ".join(f"{code} {n}" for code, n in sorted(self.errors.items()))
        return (
            f"{label}: {self.examples} examples, {self.frames_sent} frames sent, "
            f"{self.frames_received} received, {self.acks} acks, {self.games} games, "
            f"{self.http_requests} HTTP requests, {time.monotonic() - self.started:.1f} s; "
            f"errors: {errors}"
        )


FIGURES = Figures()


# -- a plain synchronous protocol client ---------------------------------------------------


def check_frame(raw: str | bytes) -> dict[str, Any]:
    """A server frame: JSON text that fits the schema, never an internal error."""
    assert isinstance(raw, str), f"the server sent a binary frame: {raw!r}"
    try:
        SERVER_MESSAGE.validate_json(raw)
    except ValidationError as exc:
        raise AssertionError(f"a frame outside the schema: {raw[:500]}\n{exc}") from exc
    frame: dict[str, Any] = json.loads(raw)
    if frame["type"] == "error":
        assert frame["code"] in CODES, frame
        assert frame["code"] != ErrorCode.INTERNAL, frame
        FIGURES.errors[frame["code"]] = FIGURES.errors.get(frame["code"], 0) + 1
    FIGURES.frames_received += 1
    return frame


class Closed(Exception):
    """The server closed the connection."""


@dataclass
class Conn:
    """One connection; tracks the latest request and version it was sent."""

    url: str
    token: str
    game_id: str
    role: str = "player"
    ws: ClientConnection | None = None
    request: dict[str, Any] | None = None
    v: int = -1
    seat: int | None = None
    over: bool = False
    pings: Iterator[int] = field(default_factory=itertools.count)

    def open(self) -> dict[str, Any]:
        self.ws = connect(self.url, open_timeout=WAIT, max_size=None, legacy=True)
        self.request, self.v, self.over = None, -1, False
        self.send(self.hello())
        welcome = self.recv()
        assert welcome["type"] == "welcome", welcome
        self.seat = welcome.get("seat")
        return welcome

    def hello(self, **changes: Any) -> str:
        hello = {
            "type": "hello",
            "protocol": 1,
            "token": self.token,
            "game_id": self.game_id,
            "role": self.role,
        }
        return json.dumps(hello | changes)

    def send(self, frame: str | bytes) -> None:
        assert self.ws is not None
        FIGURES.frames_sent += 1
        try:
            self.ws.send(frame)
        except ConnectionClosed as exc:
            raise Closed from exc

    def recv(self, wait: float = WAIT) -> dict[str, Any]:
        assert self.ws is not None
        try:
            frame = check_frame(self.ws.recv(timeout=wait))
        except ConnectionClosed as exc:
            raise Closed from exc
        if frame["type"] == "request":
            self.request, self.v = frame, frame["v"]
        elif frame["type"] in ("events", "resync"):
            self.v = frame["v"]
            self.over = self.over or any(
                event["kind"] == "game_ended" for event in frame.get("events", [])
            )
        return frame

    def exchange(self, frame: str | bytes) -> list[dict[str, Any]]:
        """Send `frame`, then a ping; every frame that came before the pong (the answers).

        Raises:
            Closed: the server closed the connection instead.
        """
        self.send(frame)
        marker = f"fuzz-ping-{next(self.pings)}"
        self.send(json.dumps({"type": "ping", "id": marker}))
        answers: list[dict[str, Any]] = []
        while (reply := self.recv()) != {"type": "pong", "id": marker}:
            answers.append(reply)
        return answers

    def settle(self, version: int) -> None:
        """Read until this connection has the request of `version` (pushes come on their own)."""
        deadline = time.monotonic() + WAIT
        # A spectator gets no request after the end (the game has left the store): only events.
        while (self.request is None or self.request["v"] < version) and not (
            self.over and self.v >= version
        ):
            left = deadline - time.monotonic()
            assert left > 0, f"{self.role} {self.seat} never saw v{version}"
            self.recv(left)

    def alive(self) -> bool:
        if self.ws is None:
            return False
        try:
            return self.ws.ping().wait(WAIT)
        except Exception:
            return False

    def close(self) -> None:
        if self.ws is not None:
            self.ws.close()
            self.ws = None


def snapshot(service: Service, player: Player, game_id: str) -> tuple[int, dict[str, Any]]:
    """The game's version and public view, from a fresh spectator connection.

    An ended game has no live view: its version comes from ``GET /api/v1/games/{id}``.
    """
    game = api(service.base, "GET", f"/api/v1/games/{game_id}", player).json()
    if game["status"] != "active":
        return game["version"], {"phase": "ended", "status": game["status"]}
    conn = Conn(service.ws_url, player.token, game_id, role="spectator")
    welcome = conn.open()
    try:
        request = conn.recv()
        while request["type"] != "request":
            request = conn.recv()
    finally:
        conn.close()
    assert request["v"] == welcome["v"] == game["version"]
    return welcome["v"], request["view"]


def assert_up(service: Service) -> None:
    assert service.process.poll() is None, "the service process died"
    assert httpx.get(f"{service.base}/ready", timeout=WAIT).status_code == httpx.codes.OK


# -- the table: a live game, its players and a spectator -----------------------------------


class Table:
    """Two players and a spectator of a friend game; a new game once one has ended."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self.players = (new_player(service.base), new_player(service.base, "water"))
        self.outsider = new_player(service.base, "grass")
        self.game_id = ""
        self.conns: dict[str, Conn] = {}
        self.http = httpx.Client(base_url=service.base, timeout=WAIT)
        self.new_game()

    def new_game(self) -> None:
        for conn in self.conns.values():
            conn.close()
        host, guest = self.players
        created = api(
            self.service.base,
            "POST",
            "/api/v1/games",
            host,
            json={"opponent": "friend", "deck_id": host.deck_id, "timed": False},
        )
        assert created.status_code == 201, created.text
        joined = api(
            self.service.base,
            "POST",
            "/api/v1/games/join",
            guest,
            json={"code": created.json()["invite_code"], "deck_id": guest.deck_id},
        )
        assert joined.status_code == 200, joined.text
        self.game_id = created.json()["game_id"]
        url = self.service.ws_url
        self.conns = {
            "p0": Conn(url, host.token, self.game_id),
            "p1": Conn(url, guest.token, self.game_id),
            "spectator": Conn(url, self.outsider.token, self.game_id, role="spectator"),
        }
        FIGURES.games += 1

    def ready(self) -> tuple[int, dict[str, Any]]:
        """Open what was closed, start a new game if this one ended; the snapshot."""
        version, view = snapshot(self.service, self.outsider, self.game_id)
        if view["phase"] == "ended":
            self.new_game()
            version, view = snapshot(self.service, self.outsider, self.game_id)
        for conn in self.conns.values():
            if not conn.alive():
                conn.close()
                conn.open()
            conn.settle(version)
        return version, view

    def acting(self, version: int) -> str | None:
        """The connection whose request at `version` has actions, if any."""
        for name in ("p0", "p1"):
            request = self.conns[name].request
            if request is not None and request["v"] == version and request["actions"]:
                return name
        return None


# -- the messages ---------------------------------------------------------------------------


class Expect(Enum):
    """What the server must answer."""

    ACK = "ack"
    ERROR = "error"
    ANY = "any"
    CLOSE = "close"


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True)
    | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5)
    ),
    max_leaves=25,
)
bad_ids = st.one_of(
    st.just(""),
    st.just("a b"),
    st.text(min_size=65, max_size=80, alphabet="ab"),
    st.integers(),
    st.none(),
    st.booleans(),
    st.lists(st.text(max_size=3), max_size=2),
)
bad_ints = st.one_of(
    st.integers(max_value=-1),
    st.integers(min_value=2**64),
    st.just(True),
    st.floats(allow_nan=False),
    st.text(max_size=5),
    st.none(),
    st.lists(st.integers(), max_size=2),
)
huge = st.integers(min_value=100, max_value=MAX_MESSAGE_BYTES + 2000).map(lambda n: "x" * n)
ACTION_KINDS = [
    "attack",
    "end_turn",
    "play_creature",
    "play_trainer",
    "attach_energy",
    "evolve",
    "retreat",
    "use_ability",
    "choose",
    "place",
    "resign",
    "agree_draw",
    "lose_on_time",
    "abandon",
    "nope",
]


def message_ids() -> Iterator[str]:
    for n in itertools.count():
        yield f"f{uuid4().hex[:6]}-{n}"


IDS = message_ids()


def _dump(value: Any) -> str:
    return json.dumps(value, allow_nan=True)


KINDS = [
    "legal",
    "legal",
    "legal",
    "stale",
    "mutated",
    "invented",
    "other",
    "sync",
    "ping",
    "hello",
    "json",
    "text",
    "binary",
    "huge",
    "resend",
]
FIELDS = ["kind", "card", "target", "index", "choice"]
FIRST_FRAMES = [
    "json",
    "text",
    "binary",
    "ping",
    "act",
    "token",
    "game",
    "protocol",
    "role",
    "valid",
    "huge",
]
option = st.one_of(st.none(), st.integers(0, 1000), st.text(min_size=1, max_size=64))

# Every step draws the same shape whatever the game's state, so that Hypothesis can replay
# and shrink it; the live game decides which parts a step uses.
steps = st.fixed_dictionaries(
    {
        "sender": st.sampled_from(["acting", "acting", "acting", "p0", "p1", "spectator"]),
        "kind": st.sampled_from(KINDS),
        "pick": st.integers(0, 10**6),
        "offset": st.integers(-20, 50).filter(bool),
        "how": st.sampled_from(["field", "unknown", "type", "rqid", "id", "missing"]),
        "field": st.sampled_from(FIELDS),
        "bad": st.one_of(bad_ints, huge, st.lists(huge, max_size=2)),
        "bad_int": bad_ints,
        "bad_id": bad_ids,
        "json": json_values,
        "key": st.text(min_size=1, max_size=12),
        "text": st.text(max_size=200),
        "binary": st.one_of(st.binary(max_size=300), json_values.map(lambda v: _dump(v).encode())),
        "size": st.integers(MAX_MESSAGE_BYTES - 200, MAX_MESSAGE_BYTES * 4),
        "flag": st.booleans(),
        "rare": st.integers(0, 9),
        "since": st.one_of(st.integers(min_value=0), bad_ints),
        "invented": st.tuples(st.sampled_from(ACTION_KINDS), option, option, option, option),
        "pre": st.integers(0, 7),
        "first": st.sampled_from(FIRST_FRAMES),
        "who": st.integers(0, 2),
        "role": st.sampled_from(["player", "spectator"]),
        "odd_role": st.text(max_size=10),
        "token": st.text(min_size=1, max_size=50),
        "protocol": st.integers().filter(lambda n: n != 1),
    }
)


UNSET: Any = object()
"""`act`'s id when the step does not choose one (a fresh, valid message id)."""


def draw_message(
    step: dict[str, Any], table: Table, version: int
) -> tuple[str, str | bytes, Expect]:
    """One fuzz step on the game at `version`: who sends, the frame, what must be answered.

    Only a request made at `version` counts as current: a connection may not have been sent
    the newest one yet, and an old request read as current would misjudge what is stale.
    """
    acting = table.acting(version)
    sender = step["sender"]
    if sender == "acting":
        sender = acting or "p0"
    conn = table.conns[sender]
    request = table.conns[acting].request if acting else conn.request
    assert request is not None
    own = conn.request if conn.request is not None and conn.request["v"] == version else None
    if own is not None and own["actions"]:
        request = own  # in setup both seats act at once
    actions: list[dict[str, Any]] = request["actions"] if acting else []
    rqid = version
    kind = step["kind"]
    mine = own is not None and bool(own["actions"])
    refused = Expect.ERROR if sender == "spectator" else Expect.ANY
    semantic = Expect.ANY if mine else Expect.ERROR

    def act(action: Any, *, rqid_: Any = rqid, id_: Any = UNSET) -> str:
        # A sentinel, not None: None is one of the bad ids (`"id": null` must be refused).
        message_id = next(IDS) if id_ is UNSET else id_
        return _dump({"type": "act", "id": message_id, "rqid": rqid_, "action": action})

    def legal() -> dict[str, Any]:
        chosen = actions[step["pick"] % len(actions)] if actions else {"kind": "end_turn"}
        return {k: v for k, v in chosen.items() if v is not None}

    if kind == "legal" and actions:
        return sender, act(legal()), Expect.ACK if mine else Expect.ERROR
    if kind in ("legal", "stale"):
        old = rqid + step["offset"] if rqid + step["offset"] >= 0 else rqid - step["offset"]
        return sender, act(legal(), rqid_=old), Expect.ERROR
    if kind == "mutated":
        # What the parser refuses is checked in `step`; here, what the game must refuse.
        base = legal()
        how = step["how"]
        if how == "field":
            base[step["field"]] = step["bad"]
        elif how == "unknown":
            base[step["key"]] = step["json"]
        elif how == "type":
            base = step["json"]
        elif how == "rqid":
            return sender, act(base, rqid_=step["bad_int"]), Expect.ERROR
        elif how == "id":
            return sender, act(base, id_=step["bad_id"]), Expect.ERROR
        else:
            message = json.loads(act(base))
            del message[("type", "id", "rqid", "action")[step["pick"] % 4]]
            return sender, _dump(message), Expect.ERROR
        return sender, act(base), semantic
    if kind == "invented":
        ids = sorted(set(re.findall(r"p[01]-[mez][0-9a-f]+", json.dumps(request["view"]))))
        ids = ids or ["p0-m00000000"]
        action_kind, card, target, index, choice = step["invented"]
        invented: dict[str, Any] = {"kind": action_kind}
        for name, value in (("card", card), ("target", target)):
            if value is not None:
                invented[name] = ids[value % len(ids)] if isinstance(value, int) else value
        if isinstance(index, int):
            invented["index"] = index % 64
        if isinstance(choice, int):
            invented["choice"] = [ids[(choice + n) % len(ids)] for n in range(choice % 4)]
        if action_kind in ("resign", "agree_draw", "lose_on_time", "abandon"):
            return sender, act(invented), Expect.ERROR
        return sender, act(invented), semantic
    if kind == "other":
        which = ["resign", "offer_draw", "answer_draw", "rematch"][step["pick"] % 4]
        if which == "resign" and step["rare"]:
            which = "offer_draw"  # resigning ends the game: keep it rare
        other: dict[str, Any] = {"type": which, "id": next(IDS)}
        if which == "answer_draw":
            other["accept"] = step["flag"]
        return sender, _dump(other), refused
    if kind == "sync":
        return sender, _dump({"type": "sync", "since": step["since"]}), Expect.ANY
    if kind == "ping":
        return sender, _dump({"type": "ping", "id": step["bad_id"]}), Expect.ANY
    if kind == "hello":
        return sender, conn.hello(since=step["pick"] % 5), Expect.ERROR
    if kind == "json":
        return sender, _dump(step["json"]), Expect.ERROR
    if kind == "text":
        return sender, step["text"], Expect.ERROR
    if kind == "binary":
        return sender, step["binary"], Expect.ERROR
    if kind == "huge":
        action = {"kind": "x" * step["size"]}
        return (
            sender,
            _dump({"type": "act", "id": "big", "rqid": rqid, "action": action}),
            Expect.ERROR,
        )
    # A resend of one message id: acknowledged again (with its version), never applied twice.
    return sender, act({"kind": "end_turn"}, id_="resent-0"), Expect.ANY


def expected_code(frame: str | bytes) -> str | None:
    """The code the protocol's parser refuses `frame` with (None: it parses)."""
    try:
        parse_client_message(frame)
    except ProtocolError as exc:
        return exc.code.value
    return None


def step(table: Table, sender: str, frame: str | bytes, expect: Expect) -> int | None:
    """Send one fuzz frame and check the answer; the version an ack reports, if any."""
    conn = table.conns[sender]
    code = expected_code(frame)
    if code == "too_large":
        expect = Expect.CLOSE
    try:
        answers = conn.exchange(frame)
    except Closed:
        assert expect is Expect.CLOSE, f"closed after {frame[:200]!r}"
        conn.close()
        return None
    assert expect is not Expect.CLOSE, f"not closed after a frame of {len(frame)} bytes"
    errors = [a for a in answers if a["type"] == "error"]
    acks = [a for a in answers if a["type"] == "ack"]
    if code is not None:
        assert [e["code"] for e in errors] == [code], (frame[:300], answers)
        assert acks == []
        return None
    if expect is Expect.ACK:
        assert errors == [], (frame[:300], errors)
        assert len(acks) == 1, (frame[:300], answers)
    if expect is Expect.ERROR:
        assert len(errors) == 1, (frame[:300], answers)
        assert acks == [], (frame[:300], acks)
    FIGURES.acks += len(acks)
    return max((a["v"] for a in acks), default=None)


def run_example(table: Table, plan: list[dict[str, Any]]) -> None:
    """One example: a sequence of fuzz frames, then the properties of the whole."""
    FIGURES.examples += 1
    before, view = table.ready()
    moved = before
    for spec in plan:
        if spec["pre"] == 0:
            pre_hello(table, spec)
            continue
        sender, frame, expect = draw_message(spec, table, moved)
        acked = step(table, sender, frame, expect)
        if acked is not None and acked > moved:
            moved = acked
            for conn in table.conns.values():
                if conn.ws is not None:
                    conn.settle(moved)
        if table.conns[sender].ws is None:
            table.conns[sender].open()
            table.conns[sender].settle(moved)
    assert_up(table.service)
    after, view_after = snapshot(table.service, table.outsider, table.game_id)
    assert after == moved, f"version {after}, expected {moved} (was {before})"
    if moved == before:
        assert view_after == view, "a refused message changed the game"


def closes(conn: Conn) -> bool:
    """Whether the server closes `conn` (within the wait) without sending anything else."""
    try:
        extra = conn.recv()
    except Closed:
        return True
    raise AssertionError(f"a frame after the refusal: {extra}")


def pre_hello(table: Table, spec: dict[str, Any]) -> None:
    """A fresh connection whose first frame is anything: refused and closed, or welcomed."""
    players = (*table.players, table.outsider)
    who = spec["who"]
    conn = Conn(table.service.ws_url, players[who].token, table.game_id)
    first, role, odd_role = spec["first"], spec["role"], spec["odd_role"]
    if first == "role" and odd_role in ("player", "spectator"):
        first, role = "valid", odd_role
    frames: dict[str, str | bytes] = {
        "json": _dump(spec["json"]),
        "text": spec["text"],
        "binary": spec["binary"],
        "ping": _dump({"type": "ping"}),
        "act": _dump({"type": "act", "id": "a", "rqid": 0, "action": {"kind": "end_turn"}}),
        "token": conn.hello(role=role, token=spec["token"]),
        "game": conn.hello(role=role, game_id=str(uuid4())),
        "protocol": conn.hello(role=role, protocol=spec["protocol"]),
        "role": conn.hello(role=odd_role),
        "valid": conn.hello(role=role),
        "huge": conn.hello(role=role, token="t" * (MAX_MESSAGE_BYTES + 1)),
    }
    frame = frames[first]
    conn.ws = connect(table.service.ws_url, open_timeout=WAIT, max_size=None, legacy=True)
    try:
        conn.send(frame)
        reply = conn.recv()
        if first == "valid" and (role == "spectator" or who < 2):
            assert reply["type"] == "welcome", reply
            return
        assert reply["type"] == "error", reply
        assert reply["code"] in PRE_HELLO_CODES, reply
        code = expected_code(frame)
        if code is not None:
            assert reply["code"] == code, reply
        elif first == "valid":
            assert reply["code"] == "not_a_player", reply
        assert closes(conn), f"still open after {reply}"
    finally:
        conn.close()


# -- the tests --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fuzz_service(
    database_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Service]:
    """A service for the fuzz, its rate limit out of the way (the fuzz is not a flood)."""
    log = Path(tmp_path_factory.mktemp("fuzz")) / "serve.log"
    prefix = f"fz{uuid4().hex[:8]}:"
    with service_process(
        database_url,
        redis_url,
        prefix,
        log,
        play_rate_per_second="100000",
        play_rate_burst="100000",
    ) as running:
        yield running
        assert "play: internal error" not in log.read_text(), "the service logged a fault"


@pytest.fixture(scope="module")
def table(fuzz_service: Service) -> Iterator[Table]:
    table = Table(fuzz_service)
    yield table
    for conn in table.conns.values():
        conn.close()
    table.http.close()


@pytest.fixture(scope="module")
def report(pytestconfig: pytest.Config) -> Iterator[None]:
    yield
    reporter = pytestconfig.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(FIGURES.line("protocol fuzz"))


FUZZ = settings(
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@settings(FUZZ, max_examples=DEFAULT_EXAMPLES)
@given(plan=st.lists(steps, min_size=1, max_size=6))
def test_random_frames_never_break_the_service_nor_change_a_game(
    table: Table, report: None, plan: list[dict[str, Any]]
) -> None:
    run_example(table, plan)


@settings(FUZZ, max_examples=SLOW_EXAMPLES)
@given(plan=st.lists(steps, min_size=1, max_size=8))
def _at_length(table: Table, plan: list[dict[str, Any]]) -> None:
    run_example(table, plan)


@pytest.mark.slow
# The suite's 300 s a test would stop it after about 600 examples (0.5 s each here).
@pytest.mark.timeout(max(300, SLOW_EXAMPLES * 3))
def test_random_frames_at_length(request: pytest.FixtureRequest) -> None:
    """The same property over ``MANTIMON_FUZZ_EXAMPLES`` examples (about 1 s each here)."""
    if "slow" not in (request.config.option.markexpr or ""):
        pytest.skip(f"{SLOW_EXAMPLES} examples take many minutes: run with -m slow")
    request.getfixturevalue("report")
    _at_length(request.getfixturevalue("table"))


# -- REST ---------------------------------------------------------------------------------------


def rest_request(data: st.DataObject, table: Table) -> tuple[str, str, dict[str, Any]]:
    host = table.players[0]
    some_id = st.one_of(
        st.uuids().map(str),
        st.just(table.game_id),
        st.text(alphabet="abcdef0123456789-%.", min_size=1, max_size=40),
    )
    target = data.draw(
        st.sampled_from(
            [
                ("POST", "/api/v1/games"),
                ("POST", "/api/v1/games/join"),
                ("GET", "/api/v1/games/{}"),
                ("GET", "/api/v1/games/{}/replay"),
                ("GET", "/api/v1/me/games"),
                ("POST", "/api/v1/matchmaking/tickets"),
                ("GET", "/api/v1/matchmaking/tickets/{}"),
                ("DELETE", "/api/v1/matchmaking/tickets/{}"),
                ("PUT", "/api/v1/games"),
            ]
        )
    )
    method, path = target
    path = path.format(data.draw(some_id))
    plausible = st.fixed_dictionaries(
        {},
        optional={
            "opponent": st.one_of(st.sampled_from(["bot", "friend", "stranger"]), json_values),
            "deck_id": st.one_of(st.just(host.deck_id), st.uuids().map(str), json_values),
            # A valid level is a cheap one: each bot game the fuzz starts makes the bot move.
            "bot_level": st.one_of(st.sampled_from(["random", "x"]), json_values),
            "timed": json_values,
            "preset": st.one_of(st.sampled_from(["mantimon", "classic", "x"]), json_values),
            "code": st.one_of(st.text(max_size=20), json_values),
            "mode": st.one_of(st.sampled_from(["casual", "ranked", "x"]), json_values),
            "extra": json_values,
        },
    )
    body = data.draw(st.one_of(plausible, json_values))
    kwargs: dict[str, Any] = {}
    shape = data.draw(st.sampled_from(["json", "json", "raw", "none"]))
    if shape == "json":
        kwargs["content"] = _dump(body).encode()
        kwargs["headers"] = {"Content-Type": "application/json"}
    elif shape == "raw":
        kwargs["content"] = data.draw(st.binary(max_size=200))
        kwargs["headers"] = {
            "Content-Type": data.draw(st.sampled_from(["application/json", "text/plain"]))
        }
    auth = data.draw(st.sampled_from(["host", "host", "none", "garbage"]))
    headers = kwargs.setdefault("headers", {})
    if auth == "host":
        headers["Authorization"] = f"Bearer {host.token}"
    elif auth == "garbage":
        headers["Authorization"] = "Bearer " + data.draw(
            st.text(alphabet="abc.", min_size=1, max_size=40)
        )
    return method, path, kwargs


@settings(FUZZ, max_examples=DEFAULT_HTTP_EXAMPLES)
@given(data=st.data())
def test_random_requests_to_the_games_api_never_get_a_5xx(
    table: Table, report: None, data: st.DataObject
) -> None:
    method, path, kwargs = rest_request(data, table)
    response = table.http.request(method, path, **kwargs)
    FIGURES.http_requests += 1
    assert response.status_code < 500, (method, path, kwargs, response.text[:500])
