"""A state that enters the engine from outside is checked against the catalog and the
flow of a turn, and refused with a clear error (issue 16, point 5).

Each corruption below used to load and then crash with a `KeyError` or leave the
game with nothing to do; now `legal_actions` and `apply` refuse it with
`CorruptStateError`, naming the problem, and change nothing.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from app.core.game_state import AttachedCard, GameState, TurnPhase
from app.engine import (
    Action,
    ActionKind,
    CorruptStateError,
    EngineError,
    apply,
    check_state,
    legal_actions,
)
from tests.engine.builders import (
    AMBER_AMULET,
    EMBER_QUARRY,
    ENERGY_SCOOP,
    FIRE,
    MOSSNIP,
    NOW,
    ZAPKIT,
    catalog,
    make_state,
)


def _state() -> GameState:
    return make_state(
        p0={"active": (MOSSNIP, {"energy": [FIRE]}), "bench": [ZAPKIT], "hand": [MOSSNIP]},
        p1={"active": MOSSNIP},
    )


def _unknown_in_hand(state: GameState) -> None:
    state.players[0].hand[0].definition_id = "zz-999"


def _trainer_as_front(state: GameState) -> None:
    active = state.players[1].active
    assert active is not None
    active.definition_id = ENERGY_SCOOP


def _creature_as_energy(state: GameState) -> None:
    active = state.players[0].active
    assert active is not None
    active.attached_energy[0].definition_id = ZAPKIT


def _energy_as_tool(state: GameState) -> None:
    state.players[0].bench[0].attached_tool = AttachedCard(instance_id="x-tool", definition_id=FIRE)


def _creature_under_a_creature_is_fine_but_not_a_trainer(state: GameState) -> None:
    active = state.players[0].active
    assert active is not None
    active.evolved_from = [AttachedCard(instance_id="x-under", definition_id=AMBER_AMULET)]


def _damaged_card_in_the_deck(state: GameState) -> None:
    state.players[1].deck[0].damage = 30


def _stuck_in_draw(state: GameState) -> None:
    state.phase = TurnPhase.DRAW


def _stuck_between_turns(state: GameState) -> None:
    state.phase = TurnPhase.BETWEEN_TURNS


def _unknown_modifier(state: GameState) -> None:
    from app.core.game_state import LastingEffect

    state.lasting_effects.append(
        LastingEffect(modifier={"kind": "fly"}, player=0, created_turn=state.turn_number)
    )


CORRUPTIONS: dict[str, tuple[Callable[[GameState], None], str]] = {
    "unknown card": (_unknown_in_hand, "'zz-999', not a card of the catalog"),
    "trainer as Front": (_trainer_as_front, r"\(trainer:item\), not creature"),
    "creature as energy": (_creature_as_energy, "attached energy"),
    "energy as tool": (_energy_as_tool, "tool"),
    "trainer under a creature": (_creature_under_a_creature_is_fine_but_not_a_trainer, "under"),
    "damage outside play": (_damaged_card_in_the_deck, "outside play carries play state"),
    "stuck in draw": (_stuck_in_draw, "draw phase with no choice pending"),
    "stuck between turns": (_stuck_between_turns, "between_turns phase"),
    "unknown lasting modifier": (_unknown_modifier, "unknown modifier"),
}


@pytest.mark.parametrize("name", list(CORRUPTIONS))
def test_a_corrupt_state_is_refused_by_name_and_left_as_it_was(name: str) -> None:
    corrupt, message = CORRUPTIONS[name]
    state = _state()
    check_state(state, catalog())
    corrupt(state)
    # The state's own validation knows nothing of the catalog: it still loads.
    loaded = GameState.model_validate_json(state.model_dump_json())
    before = loaded.model_dump_json()
    with pytest.raises(CorruptStateError, match=message) as refused:
        legal_actions(loaded, catalog())
    assert isinstance(refused.value, EngineError)
    with pytest.raises(CorruptStateError, match=message):
        apply(loaded, Action(ActionKind.END_TURN), catalog(), at=NOW)
    assert loaded.model_dump_json() == before


def test_a_stadium_that_is_not_a_stadium_is_refused() -> None:
    from app.core.game_state import CardInstance, StadiumInPlay

    state = _state()
    state.stadium = StadiumInPlay(
        card=CardInstance(instance_id="x-stadium", definition_id=MOSSNIP), owner=0, turn_played=1
    )
    with pytest.raises(CorruptStateError, match="stadium"):
        check_state(state, catalog())
    state.stadium.card.definition_id = EMBER_QUARRY
    check_state(state, catalog())


def test_a_state_stored_and_loaded_mid_game_plays_on() -> None:
    from tests.engine.play import play_random

    def reload(state: GameState) -> None:
        copy = GameState.model_validate_json(state.model_dump_json())
        check_state(copy, catalog())
        if copy.phase is not TurnPhase.ENDED:
            assert legal_actions(copy, catalog()), "nothing to do before the end"

    play_random("pocket", 42, check=reload)
