"""Trainers that would do nothing are refused (issue 16, point 6).

`RulesConfig.trainers.refuse_without_effect` (on in every preset) refuses an item or
supporter whose steps cannot change anything now, judged per step kind
(`app.engine.effects.useful.CAN_CHANGE`), not from a list of cards. Each card the
issue names is tried where it would do nothing (refused: not listed, and `apply`
says why) and where it would do something (listed).
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from app.core.game_state import GameState, TurnPhase
from app.core.rules import RulesConfig
from app.engine import ActionKind, IllegalActionError, apply, legal_actions
from app.engine.effects.registry import step_kinds
from app.engine.effects.useful import CAN_CHANGE
from tests.engine.builders import DRIPLET, FIRE, LIGHTNING, MOSSNIP, NOW, catalog, make_state
from tests.engine.play import start

TRAIL_RATION, GROVE_KEEPER_ILSA, RAIN_BARREL = "mv1-130", "mv1-141", "mv2-098"
RECALL_SATCHEL, SALVAGE_HOOK, DIVER_KALO = "mv1-123", "mv2-099", "mv2-109"
PEARL_POUCH, SALVAGE_COIL, STORM_CHASER_RUE = "mv2-097", "mv1-118", "mv2-115"
BURROW_CALL, AMBER_AMULET, ZAPKIT = "mv1-124", "mv1-132", "mv1-040"


def test_every_step_kind_says_what_it_can_change() -> None:
    assert set(CAN_CHANGE) == set(step_kinds())


def _state(trainer: str, p0: dict[str, Any], rules: RulesConfig | None = None) -> GameState:
    spec = {"active": MOSSNIP, **p0}
    spec["hand"] = [trainer, *spec.get("hand", [])]
    return make_state(rules or "mantimon", p0=spec, p1={"active": MOSSNIP})


def _offered(state: GameState, trainer: str) -> bool:
    card = next(c.instance_id for c in state.players[0].hand if c.definition_id == trainer)
    return any(
        a.kind is ActionKind.PLAY_TRAINER and a.card == card
        for a in legal_actions(state, catalog())
    )


CASES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    # (card, where it does nothing, where it does something)
    (TRAIL_RATION, {}, {"active": (MOSSNIP, {"damage": 20})}),
    (GROVE_KEEPER_ILSA, {}, {"bench": [(MOSSNIP, {"damage": 10})]}),
    (RAIN_BARREL, {"active": (MOSSNIP, {"damage": 20})}, {"bench": [(DRIPLET, {"damage": 20})]}),
    (RECALL_SATCHEL, {"discard": [FIRE]}, {"discard": [MOSSNIP]}),
    (SALVAGE_HOOK, {"discard": [MOSSNIP]}, {"discard": [AMBER_AMULET]}),
    (DIVER_KALO, {"discard": [AMBER_AMULET]}, {"discard": [FIRE]}),
    (PEARL_POUCH, {}, {"discard": [AMBER_AMULET]}),
    (SALVAGE_COIL, {"bench": [MOSSNIP]}, {"bench": [MOSSNIP], "discard": [FIRE]}),
    (
        STORM_CHASER_RUE,
        {"bench": [ZAPKIT], "discard": [FIRE]},
        {"bench": [ZAPKIT], "discard": [LIGHTNING]},
    ),
    (BURROW_CALL, {}, {"hand": [FIRE]}),
]


@pytest.mark.parametrize(("trainer", "idle", "useful"), CASES, ids=[c[0] for c in CASES])
def test_a_trainer_that_would_do_nothing_is_refused(
    trainer: str, idle: dict[str, Any], useful: dict[str, Any]
) -> None:
    state = _state(trainer, idle)
    assert not _offered(state, trainer)
    card = state.players[0].hand[0].instance_id
    before = state.model_dump_json()
    with pytest.raises(IllegalActionError, match="would change nothing"):
        apply(
            state,
            legal_actions(state, catalog())[0]._replace(
                kind=ActionKind.PLAY_TRAINER, card=card, target=None, index=None, choice=()
            ),
            catalog(),
            at=NOW,
        )
    assert state.model_dump_json() == before
    assert _offered(_state(trainer, useful), trainer)


def test_without_the_rule_a_trainer_may_do_nothing() -> None:
    mantimon = RulesConfig.preset("mantimon")
    rules = mantimon.model_copy(
        update={"trainers": mantimon.trainers.model_copy(update={"refuse_without_effect": False})}
    )
    assert _offered(_state(TRAIL_RATION, {}, rules), TRAIL_RATION)


def test_burrow_call_with_no_other_card_in_hand_is_refused_even_with_a_basic_to_find() -> None:
    """Its first step puts a card from the hand on the deck bottom: a cost to pay first."""
    state = _state(BURROW_CALL, {"deck": [MOSSNIP] * 5})
    assert state.players[0].deck
    assert len(state.players[0].hand) == 1
    assert not _offered(state, BURROW_CALL)
    assert _offered(_state(BURROW_CALL, {"deck": [MOSSNIP] * 5, "hand": [FIRE]}), BURROW_CALL)


@pytest.mark.parametrize("preset", ["mantimon", "pocket", "classic"])
def test_every_trainer_played_in_real_games_does_something(preset: str) -> None:
    """Each item or supporter played emits more than its own ``played_trainer``."""
    played = 0
    for seed in range(3):
        state = start(preset, 300 + seed)
        rng = random.Random(seed)
        while state.phase is not TurnPhase.ENDED:
            action = rng.choice(legal_actions(state, catalog()))
            events = apply(state, action, catalog(), at=NOW)
            if events and events[0].kind == "played_trainer":
                subtype = getattr(catalog()[events[0].data["definition"]], "trainer_subtype", "")
                if subtype in ("item", "supporter"):
                    played += 1
                    assert len(events) > 1, f"{events[0].data['definition']} did nothing"
    assert played > 5
