"""Nothing a viewer may not know ever reaches it: every frame of whole games, scanned.

Two guests play a friend game to its end over real WebSockets with seeded random legal
choices, watched by a third guest and by seat 0's own spectator connection. Every frame each
connection received is kept with the game version it describes. After the end, the game is
rebuilt action by action from its history row (`initial_from_history`, then `apply`), and at
every version this test works out, on its own and without `view_for` or `events_for`, what
each viewer may know:

* a card is known to everyone once it was on the board (after setup: the face-down
  placements count only for their owner), in a discard pile or the stadium, or named by a
  ``revealed`` event;
* a seat also knows the cards that were in its own hand, the options and revealed cards of a
  choice it was making, and the cards of the events the rules show it alone (a look at the
  top of a deck, a hand shown to it, a card it searched or drew from its energy deck);
* a spectator (and a player on a spectator connection) knows only the public part.

A frame fails when it names a card instance id its viewer could not know at its version, or
the definition id or name of a card that only sits where the viewer cannot see (an opponent's
hand, a deck, the prizes) and was never shown to it, or the game's random seed.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.catalog.card_service import CardService
from app.core.cards import CardDefinition
from app.core.game_state import ACTION_LOG, CardInstance, GameState, TurnPhase
from app.engine import Action, apply
from app.engine.events import Event
from app.store.replays import initial_from_history
from tests.play.harness import PlayClient, Service, api, new_player, pick

CARDS_DIR = Path(__file__).resolve().parents[2] / "data" / "cards"
INSTANCE_ID = re.compile(r"(?<![A-Za-z0-9_-])p[01]-(?:[me][0-9a-f]{8}|z\d+)(?![0-9a-f])")
"""An instance id as `app.engine.setup` and the energy zone make them, inside any text."""

SPECTATOR = None
OWNER_ONLY = frozenset(
    {"placed", "energy_drawn", "chose", "took_from_top", "put_on_deck_bottom", "searched"}
)
"""Event kinds whose cards the event's own seat may see (the rules show them to it alone)."""


# -- what each viewer may know, version by version ----------------------------------------


def _held(card: CardInstance) -> Iterator[tuple[str, str]]:
    yield card.instance_id, card.definition_id
    for attached in [*card.attached_energy, *card.evolved_from]:
        yield attached.instance_id, attached.definition_id
    if card.attached_tool is not None:
        yield card.attached_tool.instance_id, card.attached_tool.definition_id


def _board(state: GameState, seat: int) -> Iterator[tuple[str, str]]:
    player = state.players[seat]
    for creature in [player.active, *player.bench]:
        if creature is not None:
            yield from _held(creature)


def _all_cards(state: GameState) -> dict[str, str]:
    """Every card of the game at this state: instance id to definition id."""
    found: dict[str, str] = {}
    for seat, player in enumerate(state.players):
        for card in [*player.deck, *player.hand, *player.discard, *player.prizes]:
            found.update(_held(card))
        for card in player.energy_deck:
            found.update(_held(card))
        found.update(_board(state, seat))
    if state.stadium is not None:
        found.update(_held(state.stadium.card))
    return found


def _ids_in(value: Any) -> set[str]:
    return set(INSTANCE_ID.findall(json.dumps(value)))


@dataclass
class Viewer:
    """What one connection's viewer (a seat, or None for a spectator) may know, per version."""

    seat: int | None
    known: set[str] = field(default_factory=set)
    known_at: list[frozenset[str]] = field(default_factory=list)
    own_definitions: set[str] = field(default_factory=set)

    def observe(self, state: GameState, events: Iterable[Event]) -> None:
        """Learn what this viewer may know once `state` (and the `events` to it) happened."""
        seat = self.seat
        for owner in (0, 1):
            if state.phase is not TurnPhase.SETUP or owner == seat:
                self.known.update(card for card, _ in _board(state, owner))
            for card in state.players[owner].discard:
                self.known.update(card_id for card_id, _ in _held(card))
        if state.stadium is not None:
            self.known.update(card_id for card_id, _ in _held(state.stadium.card))
        if seat is not None:
            for card in state.players[seat].hand:
                self.known.update(card_id for card_id, _ in _held(card))
            choice = state.pending_choice
            if choice is not None and choice.player == seat:
                self.known.update(_ids_in([choice.options, choice.revealed]))
        for event in events:
            if self._shown(event):
                self.known.update(_ids_in(dict(event.data)))
        assert len(self.known_at) == state.version, "one observation per version"
        self.known_at.append(frozenset(self.known))

    def _shown(self, event: Event) -> bool:
        """Whether the rules show this event's cards to this viewer (state aside)."""
        if event.kind == "revealed":
            return True
        if self.seat is None:
            return False
        if event.kind == "hand_revealed":
            return self.seat in (event.player, event.data.get("to"))
        if event.kind == "top_seen":
            return bool(self.seat == event.data.get("by"))
        if event.kind in OWNER_ONLY or event.kind == "choice_requested":
            return self.seat == event.player
        return False


@dataclass
class Truth:
    """The game rebuilt from its history: every card's identity and each viewer's knowledge."""

    cards_at: list[dict[str, str]]
    viewers: dict[int | None, Viewer]
    seed: int
    names: Mapping[str, str]
    definition_pattern: re.Pattern[str]
    name_pattern: re.Pattern[str]

    @classmethod
    def rebuild(cls, replay_data: Mapping[str, Any], cards: Mapping[str, CardDefinition]) -> Truth:
        state = initial_from_history(replay_data, cards)
        viewers: dict[int | None, Viewer] = {seat: Viewer(seat) for seat in (0, 1, SPECTATOR)}
        for seat in (0, 1):
            viewers[seat].own_definitions = {
                definition for _, definition in _all_cards_of(state, seat)
            }
        cards_at = [_all_cards(state)]
        for viewer in viewers.values():
            viewer.observe(state, [])
        for record in ACTION_LOG.validate_python(replay_data["actions"]):
            action = Action.from_params(record.kind, dict(record.params), record.player)
            events = apply(state, action, cards, at=record.at)
            assert state.version == record.version
            cards_at.append(_all_cards(state))
            for viewer in viewers.values():
                viewer.observe(state, events)
        assert state.version == replay_data["final_version"]
        names = {card_id: definition.name for card_id, definition in cards.items()}
        by_length = sorted(cards, key=len, reverse=True)
        return cls(
            cards_at=cards_at,
            viewers=viewers,
            seed=int(replay_data["rng_seed"]),
            names=names,
            definition_pattern=_words(by_length),
            name_pattern=_words(sorted(set(names.values()), key=len, reverse=True)),
        )

    @property
    def final_version(self) -> int:
        return len(self.cards_at) - 1

    def hidden(self, seat: int | None, version: int) -> tuple[set[str], set[str], set[str]]:
        """The instance ids and definition ids `seat` cannot know at `version`, and those it may.

        A definition is hidden when every card of it in the game is, and the viewer did not
        build a deck with it (a seat knows its own list, not its order).
        """
        viewer = self.viewers[seat]
        known = viewer.known_at[version]
        cards = self.cards_at[version]
        ids = set(cards) - known
        known_definitions = {cards[card] for card in known if card in cards}
        known_definitions |= viewer.own_definitions
        return ids, {cards[card] for card in ids} - known_definitions, known_definitions

    def leaks(self, seat: int | None, version: int, frame: Mapping[str, Any]) -> list[str]:
        """What `frame`, received by `seat` at `version`, says that `seat` could not know."""
        text_ = json.dumps(frame)
        hidden_ids, hidden_definitions, known_definitions = self.hidden(seat, version)
        known = self.viewers[seat].known_at[version]
        found: list[str] = []
        for card in sorted(set(INSTANCE_ID.findall(text_)) - known):
            where = "hidden" if card in hidden_ids else "not in the game at this version"
            found.append(f"instance id {card} ({where})")
        for definition in sorted(set(self.definition_pattern.findall(text_)) & hidden_definitions):
            found.append(f"definition {definition} of a hidden card")
        hidden_names = {self.names[d] for d in hidden_definitions} - {
            self.names[d] for d in known_definitions
        }
        for name in sorted(set(self.name_pattern.findall(text_)) & hidden_names):
            found.append(f"name {name!r} of a hidden card")
        if str(self.seed) in text_ or "rng_seed" in text_:
            found.append("the random seed")
        return found


def _all_cards_of(state: GameState, seat: int) -> Iterator[tuple[str, str]]:
    for card in state.players[seat].cards():
        yield from _held(card)


def _words(words: list[str]) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, words)) + r")(?![\w-])")


def versioned(frames: list[dict[str, Any]]) -> Iterator[tuple[int, dict[str, Any]]]:
    """Each frame with the version it describes: its own ``v``, else the last one seen."""
    version = 0
    for frame in frames:
        if isinstance(frame.get("v"), int):
            version = frame["v"]
        yield version, frame


# -- playing the game ---------------------------------------------------------------------


def _ends(frame: dict[str, Any]) -> bool:
    if frame["type"] == "request":
        return bool(frame["view"]["phase"] == "ended")
    return frame["type"] == "events" and any(e["kind"] == "game_ended" for e in frame["events"])


async def _reconnect_once(client: PlayClient, at: int) -> bool:
    """Drop and come back with a ``since`` a few versions back, once `client` reached `at`.

    The missed events then come from the game store's log, filtered there: a second path
    for hidden cards to leak through.
    """
    if client.v < at:
        return False
    await client.close()
    welcome = await client.connect(since=max(0, client.v - 4))
    assert welcome["type"] == "welcome", welcome
    return True


async def _play_to_end(client: PlayClient, rng: random.Random, reconnect_at: int) -> None:
    """Play `client`'s seat with `pick` until the game ends, reconnecting once on the way.

    Unlike `harness.play_to_end`, this stops when the seat's own action ended the game (the
    ended request then came before the ack).
    """
    reconnected = False
    for _ in range(3000):
        if client.ended():
            return
        if not reconnected:
            reconnected = await _reconnect_once(client, reconnect_at)
        request = await client.my_turn(wait=60)
        if request is None:
            return
        reply = await client.act(pick(request["actions"], rng))
        assert reply["type"] == "ack", reply
    raise AssertionError("the game did not end")


async def _watch_to_end(client: PlayClient, reconnect_at: int) -> None:
    reconnected = False
    while not _ends(await client.recv(wait=120)):
        if not reconnected:
            reconnected = await _reconnect_once(client, reconnect_at)


async def _replay_data(engine: AsyncEngine, game_id: UUID) -> dict[str, Any]:
    for _ in range(100):
        async with engine.connect() as connection:
            row = (
                await connection.execute(
                    text("select replay_data from game_history where id = :id"), {"id": game_id}
                )
            ).first()
        if row is not None and row[0] is not None:
            data: dict[str, Any] = row[0]
            return data
        await asyncio.sleep(0.1)
    raise AssertionError(f"game {game_id} has no history row")


@dataclass
class PlayedGame:
    game_id: UUID
    frames: dict[str, tuple[int | None, list[dict[str, Any]]]]


async def play_friend_game(service: Service, seed: int, starters: tuple[str, str]) -> PlayedGame:
    """A whole friend game, watched by a third guest and by seat 0's spectator connection."""
    host, guest, watcher = (new_player(service.base, s) for s in (*starters, "grass"))
    created = api(
        service.base,
        "POST",
        "/api/v1/games",
        host,
        json={"opponent": "friend", "deck_id": host.deck_id, "timed": False},
    )
    assert created.status_code == 201, created.text
    joined = api(
        service.base,
        "POST",
        "/api/v1/games/join",
        guest,
        json={"code": created.json()["invite_code"], "deck_id": guest.deck_id},
    )
    assert joined.status_code == 200, joined.text
    game_id = created.json()["game_id"]
    clients = {
        "seat 0": PlayClient(service.ws_url, host.token, game_id),
        "seat 1": PlayClient(service.ws_url, guest.token, game_id),
        "spectator": PlayClient(service.ws_url, watcher.token, game_id, role="spectator"),
        "seat 0 as spectator": PlayClient(service.ws_url, host.token, game_id, role="spectator"),
    }
    try:
        for client in clients.values():
            welcome = await client.connect()
            assert welcome["type"] == "welcome", welcome
        assert clients["seat 0"].seat == 0
        assert clients["seat 1"].seat == 1
        await asyncio.gather(
            _play_to_end(clients["seat 0"], random.Random(seed), reconnect_at=4),
            _play_to_end(clients["seat 1"], random.Random(seed + 1), reconnect_at=5),
            # Early, like the seats': a game may end soon after a later mark, before the
            # watcher's next frame (seat 0 as spectator missed a mark at 20 so).
            _watch_to_end(clients["spectator"], reconnect_at=8),
            _watch_to_end(clients["seat 0 as spectator"], reconnect_at=10),
        )
    finally:
        for client in clients.values():
            await client.close()
    seats: dict[str, int | None] = {
        "seat 0": 0,
        "seat 1": 1,
        "spectator": SPECTATOR,
        "seat 0 as spectator": SPECTATOR,
    }
    return PlayedGame(
        UUID(game_id), {name: (seats[name], client.frames) for name, client in clients.items()}
    )


@pytest.fixture(scope="module")
def cards() -> Mapping[str, CardDefinition]:
    return CardService.load(CARDS_DIR).by_id


LASTING_VERSIONS = 20
"""A game scanned for the checks on what it sent must have gone past this version."""
LASTING_TRIES = 3


@pytest.mark.parametrize(
    ("seed", "starters"), [(19, ("fire", "water")), (2024, ("lightning", "psychic"))]
)
async def test_no_frame_names_a_card_its_viewer_cannot_know(
    service: Service,
    engine: AsyncEngine,
    cards: Mapping[str, CardDefinition],
    seed: int,
    starters: tuple[str, str],
) -> None:
    # The service deals each game from a seed of its own, so random play can end one within
    # a few turns; then another is played (every frame of every game is scanned) until one
    # lasts long enough for the checks below to mean something.
    for attempt in range(LASTING_TRIES):
        game = await play_friend_game(service, seed + 100 * attempt, starters)
        truth = Truth.rebuild(await _replay_data(engine, game.game_id), cards)
        _assert_no_leaks(game, truth)
        if truth.final_version > LASTING_VERSIONS:
            break

    # The scan has something to find: every viewer was sent cards, each seat some of its own
    # that a spectator could not see, and some cards stayed hidden from everyone throughout.
    for name, (seat, frames) in game.frames.items():
        assert sum(frame["type"] == "welcome" for frame in frames) == 2, f"{name} reconnected"
        named = set().union(*(_ids_in(frame) for frame in frames))
        assert len(named) >= 4, name
        if seat is not None:
            assert any(
                _ids_in(frame) & truth.hidden(SPECTATOR, version)[0]
                for version, frame in versioned(frames)
            ), f"{name} was never sent a card of its own hand"
    assert all(truth.hidden(SPECTATOR, v)[0] for v in range(truth.final_version + 1))
    assert truth.final_version > LASTING_VERSIONS, f"no game of {LASTING_TRIES} lasted"


def _assert_no_leaks(game: PlayedGame, truth: Truth) -> None:
    leaks: list[str] = []
    scanned = 0
    for name, (seat, frames) in game.frames.items():
        versions = [version for version, _ in versioned(frames)]
        assert max(versions) == truth.final_version, name
        for version, frame in versioned(frames):
            scanned += 1
            leaks.extend(
                f"{name} at v{version}, {frame['type']} frame: {leak}"
                for leak in truth.leaks(seat, version, frame)
            )
    assert leaks == [], f"{len(leaks)} leaks in {scanned} frames:\n" + "\n".join(leaks[:40])


async def test_the_scanner_flags_a_doctored_frame(
    service: Service, engine: AsyncEngine, cards: Mapping[str, CardDefinition]
) -> None:
    """The check can fail: frames with a hidden card, its definition, its name or the seed."""
    game = await play_friend_game(service, 7, ("water", "fire"))
    truth = Truth.rebuild(await _replay_data(engine, game.game_id), cards)
    version = truth.final_version // 2
    hidden_ids, hidden_definitions, _ = truth.hidden(0, version)
    opponent_hidden = sorted(card for card in hidden_ids if card.startswith("p1-"))
    assert opponent_hidden
    assert hidden_definitions

    def frame(**data: Any) -> dict[str, Any]:
        return {
            "type": "events",
            "from_v": version - 1,
            "v": version,
            "events": [{"kind": "drew", "player": 1, "data": data}],
        }

    definition = sorted(hidden_definitions)[0]
    assert truth.leaks(0, version, frame(card=opponent_hidden[0]))
    assert truth.leaks(0, version, frame(card=definition))
    assert truth.leaks(0, version, frame(text=f"drew {truth.names[definition]}!"))
    assert truth.leaks(0, version, frame(n=truth.seed))
    assert truth.leaks(SPECTATOR, version, frame(card=opponent_hidden[0]))
    own_hand = sorted(truth.viewers[1].known_at[version] - truth.viewers[0].known_at[version])
    assert own_hand, "seat 1 knows something seat 0 does not"
    assert truth.leaks(0, version, frame(card=own_hand[0]))
    assert truth.leaks(1, version, frame(card=own_hand[0])) == []
    assert truth.leaks(0, version, frame(count=3)) == []
    # A real frame of seat 1 handed to seat 0 leaks: its requests show seat 1's hand.
    assert any(
        truth.leaks(0, v, f)
        for v, f in versioned(game.frames["seat 1"][1])
        if f["type"] == "request"
    )
