"""Energy steps on hand-built tables: attach from the discard pile, discard, move."""

from __future__ import annotations

from app.core.cards import EnergyType
from tests.engine.effects.table import ENERGY, FIRE_60, GRASS_60, WATER_60, Table

FIRE, WATER, GRASS = ENERGY[EnergyType.FIRE], ENERGY[EnergyType.WATER], ENERGY[EnergyType.GRASS]
OWN_BENCH_UP_TO_2 = {"select": "choose", "side": "own", "zone": "bench", "count": 2, "up_to": True}


def test_attach_energy_gives_each_chosen_target_its_own_energy() -> None:
    table = Table()
    item = table.item_with(
        [
            {
                "kind": "attach_energy",
                "energy": {"types": ["fire"], "basic_only": True},
                "target": OWN_BENCH_UP_TO_2,
            }
        ]
    )
    table.creature(0, GRASS_60, active=True)
    first, second, third = (table.creature(0, d) for d in (FIRE_60, WATER_60, GRASS_60))
    table.put(0, "discard", FIRE, WATER, FIRE, "mv1-154")
    table.play(item)
    choice = table.state.pending_choice
    assert choice is not None
    assert (choice.min_count, choice.max_count) == (0, 2)
    table.answer(first.instance_id, third.instance_id)
    assert [e.definition_id for e in first.attached_energy] == [FIRE]
    assert [e.definition_id for e in third.attached_energy] == [FIRE]
    assert second.attached_energy == []
    assert FIRE not in table.ids(0, "discard")
    table.valid()


def test_attach_energy_with_nothing_to_attach_asks_nothing() -> None:
    table = Table()
    item = table.item_with(
        [{"kind": "attach_energy", "energy": {"types": ["fire"]}, "target": OWN_BENCH_UP_TO_2}]
    )
    table.creature(0, GRASS_60, active=True)
    table.creature(0, FIRE_60)
    table.creature(0, WATER_60)
    table.play(item)
    assert table.state.pending_choice is None
    assert table.events("energy_attached") == []


def test_discard_energy_of_a_type_and_by_the_opponents_choice() -> None:
    table = Table()
    item = table.item_with(
        [
            {
                "kind": "discard_energy",
                "target": {"select": "all", "side": "own", "zone": "active"},
                "energy": {"types": ["fire"]},
            }
        ]
    )
    creature = table.creature(0, FIRE_60, active=True, energy=[GRASS, FIRE, FIRE])
    table.play(item)
    assert [e.definition_id for e in creature.attached_energy] == [GRASS, FIRE]
    assert table.ids(0, "discard")[-1] == FIRE

    table = Table()
    item = table.item_with(
        [
            {
                "kind": "discard_energy",
                "target": {"select": "all", "side": "opponent", "zone": "active"},
                "chooser": "opponent",
            }
        ]
    )
    defender = table.creature(1, FIRE_60, active=True, energy=[GRASS, FIRE])
    table.play(item)
    choice = table.state.pending_choice
    assert choice is not None
    assert choice.player == 1
    table.answer(defender.attached_energy[1].instance_id)
    assert [e.definition_id for e in defender.attached_energy] == [GRASS]
    assert table.ids(1, "discard") == [FIRE]


def test_move_energy_from_a_benched_creature_to_the_active() -> None:
    table = Table()
    item = table.item_with(
        [
            {
                "kind": "move_energy",
                "from_creature": {"select": "choose", "side": "own", "zone": "bench"},
                "to_creature": {"select": "all", "side": "own", "zone": "active"},
            }
        ]
    )
    active = table.creature(0, GRASS_60, active=True)
    table.creature(0, FIRE_60)
    giver = table.creature(0, WATER_60, energy=[WATER, WATER])
    table.play(item)
    assert table.state.pending_choice is None, "only one benched creature has energy"
    assert [e.definition_id for e in active.attached_energy] == [WATER]
    assert len(giver.attached_energy) == 1
