"""Turn structure: draw, energy per source, evolution timing, trainer limits, retreat."""

from __future__ import annotations

import pytest

from app.core.cards import EnergyType
from app.core.enums import EndReason
from app.core.game_state import GameState, StadiumInPlay, StatusCondition, TurnPhase
from app.engine import ActionKind, IllegalActionError, legal_actions
from app.engine.checks import acting_player
from tests.engine.builders import (
    AMBER_AMULET,
    CINDERCUB,
    EMBER_QUARRY,
    ENERGY_SCOOP,
    FERNCLAW,
    FESTIVAL_PLAZA,
    FIRE,
    GRASS,
    MOSSNIP,
    STURDY_PAULDRON,
    TWIN_CORE,
    VERDANTUSK,
    ZAPKIT,
    act,
    catalog,
    kinds,
    make_state,
    supporter_id,
)
from tests.engine.rules.conftest import NullExecutor


def _end(state: GameState) -> list[str]:
    return kinds(act(state, ActionKind.END_TURN))


def _zone(state: GameState, seat: int) -> EnergyType | None:
    return state.players[seat].zone_current


def _stadium(state: GameState) -> StadiumInPlay | None:
    return state.stadium


def test_end_turn_hands_over_and_the_next_player_draws() -> None:
    state = make_state(p1={"active": MOSSNIP, "deck": [CINDERCUB] * 3, "energy_deck": [FIRE] * 2})
    events = _end(state)
    assert events.index("turn_ended") < events.index("turn_started") < events.index("drew")
    assert state.current_player == 1
    assert state.turn_number == 6
    hand = [c.definition_id for c in state.players[1].hand]
    assert sorted(hand) == sorted([CINDERCUB, FIRE])  # one card and one energy-deck card
    assert len(state.players[1].energy_deck) == 1


def test_per_turn_counters_reset_at_the_start_of_the_owners_turn() -> None:
    state = make_state(p1={"active": MOSSNIP})
    player = state.players[1]
    player.supporters_played_this_turn = 1
    player.retreats_this_turn = 1
    player.energy_attached_this_turn = 1
    player.abilities_used_this_turn.append("p1-001:0")
    _end(state)
    assert player.supporters_played_this_turn == 0
    assert player.retreats_this_turn == 0
    assert player.energy_attached_this_turn == 0
    assert player.abilities_used_this_turn == []


@pytest.mark.parametrize(
    ("preset", "loses"), [("mantimon", True), ("classic", True), ("pocket", False)]
)
def test_deck_out_per_preset(preset: str, loses: bool) -> None:
    state = make_state(preset, p1={"active": MOSSNIP, "deck": []})
    events = _end(state)
    if loses:
        assert state.phase is TurnPhase.ENDED
        assert state.winner == 0
        assert state.end_reason is EndReason.DECK_OUT
    else:
        assert "draw_skipped" in events
        assert state.phase is TurnPhase.MAIN
        assert state.current_player == 1


def test_one_energy_attachment_per_turn_from_the_hand() -> None:
    state = make_state(p0={"active": MOSSNIP, "hand": [GRASS, GRASS]})
    act(state, ActionKind.ATTACH_ENERGY, card="p0-002", target="p0-001")
    assert [e.definition_id for e in state.players[0].active.attached_energy] == [GRASS]  # type: ignore[union-attr]
    with pytest.raises(IllegalActionError, match="already attached energy this turn"):
        act(state, ActionKind.ATTACH_ENERGY, card="p0-003", target="p0-001")
    assert not any(a.kind is ActionKind.ATTACH_ENERGY for a in legal_actions(state, catalog()))


@pytest.mark.parametrize(
    ("preset", "allowed"), [("mantimon", True), ("pocket", False), ("classic", True)]
)
def test_first_turn_energy_attachment_per_preset(preset: str, allowed: bool) -> None:
    state = make_state(
        preset,
        turn=1,
        p0={
            "active": MOSSNIP,
            "hand": [GRASS],
            "zone": ["grass"],
            "zone_current": "grass",
            "turns_taken": 1,
        },
    )
    listed = any(a.kind is ActionKind.ATTACH_ENERGY for a in legal_actions(state, catalog()))
    assert listed is allowed
    if not allowed:
        with pytest.raises(IllegalActionError, match="first turn"):
            act(state, ActionKind.ATTACH_ENERGY, card="p0-002", target="p0-001")


@pytest.mark.parametrize(
    ("preset", "may_attack"), [("mantimon", False), ("pocket", True), ("classic", False)]
)
def test_first_player_attacking_on_turn_1_per_preset(preset: str, may_attack: bool) -> None:
    state = make_state(
        preset, turn=1, p0={"active": (MOSSNIP, {"energy": [GRASS]}), "turns_taken": 1}
    )
    listed = any(a.kind is ActionKind.ATTACK for a in legal_actions(state, catalog()))
    assert listed is may_attack
    if not may_attack:
        with pytest.raises(IllegalActionError, match="first player cannot attack"):
            act(state, ActionKind.ATTACK, index=0)


def test_mantimon_second_player_first_turn_two_energy_and_no_attack() -> None:
    """The second player's compensation: an extra energy card and attachment, no attack."""
    state = make_state(
        turn=1,
        p1={
            "active": (MOSSNIP, {"energy": [GRASS]}),
            "bench": [MOSSNIP],
            "deck": [CINDERCUB] * 3,
            "energy_deck": [GRASS] * 3,
        },
    )
    _end(state)
    player = state.players[1]
    assert (state.turn_number, state.current_player) == (2, 1)
    assert sorted(c.definition_id for c in player.hand) == sorted([CINDERCUB, GRASS, GRASS])
    assert len(player.energy_deck) == 1
    assert not any(a.kind is ActionKind.ATTACK for a in legal_actions(state, catalog()))
    with pytest.raises(IllegalActionError, match="second player cannot attack"):
        act(state, ActionKind.ATTACK, index=0)
    first, second = (c.instance_id for c in player.hand if c.definition_id == GRASS)
    assert player.active is not None
    act(state, ActionKind.ATTACH_ENERGY, card=first, target=player.active.instance_id)
    act(state, ActionKind.ATTACH_ENERGY, card=second, target=player.bench[0].instance_id)
    assert not any(a.kind is ActionKind.ATTACH_ENERGY for a in legal_actions(state, catalog()))
    _end(state)
    _end(state)
    assert (state.turn_number, state.current_player) == (4, 1)
    assert len(player.energy_deck) == 0  # one energy card a turn again
    assert any(a.kind is ActionKind.ATTACK for a in legal_actions(state, catalog()))


@pytest.mark.parametrize("preset", ["pocket", "classic"])
def test_other_presets_treat_the_second_players_first_turn_like_any_other(preset: str) -> None:
    state = make_state(
        preset,
        turn=2,
        current=1,
        p1={"active": (MOSSNIP, {"energy": [GRASS]}), "hand": [GRASS, GRASS], "turns_taken": 1},
    )
    listed = {a.kind for a in legal_actions(state, catalog())}
    assert ActionKind.ATTACK in listed
    if preset == "classic":
        player = state.players[1]
        assert player.active is not None
        first, second = (c.instance_id for c in player.hand)
        act(state, ActionKind.ATTACH_ENERGY, card=first, target=player.active.instance_id)
        with pytest.raises(IllegalActionError, match="already attached energy this turn"):
            act(state, ActionKind.ATTACH_ENERGY, card=second, target=player.active.instance_id)


def test_pocket_energy_zone_offers_one_energy_and_shows_the_next() -> None:
    state = make_state("pocket", p1={"active": MOSSNIP, "zone": ["grass", "fire"]})
    _end(state)
    player = state.players[1]
    assert player.zone_current in ("grass", "fire")
    assert player.zone_next in ("grass", "fire")
    with pytest.raises(IllegalActionError, match="energy zone"):
        act(state, ActionKind.ATTACH_ENERGY, card="p1-002", target="p1-001")
    kind = player.zone_current
    events = act(state, ActionKind.ATTACH_ENERGY, target="p1-001")
    assert "energy_attached" in kinds(events)
    energy = player.active.attached_energy[0]  # type: ignore[union-attr]
    assert energy.instance_id == "p1-z001"
    assert catalog()[energy.definition_id].energy_type == kind  # type: ignore[union-attr]
    assert _zone(state, 1) is None
    player.zone_current = player.zone_next
    _end(state)
    assert _zone(state, 1) is None  # lost at the end of the turn


def test_zone_gives_nothing_on_the_first_turn_when_attaching_is_banned() -> None:
    state = make_state(
        "pocket", turn=0, p0={"active": MOSSNIP, "zone": ["grass"], "turns_taken": 0}
    )
    from app.engine.context import Ctx
    from app.engine.index import index_for
    from app.engine.rng import Rng
    from app.engine.turn import begin_turn
    from tests.engine.builders import NOW

    begin_turn(Ctx(state, index_for(catalog()), Rng(1, 0), NOW), 0)
    assert state.turn_number == 1
    assert state.players[0].zone_current is None
    assert state.players[0].zone_next == "grass"


def test_evolution_follows_the_chain_and_timing_rules() -> None:
    state = make_state(
        p0={
            "active": (MOSSNIP, {"turn_played": 2}),
            "bench": [(MOSSNIP, {"turn_played": 5})],
            "hand": [FERNCLAW, VERDANTUSK, FERNCLAW],
        }
    )
    with pytest.raises(IllegalActionError, match="evolves from Fernclaw"):
        act(state, ActionKind.EVOLVE, card="p0-004", target="p0-001")
    with pytest.raises(IllegalActionError, match="put into play or evolved this turn"):
        act(state, ActionKind.EVOLVE, card="p0-003", target="p0-002")
    evolutions = {
        (a.card, a.target) for a in legal_actions(state, catalog()) if a.kind is ActionKind.EVOLVE
    }
    assert evolutions == {("p0-003", "p0-001")}
    active = state.players[0].active
    assert active is not None
    active.damage = 30
    active.status_conditions.append(StatusCondition.POISONED)
    act(state, ActionKind.EVOLVE, card="p0-003", target="p0-001")
    evolved = state.players[0].active
    assert evolved is not None
    assert evolved.definition_id == FERNCLAW
    assert evolved.damage == 30
    assert evolved.status_conditions == []
    assert [c.instance_id for c in evolved.evolved_from] == ["p0-001"]
    with pytest.raises(IllegalActionError, match="evolved this turn"):
        act(state, ActionKind.EVOLVE, card="p0-004", target="p0-003")


def test_no_evolution_during_a_players_first_turn() -> None:
    state = make_state(
        turn=2, current=1, p1={"active": MOSSNIP, "hand": [FERNCLAW], "turns_taken": 1}
    )
    with pytest.raises(IllegalActionError, match="first turn"):
        act(state, ActionKind.EVOLVE, card="p1-002", target="p1-001")


def test_basics_go_to_the_bench_up_to_its_size() -> None:
    state = make_state(
        "pocket", p0={"active": MOSSNIP, "bench": [MOSSNIP, MOSSNIP], "hand": [ZAPKIT, ZAPKIT]}
    )
    act(state, ActionKind.PLAY_CREATURE, card="p0-004")
    assert state.players[0].bench[-1].turn_played == state.turn_number
    with pytest.raises(IllegalActionError, match="bench is full"):
        act(state, ActionKind.PLAY_CREATURE, card="p0-005")


def test_trainers_with_effects_need_the_executor() -> None:
    state = make_state(p0={"active": MOSSNIP, "hand": [ENERGY_SCOOP]})
    with pytest.raises(IllegalActionError, match="no effects executor"):
        act(state, ActionKind.PLAY_TRAINER, card="p0-002")


def test_supporter_limit_and_classic_first_turn(null_executor: NullExecutor) -> None:
    supporter = supporter_id()
    state = make_state(
        p0={"active": MOSSNIP, "hand": [supporter, supporter, ENERGY_SCOOP, ENERGY_SCOOP]}
    )
    act(state, ActionKind.PLAY_TRAINER, card="p0-002")
    assert state.players[0].discard[-1].instance_id == "p0-002"
    assert null_executor.ran[-1].source == "p0-002"
    with pytest.raises(IllegalActionError, match="already played a supporter"):
        act(state, ActionKind.PLAY_TRAINER, card="p0-003")
    act(state, ActionKind.PLAY_TRAINER, card="p0-004")
    act(state, ActionKind.PLAY_TRAINER, card="p0-005")
    classic = make_state(
        "classic", turn=1, p0={"active": MOSSNIP, "hand": [supporter], "turns_taken": 1}
    )
    with pytest.raises(IllegalActionError, match="first player cannot play a supporter"):
        act(classic, ActionKind.PLAY_TRAINER, card="p0-002")
    null_executor.playable = False
    blocked = make_state(p0={"active": MOSSNIP, "hand": [ENERGY_SCOOP]})
    with pytest.raises(IllegalActionError, match="conditions"):
        act(blocked, ActionKind.PLAY_TRAINER, card="p0-002")


def test_one_stadium_in_play_shared_and_replaced() -> None:
    state = make_state(
        p0={"active": MOSSNIP, "hand": [EMBER_QUARRY, FESTIVAL_PLAZA, EMBER_QUARRY]},
        p1={"active": MOSSNIP, "hand": [EMBER_QUARRY, FESTIVAL_PLAZA]},
    )
    act(state, ActionKind.PLAY_TRAINER, card="p0-002")
    assert state.stadium is not None
    assert state.stadium.owner == 0
    with pytest.raises(IllegalActionError, match="already played a stadium this turn"):
        act(state, ActionKind.PLAY_TRAINER, card="p0-003")
    _end(state)
    with pytest.raises(IllegalActionError, match="already the stadium in play"):
        act(state, ActionKind.PLAY_TRAINER, card="p1-002")
    act(state, ActionKind.PLAY_TRAINER, card="p1-003")
    replaced = _stadium(state)
    assert replaced is not None
    assert replaced.card.instance_id == "p1-003"
    assert replaced.owner == 1
    assert [c.instance_id for c in state.players[0].discard] == ["p0-002"]


def test_one_tool_per_creature() -> None:
    state = make_state(p0={"active": MOSSNIP, "hand": [AMBER_AMULET, STURDY_PAULDRON]})
    act(state, ActionKind.PLAY_TRAINER, card="p0-002", target="p0-001")
    assert state.players[0].active.attached_tool.instance_id == "p0-002"  # type: ignore[union-attr]
    with pytest.raises(IllegalActionError, match="already holds a tool"):
        act(state, ActionKind.PLAY_TRAINER, card="p0-003", target="p0-001")
    with pytest.raises(IllegalActionError, match="needs one of your creatures"):
        act(state, ActionKind.PLAY_TRAINER, card="p0-003")


def test_retreat_pays_the_cost_and_clears_statuses() -> None:
    state = make_state(
        p0={
            "active": (MOSSNIP, {"energy": [GRASS, GRASS], "status": ["poisoned", "confused"]}),
            "bench": [ZAPKIT],
        }
    )
    retreats = [a for a in legal_actions(state, catalog()) if a.kind is ActionKind.RETREAT]
    assert [(a.target, a.choice) for a in retreats] == [("p0-004", ("p0-003",))]
    with pytest.raises(IllegalActionError, match="retreat cost is 1"):
        act(state, ActionKind.RETREAT, target="p0-004", choice=())
    with pytest.raises(IllegalActionError, match="only the energy needed"):
        act(state, ActionKind.RETREAT, target="p0-004", choice=("p0-002", "p0-003"))
    act(state, ActionKind.RETREAT, target="p0-004", choice=("p0-002",))
    player = state.players[0]
    assert player.active.instance_id == "p0-004"  # type: ignore[union-attr]
    benched = player.bench[0]
    assert benched.status_conditions == []
    assert [e.instance_id for e in benched.attached_energy] == ["p0-003"]
    assert [c.instance_id for c in player.discard] == ["p0-002"]
    with pytest.raises(IllegalActionError, match="already retreated"):
        act(state, ActionKind.RETREAT, target="p0-001")


def test_a_double_energy_pays_two_and_the_canonical_pick_prefers_basic() -> None:
    state = make_state(
        p0={"active": (VERDANTUSK, {"energy": [TWIN_CORE, GRASS, GRASS]}), "bench": [ZAPKIT]}
    )
    retreat = next(a for a in legal_actions(state, catalog()) if a.kind is ActionKind.RETREAT)
    assert retreat.choice == ("p0-004", "p0-003")
    act(state, ActionKind.RETREAT, target="p0-005", choice=("p0-002",))
    assert [c.definition_id for c in state.players[0].discard] == [TWIN_CORE]
    mixed = make_state(
        p0={"active": (VERDANTUSK, {"energy": [TWIN_CORE, GRASS]}), "bench": [ZAPKIT]}
    )
    retreat = next(a for a in legal_actions(mixed, catalog()) if a.kind is ActionKind.RETREAT)
    assert retreat.choice == ("p0-002",)
    act(mixed, ActionKind.RETREAT, target=retreat.target, choice=retreat.choice)


@pytest.mark.parametrize("status", ["asleep", "paralyzed"])
def test_asleep_or_paralyzed_cannot_retreat_or_attack(status: str) -> None:
    state = make_state(
        p0={"active": (MOSSNIP, {"energy": [GRASS], "status": [status]}), "bench": [ZAPKIT]}
    )
    kinds_listed = {a.kind for a in legal_actions(state, catalog())}
    assert ActionKind.RETREAT not in kinds_listed
    assert ActionKind.ATTACK not in kinds_listed
    with pytest.raises(IllegalActionError, match=status):
        act(state, ActionKind.RETREAT, target="p0-003", choice=("p0-002",))
    with pytest.raises(IllegalActionError, match=status):
        act(state, ActionKind.ATTACK, index=0)


def test_lasting_cannot_retreat_and_cannot_attack() -> None:
    from app.core.game_state import LastingEffect

    state = make_state(p0={"active": (MOSSNIP, {"energy": [GRASS]}), "bench": [ZAPKIT]})
    for kind in ("cannot_retreat", "cannot_attack"):
        state.lasting_effects.append(
            LastingEffect(
                modifier={"kind": kind},
                player=0,
                target="p0-001",
                created_turn=4,
                expires_after_turn=5,
            )
        )
    with pytest.raises(IllegalActionError, match="from retreating"):
        act(state, ActionKind.RETREAT, target="p0-003")
    with pytest.raises(IllegalActionError, match="from attacking"):
        act(state, ActionKind.ATTACK, index=0)
    _end(state)
    assert state.lasting_effects == []


def test_pending_choice_allows_only_choose_from_its_player() -> None:
    state = make_state(
        p1={"active": (ZAPKIT, {"damage": 40}), "bench": [MOSSNIP, MOSSNIP]},
        p0={"active": (MOSSNIP, {"energy": [GRASS]})},
    )
    act(state, ActionKind.ATTACK, index=0)
    choice = state.pending_choice
    assert choice is not None
    assert choice.kind == "promote"
    assert choice.player == 1
    assert acting_player(state) == 1
    assert sorted(a.choice for a in legal_actions(state, catalog())) == [("p1-002",), ("p1-003",)]
    with pytest.raises(IllegalActionError, match="answer the pending promote choice"):
        act(state, ActionKind.END_TURN)
    with pytest.raises(IllegalActionError, match="player 1's turn"):
        act(state, ActionKind.CHOOSE, choice=("p1-002",), player=0)
    with pytest.raises(IllegalActionError, match="not an option"):
        act(state, ActionKind.CHOOSE, choice=("p1-001",))
    with pytest.raises(IllegalActionError, match="exactly 1"):
        act(state, ActionKind.CHOOSE, choice=("p1-002", "p1-003"))
    act(state, ActionKind.CHOOSE, choice=("p1-003",))
    assert state.players[1].active.instance_id == "p1-003"  # type: ignore[union-attr]
    assert state.current_player == 1
    assert state.phase is TurnPhase.MAIN
