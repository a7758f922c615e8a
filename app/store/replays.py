"""The replay kept in a game's history row, and the game rebuilt from it.

``GameStateManager.end_game`` stores, next to the action log, what `new_game`
needs to deal the very same initial state again (`replay_setup`): the game id and
type, the start time, the first player and each seat's deck list. The deck lists
are read back from the final state: every card is in exactly one place for the
whole game, and an instance id names its zone of origin and nothing else about its card
(``p{seat}-m`` the main deck and ``p{seat}-e`` the energy deck, each followed by digits
from the game's seeded stream; ``p{seat}-zNNN`` energy made by the zone during the game,
which is not part of the deck), so counting definitions per origin gives the decks
exactly as dealt.

`replay_from_history` then reproduces the final state: ``new_game`` with those
inputs, then every logged action through `app.engine.replay`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import ValidationError

from app.core.cards import CardDefinition
from app.core.decks import DeckList
from app.core.enums import GameType
from app.core.game_state import ACTION_LOG, GameState, PlayerIndex, PlayerState
from app.core.rules import RulesConfig
from app.engine import Identity, new_game, replay
from app.errors import MantimonError


class ReplayDataError(MantimonError):
    """A history row's replay data cannot rebuild the game; the message says what is missing."""


def _instance_ids_by_origin(player: PlayerState) -> tuple[Counter[str], Counter[str]]:
    main: Counter[str] = Counter()
    energy: Counter[str] = Counter()
    for card in player.cards():
        pieces = [(card.instance_id, card.definition_id)]
        pieces.extend((a.instance_id, a.definition_id) for a in card.attached_energy)
        if card.attached_tool is not None:
            pieces.append((card.attached_tool.instance_id, card.attached_tool.definition_id))
        pieces.extend((a.instance_id, a.definition_id) for a in card.evolved_from)
        for instance_id, definition_id in pieces:
            origin = instance_id.split("-", 1)[-1]
            if origin.startswith("z"):
                continue
            (energy if origin.startswith("e") else main)[definition_id] += 1
    return main, energy


def deck_lists(state: GameState) -> tuple[DeckList, DeckList]:
    """The deck each seat was dealt, read from any state of the game (see the module doc)."""
    decks: list[DeckList] = []
    stadium = state.stadium
    for seat in (0, 1):
        main, energy = _instance_ids_by_origin(state.players[seat])
        if stadium is not None and stadium.owner == seat:
            main[stadium.card.definition_id] += 1
        zone = state.players[seat].energy_zone
        decks.append(DeckList(main=dict(main), energy=dict(energy), zone_types=list(zone) or None))
    return decks[0], decks[1]


def replay_setup(state: GameState) -> dict[str, Any]:
    """What `new_game` needs to deal this game's initial state again, as JSON."""
    return {
        "game_id": str(state.game_id),
        "game_type": state.game_type.value,
        "started_at": state.started_at.isoformat(),
        "first_player": state.first_player,
        "decks": [deck.model_dump(mode="json") for deck in deck_lists(state)],
    }


def _identity(player: dict[str, Any]) -> Identity:
    if player.get("user_id"):
        return UUID(str(player["user_id"]))
    return str(player["npc_id"])


def initial_from_history(
    replay_data: Mapping[str, Any], cards: Mapping[str, CardDefinition]
) -> GameState:
    """The game's initial state, dealt again from a history row's replay data.

    Raises:
        ReplayDataError: the data lacks the setup (a game ended before replays
            recorded it) or holds a value of the wrong shape.
    """
    if "setup" not in replay_data:
        raise ReplayDataError("the replay data has no setup; it cannot deal the game again")
    try:
        setup = replay_data["setup"]
        players = replay_data["players"]
        first: PlayerIndex = 1 if setup["first_player"] == 1 else 0
        return new_game(
            game_id=UUID(setup["game_id"]),
            game_type=GameType(setup["game_type"]),
            rules=RulesConfig.model_validate(replay_data["rules"]),
            decks=(
                DeckList.model_validate(setup["decks"][0]),
                DeckList.model_validate(setup["decks"][1]),
            ),
            identities=(_identity(players[0]), _identity(players[1])),
            seed=int(replay_data["rng_seed"]),
            cards=cards,
            at=datetime.fromisoformat(setup["started_at"]),
            first_player=first,
        )
    except (KeyError, IndexError, TypeError, ValueError, ValidationError) as exc:
        raise ReplayDataError(f"the replay data is malformed: {exc}") from exc


def replay_from_history(
    replay_data: Mapping[str, Any], cards: Mapping[str, CardDefinition]
) -> GameState:
    """The game's final state, rebuilt from a history row: deal again, replay every action.

    Raises:
        ReplayDataError: as for `initial_from_history`, or a malformed action entry.
        IllegalActionError: a logged action the rules refuse (the log does not
            belong to this game).
    """
    initial = initial_from_history(replay_data, cards)
    try:
        log = ACTION_LOG.validate_python(replay_data["actions"])
    except (KeyError, TypeError, ValidationError) as exc:
        raise ReplayDataError(f"the replay's action log is malformed: {exc}") from exc
    return replay(initial, log, cards)
