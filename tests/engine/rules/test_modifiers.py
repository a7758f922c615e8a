"""Passive modifiers from tools, stadiums, abilities, special energy and lasting effects."""

from __future__ import annotations

import pytest

from app.core.cards import CreatureCard
from app.core.game_state import GameState, LastingEffect
from app.engine import ActionKind, IllegalActionError, legal_actions, query
from app.engine.context import Ctx
from app.engine.index import index_for
from app.engine.rng import Rng
from tests.engine.builders import (
    AMBER_AMULET,
    CINDERCUB,
    DRIPLET,
    EMBER_QUARRY,
    FERNCLAW,
    FESTIVAL_PLAZA,
    FIRE,
    GRASS,
    MOSSNIP,
    NOW,
    STURDY_PAULDRON,
    TECTONOX_EX,
    TWIN_CORE,
    WATER,
    ZAPKIT,
    act,
    catalog,
    make_state,
)
from tests.engine.rules.conftest import NullExecutor

FEATHER_CHARM, POWER_BANGLE = "mv1-133", "mv1-135"
CORAL_CHARM, BARNACLE_PLATE, STORMGLASS_LENS = "tst-003", "mv2-104", "tst-004"
SUNKEN_ARENA = "mv2-119"
KALEIDO = "tst-002"
CUTLASSEEL = "mv1-103"  # ability: opponent's active retreats for 1 more while this is active
KICKADILLO = "mv1-077"  # ability: survives a knockout from full HP with 10
GOURDGALE = "mv1-006"  # activated ability


def _ctx(state: GameState) -> Ctx:
    return Ctx(state, index_for(catalog()), Rng(0, 0), NOW)


def _dealt(state: GameState, index: int = 0) -> int:
    events = act(state, ActionKind.ATTACK, index=index)
    return sum(e.data["amount"] for e in events if e.kind == "damaged" and e.player == 1)


def test_tool_hp_bonus_changes_when_a_creature_is_knocked_out() -> None:
    state = make_state(p1={"active": (MOSSNIP, {"tool": STURDY_PAULDRON, "damage": 60})})
    holder = state.players[1].active
    assert holder is not None
    assert query.max_hp(_ctx(state), 1, holder) == 80
    act(state, ActionKind.END_TURN)
    assert state.players[1].active is holder


@pytest.mark.parametrize(
    ("attacker_tool", "defender_tool", "expected"),
    [
        (None, None, 20),
        (POWER_BANGLE, None, 30),
        (None, AMBER_AMULET, 10),
        (POWER_BANGLE, AMBER_AMULET, 20),
    ],
)
def test_damage_dealt_and_taken_tools(
    attacker_tool: str | None, defender_tool: str | None, expected: int
) -> None:
    attacker: dict[str, object] = {"energy": [GRASS]}
    defender: dict[str, object] = {}
    if attacker_tool:
        attacker["tool"] = attacker_tool
    if defender_tool:
        defender["tool"] = defender_tool
    # Driplet (water) is neither weak to nor resists Mossnip (grass) as a basic.
    state = make_state(p0={"active": (MOSSNIP, attacker)}, p1={"active": (DRIPLET, defender)})
    assert _dealt(state) == expected


def test_coral_charm_removes_weakness_and_stormglass_hits_ex_harder() -> None:
    plain = make_state(p0={"active": (CINDERCUB, {"energy": [FIRE]})}, p1={"active": (MOSSNIP, {})})
    assert _dealt(plain) == 20 + 10  # mantimon weakness +10
    charmed = make_state(
        p0={"active": (CINDERCUB, {"energy": [FIRE]})},
        p1={"active": (MOSSNIP, {"tool": CORAL_CHARM})},
    )
    assert _dealt(charmed) == 20
    lens = {"energy": [WATER], "tool": STORMGLASS_LENS}
    assert _dealt(make_state(p0={"active": (DRIPLET, lens)}, p1={"active": (MOSSNIP, {})})) == 20
    assert (
        _dealt(make_state(p0={"active": (DRIPLET, lens)}, p1={"active": (TECTONOX_EX, {})})) == 50
    )


def test_stadium_modifiers_apply_to_both_players_by_element() -> None:
    state = make_state(
        p0={"active": (CINDERCUB, {"energy": [FIRE]}), "hand": [EMBER_QUARRY]},
        p1={"active": (MOSSNIP, {"energy": [GRASS]})},
    )
    act(state, ActionKind.PLAY_TRAINER, card="p0-003")
    assert _dealt(state) == 20 + 10 + 10  # printed, stadium, weakness
    state.players[0].active.damage = 0  # type: ignore[union-attr]
    events = act(state, ActionKind.ATTACK, index=0)
    assert [e.data["amount"] for e in events if e.kind == "damaged" and e.player == 0] == [20]


def test_retreat_cost_modifiers() -> None:
    state = make_state(p0={"active": (MOSSNIP, {"tool": FEATHER_CHARM}), "bench": [ZAPKIT]})
    retreat = next(a for a in legal_actions(state, catalog()) if a.kind is ActionKind.RETREAT)
    assert retreat.choice == ()
    heavy = make_state(
        p0={
            "active": (MOSSNIP, {"tool": BARNACLE_PLATE, "energy": [GRASS, GRASS]}),
            "bench": [ZAPKIT],
        }
    )
    assert not any(a.kind is ActionKind.RETREAT for a in legal_actions(heavy, catalog()))
    held = make_state(
        p0={"active": (MOSSNIP, {"energy": [GRASS]}), "bench": [ZAPKIT]},
        p1={"active": CUTLASSEEL},
    )
    mossnip = held.players[0].active
    assert mossnip is not None
    assert query.retreat_cost(_ctx(held), 0, mossnip) == 2
    held.players[1].bench.append(held.players[1].active)  # type: ignore[arg-type]
    held.players[1].active = None
    assert query.retreat_cost(_ctx(held), 0, mossnip) == 1


def test_sunken_arena_lowers_water_attack_costs() -> None:
    state = make_state(p0={"active": (DRIPLET, {"energy": [WATER]})}, p1={"active": MOSSNIP})
    assert [a.index for a in legal_actions(state, catalog()) if a.kind is ActionKind.ATTACK] == [0]
    state.players[1].hand.append(state.players[1].deck.pop())
    from app.core.game_state import StadiumInPlay
    from app.engine.ops import new_instance

    state.stadium = StadiumInPlay(card=new_instance("p1-099", SUNKEN_ARENA), owner=1, turn_played=4)
    assert [a.index for a in legal_actions(state, catalog()) if a.kind is ActionKind.ATTACK] == [
        0,
        1,
    ]


def test_survive_at_full_hp() -> None:
    hp = catalog()[KICKADILLO].hp  # type: ignore[union-attr]
    state = make_state(
        p0={"active": ("mv1-015", {"energy": [FIRE, FIRE, FIRE]})},
        p1={"active": KICKADILLO, "bench": [ZAPKIT]},
    )
    state.lasting_effects.append(
        LastingEffect(
            modifier={"kind": "damage_dealt", "amount": 30},
            player=0,
            created_turn=5,
            expires_after_turn=5,
        )
    )
    act(state, ActionKind.ATTACK, index=1)
    survivor = state.players[1].active
    assert survivor is not None
    assert survivor.definition_id == KICKADILLO
    assert survivor.damage == hp - 10


def test_special_energy_requirement_and_any_type() -> None:
    state = make_state(p0={"active": MOSSNIP, "bench": [(FERNCLAW, {})], "hand": [TWIN_CORE]})
    targets = {
        a.target for a in legal_actions(state, catalog()) if a.kind is ActionKind.ATTACH_ENERGY
    }
    assert targets == {"p0-002"}
    with pytest.raises(IllegalActionError, match="cannot be attached to that creature"):
        act(state, ActionKind.ATTACH_ENERGY, card="p0-003", target="p0-001")
    kaleido = make_state(p0={"active": (CINDERCUB, {"energy": [KALEIDO]})})
    assert [a.index for a in legal_actions(kaleido, catalog()) if a.kind is ActionKind.ATTACK] == [
        0
    ]


def test_lasting_effects_expire_and_end_when_leaving_the_active_spot() -> None:
    state = make_state(p0={"active": (MOSSNIP, {"energy": [GRASS]}), "bench": [ZAPKIT]})
    state.lasting_effects.extend(
        [
            LastingEffect(
                modifier={"kind": "hp", "amount": 30},
                player=0,
                target="p0-001",
                created_turn=5,
                expires_after_turn=None,
                until_leaves_active=True,
            ),
            LastingEffect(
                modifier={"kind": "damage_dealt", "amount": 10},
                player=0,
                created_turn=5,
                expires_after_turn=6,
            ),
        ]
    )
    mossnip = state.players[0].active
    assert mossnip is not None
    assert query.max_hp(_ctx(state), 0, mossnip) == 90
    act(state, ActionKind.RETREAT, target="p0-003", choice=("p0-002",))
    assert [e.modifier["kind"] for e in state.lasting_effects] == ["damage_dealt"]
    act(state, ActionKind.END_TURN)
    assert len(state.lasting_effects) == 1
    act(state, ActionKind.END_TURN)
    assert state.lasting_effects == []


def test_stadium_activated_effect_once_per_player_turn(null_executor: NullExecutor) -> None:
    state = make_state(p0={"active": MOSSNIP, "hand": [FESTIVAL_PLAZA]}, p1={"active": MOSSNIP})
    act(state, ActionKind.PLAY_TRAINER, card="p0-002")
    uses = [a for a in legal_actions(state, catalog()) if a.kind is ActionKind.USE_ABILITY]
    assert [(a.card, a.index) for a in uses] == [("p0-002", 0)]
    act(state, ActionKind.USE_ABILITY, card="p0-002", index=0)
    assert null_executor.ran[-1].source == "p0-002"
    with pytest.raises(IllegalActionError, match="already used the stadium"):
        act(state, ActionKind.USE_ABILITY, card="p0-002", index=0)
    act(state, ActionKind.END_TURN)
    act(state, ActionKind.USE_ABILITY, card="p0-002", index=0)
    assert state.players[1].stadium_used_this_turn


def test_activated_abilities_once_per_turn(null_executor: NullExecutor) -> None:
    state = make_state(p0={"active": MOSSNIP, "bench": [GOURDGALE]})
    card = catalog()[GOURDGALE]
    assert isinstance(card, CreatureCard)
    index = next(i for i, a in enumerate(card.abilities) if a.trigger == "activated")
    act(state, ActionKind.USE_ABILITY, card="p0-002", index=index)
    assert state.players[0].abilities_used_this_turn == [f"p0-002:{index}"]
    with pytest.raises(IllegalActionError, match="already used this turn"):
        act(state, ActionKind.USE_ABILITY, card="p0-002", index=index)
    passive = make_state(p0={"active": CUTLASSEEL})
    with pytest.raises(IllegalActionError, match="not an ability a player uses"):
        act(passive, ActionKind.USE_ABILITY, card="p0-001", index=0)
