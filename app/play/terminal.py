"""A terminal client for the game protocol: play by hand in two terminals, or against a bot.

It speaks only what a browser would (the HTTP API and ``/ws/play``), so it is also a
reference client: sign in as a guest (or a dev account), choose a starter, start or join a
game, then show the board and the offered actions as numbered lines and send the one typed.
Nothing here reads the game store: the board is the seat's own `request` view.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx
import websockets

Print = Callable[[str], None]


def card_label(instance: Mapping[str, Any] | None, names: Mapping[str, str]) -> str:
    """One creature or card as a short line: name, damage, energy, status."""
    if instance is None:
        return "-"
    if instance.get("hidden"):
        return "(face down)"
    name = names.get(str(instance.get("definition_id")), str(instance.get("definition_id")))
    parts = [name]
    if instance.get("damage"):
        parts.append(f"{instance['damage']} dmg")
    energy = instance.get("attached_energy") or []
    if energy:
        parts.append(f"{len(energy)} energy")
    status = instance.get("status_conditions") or []
    if status:
        parts.append("/".join(str(s) for s in status))
    return " ".join(parts)


def board_lines(view: Mapping[str, Any], names: Mapping[str, str]) -> list[str]:
    """The board as a seat sees it, top (the opponent) to bottom (the viewer)."""
    seat = view.get("viewer")
    order = [1 - seat, seat] if seat in (0, 1) else [0, 1]
    lines = [f"turn {view.get('turn_number', 0)}  phase {view.get('phase')}"]
    for index in order:
        player = view["players"][index]
        who = "you" if index == seat else f"seat {index}"
        score = player.get("points", 0)
        hand = player.get("hand")
        count = len(hand) if isinstance(hand, list) else player.get("hand_count", 0)
        lines.append(
            f"[{who}] points {score}  hand {count}  deck {player.get('deck_count', 0)}  "
            f"discard {len(player.get('discard', []))}"
        )
        lines.append(f"  front: {card_label(player.get('active'), names)}")
        bench = [card_label(card, names) for card in player.get("bench", [])]
        lines.append(f"  bench: {', '.join(bench) if bench else '-'}")
        if isinstance(hand, list):
            lines.append(f"  hand:  {', '.join(card_label(card, names) for card in hand)}")
    if view.get("phase") == "ended":
        lines.append(f"game over: winner {view.get('winner')} ({view.get('end_reason')})")
    return lines


def _instances(view: Mapping[str, Any]) -> dict[str, str]:
    """Instance id -> definition id, for every card the view shows."""
    found: dict[str, str] = {}

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if "instance_id" in value and "definition_id" in value:
                found[str(value["instance_id"])] = str(value["definition_id"])
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(view)
    choice = view.get("pending_choice") or {}
    found.update({str(k): str(v) for k, v in (choice.get("cards") or {}).items()})
    return found


def action_label(
    action: Mapping[str, Any], view: Mapping[str, Any], names: Mapping[str, str]
) -> str:
    """An offered action in words, naming its cards."""
    ids = _instances(view)

    def name(instance_id: object) -> str:
        definition = ids.get(str(instance_id), str(instance_id))
        return names.get(definition, definition)

    words = [str(action["kind"]).replace("_", " ")]
    if "card" in action:
        words.append(name(action["card"]))
    if "target" in action:
        words.append(f"on {name(action['target'])}")
    if "index" in action:
        words.append(f"#{action['index']}")
    if action.get("choice"):
        words.append("choose " + ", ".join(name(option) for option in action["choice"]))
    return " ".join(words)


class TerminalClient:
    """One person at a terminal (module docstring)."""

    def __init__(self, server: str, out: Print = print) -> None:
        self.server = server.rstrip("/")
        self.http = httpx.Client(base_url=self.server, timeout=30)
        self.out = out
        self.token = ""
        self.names: dict[str, str] = {}

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = self.http.request(method, path, headers=headers, **kwargs)
        if response.status_code >= 400:
            raise SystemExit(f"{method} {path}: {response.status_code} {response.text}")
        return response.json() if response.content else None

    def sign_in(self, dev_name: str | None, starter: str) -> str:
        """Sign in and make sure a deck exists; the id of the first deck."""
        if dev_name:
            tokens = self._call("POST", "/api/v1/auth/dev", json={"display_name": dev_name})
        else:
            tokens = self._call("POST", "/api/v1/auth/guest")
        self.token = tokens["access_token"]
        decks = self._call("GET", "/api/v1/me/decks")["items"]
        if not decks:
            self._call("POST", "/api/v1/me/starter", json={"starter_type": starter})
            decks = self._call("GET", "/api/v1/me/decks")["items"]
        return str(decks[0]["id"])

    def start(self, deck_id: str, bot: str | None, invite: bool, join: str | None) -> str:
        """Start (or join) a game; its id once it has begun."""
        if join:
            return str(
                self._call("POST", "/api/v1/games/join", json={"code": join, "deck_id": deck_id})[
                    "game_id"
                ]
            )
        body = {"opponent": "friend" if invite else "bot", "deck_id": deck_id}
        if bot:
            body["bot_level"] = bot
        game = self._call("POST", "/api/v1/games", json=body)
        if game["status"] == "waiting":
            code = game["invite_code"]
            self.out(f"invite code: {code}  (your friend runs: mantimon play --join {code})")
            while game["status"] == "waiting":
                time.sleep(1)
                game = self._call("GET", f"/api/v1/games/{game['game_id']}")
        return str(game["game_id"])

    def _name(self, definition_id: str) -> str:
        if definition_id not in self.names:
            response = self.http.get(f"/api/v1/cards/{definition_id}")
            self.names[definition_id] = (
                response.json().get("name", definition_id)
                if response.status_code == 200
                else definition_id
            )
        return self.names[definition_id]

    def _learn_names(self, view: Mapping[str, Any]) -> None:
        for definition in set(_instances(view).values()):
            self._name(definition)

    async def play(self, game_id: str, read: Callable[[], str] = input) -> None:
        """Connect and play until the game ends (or the input ends)."""
        url = self.server.replace("http", "ws", 1) + "/ws/play"
        async with websockets.connect(url, max_size=None) as ws:
            hello = {"type": "hello", "protocol": 1, "token": self.token, "game_id": game_id}
            await ws.send(json.dumps(hello))
            counter = 0
            async for raw in ws:
                frame = json.loads(raw)
                kind = frame["type"]
                if kind == "error":
                    self.out(f"! {frame['code']}: {frame['message']}")
                elif kind == "events":
                    for event in frame["events"]:
                        data = event.get("data") or ""
                        self.out(f"  · {event['kind']} {event.get('player', '')} {data}")
                elif kind == "request":
                    view = frame["view"]
                    self._learn_names(view)
                    self.out("\n".join(board_lines(view, self.names)))
                    if view.get("phase") == "ended":
                        return
                    actions = frame["actions"]
                    if not actions:
                        self.out("(the opponent is playing)")
                        continue
                    for number, action in enumerate(actions):
                        self.out(f"  {number:>2}. {action_label(action, view, self.names)}")
                    choice = await asyncio.to_thread(_ask, read, len(actions))
                    if choice is None:
                        return
                    counter += 1
                    act = {
                        "type": "act",
                        "id": f"t{counter}",
                        "rqid": frame["rqid"],
                        "action": actions[choice],
                    }
                    await ws.send(json.dumps(act))
                elif kind in ("presence", "offer", "clock", "rematch_ready"):
                    self.out(
                        f"  [{kind}] {json.dumps({k: v for k, v in frame.items() if k != 'type'})}"
                    )


def _ask(read: Callable[[], str], count: int) -> int | None:
    while True:
        try:
            text = read().strip()
        except EOFError:
            return None
        if text.isdigit() and int(text) < count:
            return int(text)
        with contextlib.suppress(Exception):
            sys.stdout.write(f"type a number from 0 to {count - 1}\n")
