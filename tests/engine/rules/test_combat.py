"""Attacks, weakness and resistance per preset, status conditions, knockouts, wins, turn limit."""

from __future__ import annotations

import pytest

from app.core.enums import EndReason
from app.core.game_state import GameState, StatusCondition, TurnPhase
from app.engine import ActionKind, IllegalActionError, legal_actions
from tests.engine.builders import (
    CINDERCUB,
    DRIPLET,
    FIRE,
    GRASS,
    LIGHTNING,
    MOSSNIP,
    TECTONOX_EX,
    VERDANTUSK,
    WATER,
    ZAPKIT,
    act,
    catalog,
    flips,
    kinds,
    make_state,
)
from tests.engine.rules.conftest import NullExecutor

EMBERJAW = "mv1-015"  # stage 1 fire; attack 1: [fire, fire, colorless] 90


def _damage(state: GameState, seat: int) -> int:
    active = state.players[seat].active
    assert active is not None
    return active.damage


def _hit(preset: str, attacker: tuple[str, list[str]], defender: str, index: int = 0) -> int:
    definition, energy = attacker
    state = make_state(
        preset, p0={"active": (definition, {"energy": energy})}, p1={"active": (defender, {})}
    )
    events = act(state, ActionKind.ATTACK, index=index)
    return sum(e.data["amount"] for e in events if e.kind == "damaged" and e.player == 1)


@pytest.mark.parametrize(
    ("preset", "expected"), [("mantimon", 90 + 10), ("pocket", 90 + 20), ("classic", 90 * 2)]
)
def test_weakness_per_preset(preset: str, expected: int) -> None:
    assert _hit(preset, (EMBERJAW, [FIRE, FIRE, FIRE]), VERDANTUSK, index=1) == expected


@pytest.mark.parametrize(("preset", "expected"), [("mantimon", 20), ("pocket", 20), ("classic", 0)])
def test_resistance_per_preset(preset: str, expected: int) -> None:
    assert _hit(preset, (DRIPLET, [WATER]), VERDANTUSK) == expected


def test_plain_damage_without_weakness_or_resistance() -> None:
    assert _hit("mantimon", (DRIPLET, [WATER]), MOSSNIP) == 20


def test_attack_cost_needs_the_right_energy() -> None:
    state = make_state(p0={"active": (EMBERJAW, {"energy": [FIRE, GRASS, GRASS]})})
    indexes = [a.index for a in legal_actions(state, catalog()) if a.kind is ActionKind.ATTACK]
    assert indexes == [0]
    with pytest.raises(IllegalActionError, match="not enough energy"):
        act(state, ActionKind.ATTACK, index=1)
    with pytest.raises(IllegalActionError, match="no attack 5"):
        act(state, ActionKind.ATTACK, index=5)


def test_classic_first_player_cannot_attack_on_turn_one() -> None:
    state = make_state(
        "classic", turn=1, p0={"active": (MOSSNIP, {"energy": [GRASS]}), "turns_taken": 1}
    )
    with pytest.raises(IllegalActionError, match="cannot attack on the first turn"):
        act(state, ActionKind.ATTACK, index=0)
    pocket = make_state(
        "pocket", turn=1, p0={"active": (MOSSNIP, {"energy": [GRASS]}), "turns_taken": 1}
    )
    act(pocket, ActionKind.ATTACK, index=0)
    assert _damage(pocket, 1) == 20


def test_attacking_ends_the_turn() -> None:
    state = make_state(p0={"active": (MOSSNIP, {"energy": [GRASS]})})
    events = kinds(act(state, ActionKind.ATTACK, index=0))
    assert events[:2] == ["attacked", "damaged"]
    assert "turn_ended" in events
    assert state.current_player == 1


def test_poison_damages_between_every_turn() -> None:
    state = make_state(p1={"active": (MOSSNIP, {"status": ["poisoned"]})})
    act(state, ActionKind.END_TURN)
    assert _damage(state, 1) == 10
    act(state, ActionKind.END_TURN)
    assert _damage(state, 1) == 20
    assert state.players[1].active.status_conditions == [StatusCondition.POISONED]  # type: ignore[union-attr]


def test_burn_damages_then_a_flip_may_cure_it() -> None:
    outcomes = set()
    for seed in range(8):
        state = make_state(seed=seed, p1={"active": (MOSSNIP, {"status": ["burned"]})})
        events = act(state, ActionKind.END_TURN)
        heads = flips(events, "burn")
        assert len(heads) == 1
        assert _damage(state, 1) == 20
        still = StatusCondition.BURNED in state.players[1].active.status_conditions  # type: ignore[union-attr]
        assert still is not heads[0]
        outcomes.add(heads[0])
    assert outcomes == {True, False}


def test_sleep_flip_wakes_on_heads() -> None:
    outcomes = set()
    for seed in range(8):
        state = make_state(seed=seed, p1={"active": (MOSSNIP, {"status": ["asleep"]})})
        events = act(state, ActionKind.END_TURN)
        heads = flips(events, "sleep")
        asleep = StatusCondition.ASLEEP in state.players[1].active.status_conditions  # type: ignore[union-attr]
        assert asleep is not heads[0]
        outcomes.add(heads[0])
    assert outcomes == {True, False}


def test_paralysis_lasts_through_the_owners_next_turn() -> None:
    state = make_state(p1={"active": (MOSSNIP, {"status": ["paralyzed"], "energy": [GRASS]})})
    act(state, ActionKind.END_TURN)
    assert state.current_player == 1
    assert ActionKind.ATTACK not in {a.kind for a in legal_actions(state, catalog())}
    act(state, ActionKind.END_TURN)
    assert state.players[1].active.status_conditions == []  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("preset", "self_damage"), [("mantimon", 0), ("pocket", 0), ("classic", 30)]
)
def test_confusion_tails_means_no_attack(preset: str, self_damage: int) -> None:
    seen = set()
    for seed in range(10):
        state = make_state(
            preset, seed=seed, p0={"active": (MOSSNIP, {"energy": [GRASS], "status": ["confused"]})}
        )
        events = act(state, ActionKind.ATTACK, index=0)
        heads = flips(events, "confusion")[0]
        seen.add(heads)
        if heads:
            assert _damage(state, 1) == 20
            assert _damage(state, 0) == 0
        else:
            assert "attack_failed" in kinds(events)
            assert _damage(state, 1) == 0
            assert _damage(state, 0) == self_damage
    assert seen == {True, False}


def test_knockout_scores_points_and_ex_scores_more() -> None:
    state = make_state(
        p0={"active": (MOSSNIP, {"energy": [GRASS]})},
        p1={"active": (MOSSNIP, {"damage": 40}), "bench": [ZAPKIT]},
    )
    events = act(state, ActionKind.ATTACK, index=0)
    assert "knocked_out" in kinds(events)
    assert state.players[0].points == 1
    assert state.players[1].active.instance_id == "p1-002"  # type: ignore[union-attr]
    assert [c.instance_id for c in state.players[1].discard] == ["p1-001"]
    ex = make_state(
        p0={"active": (DRIPLET, {"energy": [WATER]})},
        p1={"active": (TECTONOX_EX, {"damage": 170}), "bench": [ZAPKIT]},
    )
    act(ex, ActionKind.ATTACK, index=0)
    assert ex.players[0].points == 2


def test_knocked_out_cards_all_go_to_the_discard() -> None:
    state = make_state(
        p0={"active": (MOSSNIP, {"energy": [GRASS]})},
        p1={
            "active": (MOSSNIP, {"damage": 50, "energy": [GRASS, GRASS], "tool": "mv1-132"}),
            "bench": [ZAPKIT],
        },
    )
    act(state, ActionKind.ATTACK, index=0)
    assert sorted(c.instance_id for c in state.players[1].discard) == [
        "p1-001",
        "p1-002",
        "p1-003",
        "p1-004",
    ]


def test_reaching_the_points_wins() -> None:
    state = make_state(
        p0={"active": (MOSSNIP, {"energy": [GRASS]}), "points": 3},
        p1={"active": (MOSSNIP, {"damage": 50}), "bench": [ZAPKIT]},
    )
    act(state, ActionKind.ATTACK, index=0)
    assert (state.phase, state.winner, state.end_reason) == (TurnPhase.ENDED, 0, EndReason.POINTS)
    assert legal_actions(state, catalog()) == []
    with pytest.raises(IllegalActionError, match="the game has ended"):
        act(state, ActionKind.END_TURN)


def test_classic_prizes_and_the_last_prize_wins() -> None:
    state = make_state(
        "classic",
        p0={"active": (DRIPLET, {"energy": [WATER]}), "prizes": [MOSSNIP, MOSSNIP, MOSSNIP]},
        p1={"active": (TECTONOX_EX, {"damage": 170}), "bench": [ZAPKIT], "prizes": [MOSSNIP]},
    )
    act(state, ActionKind.ATTACK, index=0)
    assert len(state.players[0].prizes) == 1
    assert len(state.players[0].hand) == 2
    last = make_state(
        "classic",
        p0={"active": (MOSSNIP, {"energy": [GRASS]}), "prizes": [MOSSNIP]},
        p1={"active": (MOSSNIP, {"damage": 50}), "bench": [ZAPKIT], "prizes": [MOSSNIP]},
    )
    act(last, ActionKind.ATTACK, index=0)
    assert (last.winner, last.end_reason) == (0, EndReason.PRIZES)


def test_no_creatures_left_loses() -> None:
    state = make_state(
        p0={"active": (MOSSNIP, {"energy": [GRASS]})}, p1={"active": (MOSSNIP, {"damage": 50})}
    )
    act(state, ActionKind.ATTACK, index=0)
    assert (state.winner, state.end_reason) == (0, EndReason.NO_CREATURES)


def test_both_players_winning_at_once_is_a_draw() -> None:
    state = make_state(
        p0={"active": (MOSSNIP, {"damage": 50, "status": ["poisoned"]})},
        p1={"active": (MOSSNIP, {"damage": 50, "status": ["poisoned"]})},
    )
    act(state, ActionKind.END_TURN)
    assert (state.phase, state.winner, state.end_reason) == (
        TurnPhase.ENDED,
        None,
        EndReason.NO_CREATURES,
    )


def test_a_checkup_knockout_of_the_turn_player_asks_them_to_promote_then_play_goes_on() -> None:
    state = make_state(
        p0={
            "active": (MOSSNIP, {"damage": 50, "status": ["poisoned"]}),
            "bench": [ZAPKIT, CINDERCUB],
        }
    )
    act(state, ActionKind.END_TURN)
    choice = state.pending_choice
    assert choice is not None
    assert (choice.player, choice.kind, choice.continuation.then) == (0, "promote", "next_turn")
    assert state.players[1].points == 1
    act(state, ActionKind.CHOOSE, choice=("p0-003",))
    assert state.players[0].active.instance_id == "p0-003"  # type: ignore[union-attr]
    assert (state.current_player, state.phase) == (1, TurnPhase.MAIN)


@pytest.mark.parametrize(
    ("preset", "points", "winner"),
    [("mantimon", (2, 1), 0), ("mantimon", (1, 1), None), ("pocket", (2, 1), None)],
)
def test_turn_limit_outcome(preset: str, points: tuple[int, int], winner: int | None) -> None:
    state = make_state(
        preset,
        turn=30,
        current=1,
        p0={"active": MOSSNIP, "points": points[0]},
        p1={"active": MOSSNIP, "points": points[1]},
    )
    act(state, ActionKind.END_TURN)
    assert (state.phase, state.winner, state.end_reason) == (
        TurnPhase.ENDED,
        winner,
        EndReason.TURN_LIMIT,
    )


def test_classic_has_no_turn_limit() -> None:
    state = make_state("classic", turn=30, p1={"active": MOSSNIP, "deck": [MOSSNIP] * 3})
    act(state, ActionKind.END_TURN)
    assert (state.phase, state.turn_number) == (TurnPhase.MAIN, 31)


def test_pocket_hand_limit_discards_down_at_end_of_turn() -> None:
    state = make_state("pocket", p0={"active": MOSSNIP, "hand": [ZAPKIT] * 12})
    act(state, ActionKind.END_TURN)
    choice = state.pending_choice
    assert choice is not None
    assert (choice.kind, choice.min_count, choice.max_count, choice.player) == ("discard", 2, 2, 0)
    act(state, ActionKind.CHOOSE, choice=("p0-002", "p0-003"))
    assert len(state.players[0].hand) == 10
    assert [c.instance_id for c in state.players[0].discard] == ["p0-002", "p0-003"]
    assert state.current_player == 1


def test_lightning_vs_resisting_ex_where_resistance_applies() -> None:
    assert _hit("classic", (ZAPKIT, [LIGHTNING]), TECTONOX_EX) == 0
    assert _hit("mantimon", (ZAPKIT, [LIGHTNING]), TECTONOX_EX) == 20


def test_a_player_left_without_creatures_by_an_effect_loses(null_executor: NullExecutor) -> None:
    state = make_state(p0={"active": MOSSNIP, "hand": ["mv1-118"]}, p1={"active": MOSSNIP})
    from app.engine import ops
    from app.engine.context import Ctx
    from app.engine.index import index_for
    from app.engine.rng import Rng
    from tests.engine.builders import NOW

    foe = state.players[1].active
    assert foe is not None
    ops.return_to_hand(Ctx(state, index_for(catalog()), Rng(0, 0), NOW), 1, foe)
    act(state, ActionKind.PLAY_TRAINER, card="p0-002")
    assert (state.winner, state.end_reason) == (0, EndReason.NO_CREATURES)
