"""Every modifier kind, put in force by an ``add_lasting`` step and read where the rules
ask (`app.engine.query`, `app.engine.combat`, the executor's own handlers).

These are the executor's side of modifiers: the step stores the modifier with the
right holder, owner and expiry, and the engine's single lookup then applies it.
"""

from __future__ import annotations

from typing import Any

from app.core.game_state import CardInstance, ChoiceSource, PlayerIndex, StatusCondition
from app.engine import combat, knockout, query
from app.engine.hooks import EffectRun
from tests.engine.effects.table import FIRE_60, GRASS_60, WATER_60, Table

SELF = {"select": "source"}
OPP_ACTIVE = {"select": "all", "side": "opponent", "zone": "active"}


def lasting(
    modifier: dict[str, Any], target: dict[str, Any] | None = SELF, duration: str = "this_turn"
) -> Table:
    """Player 0's tester (FIRE_60 on the other side) whose attack adds `modifier`."""
    step: dict[str, Any] = {"kind": "add_lasting", "modifier": modifier, "duration": duration}
    if target is not None:
        step["target"] = target
    table = Table()
    table.creature(0, table.attacker_with([step], damage=10), active=True)
    table.creature(1, FIRE_60, active=True)
    table.creature(1, WATER_60)
    table.attack()
    assert table.events("lasting_added"), "the step added its effect"
    return table


def active(table: Table, seat: PlayerIndex) -> CardInstance:
    """The active creature of a seat."""
    creature = table.state.players[seat].active
    assert creature is not None
    return creature


def hit(table: Table, attacker_seat: PlayerIndex, base: int = 30) -> int:
    """What the attacker's active would deal to the other active for `base` damage."""
    other: PlayerIndex = 1 if attacker_seat == 0 else 0
    return combat.modified_damage(
        table.ctx, attacker_seat, active(table, attacker_seat), active(table, other), base
    )


def test_damage_dealt_for_all_own_creatures_this_turn() -> None:
    table = lasting({"kind": "damage_dealt", "amount": 20, "scope": {"kind": "all_own"}}, None)
    assert hit(table, 0) == 50
    (effect,) = table.state.lasting_effects
    assert (effect.player, effect.target, effect.expires_after_turn) == (0, None, 3)


def test_damage_taken_and_prevent_damage_on_the_holder_next_turn() -> None:
    table = lasting({"kind": "damage_taken", "amount": -20}, duration="opponent_next_turn")
    assert hit(table, 1) == 10
    (effect,) = table.state.lasting_effects
    assert (effect.target, effect.expires_after_turn, effect.until_leaves_active) == (
        active(table, 0).instance_id,
        4,
        True,
    )
    table = lasting({"kind": "prevent_damage"}, duration="opponent_next_turn")
    assert hit(table, 1) == 0


def test_hp_retreat_cost_and_free_retreat() -> None:
    table = lasting({"kind": "hp", "amount": 20})
    assert query.max_hp(table.ctx, 0, active(table, 0)) == 120
    table = lasting({"kind": "retreat_cost", "amount": 1}, OPP_ACTIVE)
    printed = table.index.creature(FIRE_60).retreat_cost
    assert query.retreat_cost(table.ctx, 1, active(table, 1)) == printed + 1
    table = lasting({"kind": "free_retreat"}, OPP_ACTIVE)
    assert query.retreat_cost(table.ctx, 1, active(table, 1)) == 0


def test_attack_cost_reduction() -> None:
    table = lasting({"kind": "attack_cost", "amount": -1, "energy": "colorless"}, OPP_ACTIVE)
    defender = active(table, 1)
    attack = table.index.creature(FIRE_60).attacks[-1]
    assert len(query.attack_cost(table.ctx, 1, defender, attack)) == len(attack.cost) - 1


def test_cannot_retreat_and_cannot_attack() -> None:
    table = lasting({"kind": "cannot_retreat"}, OPP_ACTIVE, "opponent_next_turn")
    assert query.can_retreat(table.ctx, 1, active(table, 1)) is not None
    table = lasting({"kind": "cannot_attack"}, duration="own_next_turn")
    assert query.attack_blocked(table.ctx, 0, active(table, 0)) is not None
    assert table.state.lasting_effects[0].expires_after_turn == 5


def test_status_immunity_blocks_a_later_status() -> None:
    table = Table()
    table.creature(
        0,
        table.attacker_with(
            [
                {
                    "kind": "add_lasting",
                    "target": OPP_ACTIVE,
                    "modifier": {"kind": "status_immunity"},
                    "duration": "this_turn",
                },
                {"kind": "apply_status", "target": OPP_ACTIVE, "status": "poisoned"},
            ]
        ),
        active=True,
    )
    defender = table.creature(1, GRASS_60, active=True)
    table.attack()
    assert StatusCondition.POISONED not in defender.status_conditions


def test_prevent_forced_switch_holds_the_active() -> None:
    table = Table()
    table.creature(
        0,
        table.attacker_with(
            [
                {
                    "kind": "add_lasting",
                    "target": OPP_ACTIVE,
                    "modifier": {"kind": "prevent_forced_switch"},
                    "duration": "this_turn",
                },
                {"kind": "switch", "side": "opponent", "chooser": "opponent"},
            ]
        ),
        active=True,
    )
    defender = table.creature(1, GRASS_60, active=True)
    table.creature(1, FIRE_60)
    table.attack()
    assert table.state.players[1].active is defender


def test_no_weakness_removes_the_weakness() -> None:
    table = lasting({"kind": "no_weakness"}, OPP_ACTIVE)
    defender = active(table, 1)
    attacker = table.creature(0, WATER_60)
    assert combat.modified_damage(table.ctx, 0, attacker, defender, 30) == 30


def test_survive_at_full_hp_leaves_ten_hp() -> None:
    table = lasting({"kind": "survive_at_full_hp", "remaining_hp": 10}, OPP_ACTIVE)
    defender = active(table, 1)
    defender.damage = 0
    run = EffectRun(ChoiceSource.ATTACK, 0, active(table, 0).instance_id, 0, damage=200)
    combat.deal_attack_damage(table.ctx, run)
    knockout.resolve(table.ctx)
    assert table.state.players[1].active is defender
    assert query.remaining_hp(table.ctx, 1, defender) == 10
