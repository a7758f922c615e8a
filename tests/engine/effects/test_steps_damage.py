"""Damage steps on hand-built tables: bonus, set, coin flips, damage, counters, recoil."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.core.cards import EnergyType
from app.core.game_state import CardInstance, StatusCondition
from tests.engine.effects.table import ENERGY, FIRE_60, GRASS_60, WATER_60, Table

OPP_ACTIVE = {"select": "all", "side": "opponent", "zone": "active"}
OPP_BENCH_ONE = {"select": "choose", "side": "opponent", "zone": "bench"}
GRASS = ENERGY[EnergyType.GRASS]


def duel(
    steps: list[dict[str, Any]], *, damage: int = 30, hurt: int = 0, energy: Sequence[str] = ()
) -> Table:
    """Player 0's tester (attack 0 runs `steps`) against a 60 HP Grass creature."""
    table = Table()
    table.creature(
        0, table.attacker_with(steps, damage=damage), active=True, damage=hurt, energy=energy
    )
    table.creature(1, GRASS_60, active=True)
    return table


def active(table: Table, seat: int) -> CardInstance:
    """The active creature of a seat (asserted present)."""
    creature = table.state.players[seat].active
    assert creature is not None
    return creature


def test_damage_bonus_adds_to_the_attack() -> None:
    table = duel([{"kind": "damage_bonus", "amount": {"value": 20}}])
    run = table.attack()
    assert run.main_damage_done
    assert active(table, 1).damage == 50


def test_a_condition_skips_a_step_that_does_not_apply() -> None:
    bonus = {
        "kind": "damage_bonus",
        "amount": {"value": 30},
        "condition": {"kind": "target_damaged"},
    }
    table = duel([bonus])
    table.attack()
    assert active(table, 1).damage == 30
    table = duel([bonus])
    active(table, 1).damage = 10
    table.attack()
    assert active(table, 1).damage == 10 + 60


def test_set_damage_per_heads_counts_the_coins() -> None:
    table = duel(
        [
            {"kind": "coin_flip", "count": 3},
            {"kind": "set_damage", "amount": {"per": "heads", "per_value": 20, "cap": 3}},
        ],
        damage=20,
    )
    table.coins(False, True, True)
    table.attack()
    assert active(table, 1).damage == 40
    assert len(table.events("coin_flipped")) == 3


def test_amounts_scale_with_energy_beyond_cost_bench_and_own_damage() -> None:
    per_energy = {
        "kind": "damage_bonus",
        "amount": {"per": "energy_beyond_cost", "per_value": 20, "cap": 2},
    }
    table = duel([per_energy], damage=10, energy=[GRASS, GRASS, GRASS])
    table.attack()
    assert active(table, 1).damage == 10 + 40, "capped at 2 of the 3 energy beyond a free cost"

    per_bench = {"kind": "set_damage", "amount": {"per": "own_benched", "per_value": 10, "cap": 5}}
    table = duel([per_bench], damage=10)
    table.creature(0, FIRE_60)
    table.creature(0, WATER_60)
    table.attack()
    assert active(table, 1).damage == 20

    per_counter = {
        "kind": "damage_bonus",
        "amount": {"per": "damage_counters_on_source", "per_value": 10, "cap": 10},
    }
    table = duel([per_counter], damage=10, hurt=30)
    table.attack()
    assert active(table, 1).damage == 40


def test_a_single_coin_runs_the_branch_of_its_result() -> None:
    flip = {
        "kind": "coin_flip",
        "on_heads": [{"kind": "apply_status", "target": OPP_ACTIVE, "status": "paralyzed"}],
        "on_tails": [{"kind": "self_damage", "amount": 10}],
    }
    table = duel([flip])
    table.coins(True)
    table.attack()
    assert active(table, 1).status_conditions == [StatusCondition.PARALYZED]
    assert active(table, 0).damage == 0
    table = duel([flip])
    table.coins(False)
    table.attack()
    assert active(table, 1).status_conditions == []
    assert active(table, 0).damage == 10


def test_bench_damage_follows_the_main_hit_and_asks_which_creature() -> None:
    table = duel([{"kind": "damage", "target": OPP_BENCH_ONE, "amount": {"value": 20}}])
    first = table.creature(1, FIRE_60)
    second = table.creature(1, WATER_60)
    run = table.attack()
    choice = table.state.pending_choice
    assert choice is not None
    assert choice.player == 0
    assert choice.options == [first.instance_id, second.instance_id]
    assert run.main_damage_done, "the main damage is dealt before the bench step asks"
    assert active(table, 1).damage == 30
    finished = table.answer(second.instance_id)
    assert finished is not None
    assert finished.main_damage_done
    assert (first.damage, second.damage) == (0, 20), "no weakness on the bench"
    assert table.state.pending_choice is None
    table.valid()


def test_bench_damage_from_an_attack_obeys_prevention_and_reduction() -> None:
    table = duel(
        [{"kind": "damage", "target": {**OPP_BENCH_ONE, "select": "all"}, "amount": {"value": 30}}]
    )
    shielded = table.creature(1, FIRE_60)
    braced = table.creature(1, WATER_60)
    table.lasting(shielded, {"kind": "prevent_damage"})
    table.lasting(braced, {"kind": "damage_taken", "amount": -20})
    table.attack()
    assert shielded.damage == 0
    assert braced.damage == 10


def test_damage_from_a_trainer_is_plain_and_counters_are_never_modified() -> None:
    table = Table()
    item = table.item_with(
        [
            {"kind": "damage", "target": OPP_ACTIVE, "amount": {"value": 20}},
            {"kind": "place_counters", "target": OPP_ACTIVE, "count": 2},
        ]
    )
    defender = table.creature(1, GRASS_60, active=True)
    table.lasting(defender, {"kind": "prevent_damage"})
    table.play(item)
    assert defender.damage == 40
    assert table.events("counters_placed") == [{"card": defender.instance_id, "counters": 2}]


def test_recoil_hits_the_attacker_after_its_attack() -> None:
    table = duel([{"kind": "self_damage", "amount": 30}], damage=60)
    table.attack()
    assert active(table, 0).damage == 30
    kinds = [e.kind for e in table.ctx.events]
    assert kinds.index("damaged") < len(kinds) - 1
    assert [e.data["card"] for e in table.ctx.events if e.kind == "damaged"] == [
        active(table, 1).instance_id,
        active(table, 0).instance_id,
    ]
