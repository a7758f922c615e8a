"""Creature steps on hand-built tables: status, heal, switch, return to hand, evolve."""

from __future__ import annotations

from app.core.game_state import StatusCondition
from tests.engine.effects.table import FIRE_60, GRASS_60, WATER_60, Table

OPP_ACTIVE = {"select": "all", "side": "opponent", "zone": "active"}
OWN_ANY_ONE = {"select": "choose", "side": "own", "zone": "in_play"}


def test_apply_status_sticks_to_actives_unless_immune() -> None:
    table = Table()
    item = table.item_with(
        [
            {
                "kind": "apply_status",
                "target": {**OPP_ACTIVE, "zone": "in_play"},
                "status": "poisoned",
            },
            {"kind": "apply_status", "target": OPP_ACTIVE, "status": "asleep"},
            {"kind": "apply_status", "target": OPP_ACTIVE, "status": "confused"},
        ]
    )
    defender = table.creature(1, GRASS_60, active=True)
    benched = table.creature(1, FIRE_60)
    table.play(item)
    assert defender.status_conditions == [StatusCondition.POISONED, StatusCondition.CONFUSED]
    assert benched.status_conditions == []

    table = Table()
    item = table.item_with([{"kind": "apply_status", "target": OPP_ACTIVE, "status": "burned"}])
    defender = table.creature(1, GRASS_60, active=True)
    table.lasting(defender, {"kind": "status_immunity"})
    table.play(item)
    assert defender.status_conditions == []
    assert table.events("status_blocked")


def test_heal_and_cure_one_chosen_creature() -> None:
    table = Table()
    item = table.item_with(
        [{"kind": "heal", "target": OWN_ANY_ONE, "amount": {"value": 60}, "cure": True}]
    )
    hurt = table.creature(0, GRASS_60, active=True, damage=50)
    hurt.status_conditions.append(StatusCondition.POISONED)
    other = table.creature(0, FIRE_60, damage=20)
    table.play(item)
    choice = table.state.pending_choice
    assert choice is not None
    assert choice.kind == "target"
    assert choice.options == [hurt.instance_id, other.instance_id]
    table.answer(hurt.instance_id)
    assert (hurt.damage, hurt.status_conditions, other.damage) == (0, [], 20)


def test_own_switch_gust_and_forced_switch() -> None:
    table = Table()
    item = table.item_with([{"kind": "switch", "side": "own"}])
    mine = table.creature(0, GRASS_60, active=True)
    mine.status_conditions.append(StatusCondition.ASLEEP)
    benched = table.creature(0, FIRE_60)
    table.play(item)
    assert table.state.players[0].active is benched, "one benched creature: no choice to ask"
    assert mine.status_conditions == [], "benching cures"

    table = Table()
    gust = table.item_with([{"kind": "switch", "side": "opponent"}])
    table.creature(1, GRASS_60, active=True)
    first, second = table.creature(1, FIRE_60), table.creature(1, WATER_60)
    table.play(gust)
    choice = table.state.pending_choice
    assert choice is not None
    assert choice.player == 0, "a gust is chosen by the player"
    table.answer(second.instance_id)
    assert table.state.players[1].active is second
    assert first in table.state.players[1].bench

    table = Table()
    forced = table.item_with([{"kind": "switch", "side": "opponent", "chooser": "opponent"}])
    table.creature(1, GRASS_60, active=True)
    table.creature(1, FIRE_60)
    table.creature(1, WATER_60)
    table.play(forced)
    choice = table.state.pending_choice
    assert choice is not None
    assert choice.player == 1, "a forced switch is chosen by its victim"


def test_optional_switch_may_be_declined_and_anchors_hold() -> None:
    table = Table()
    item = table.item_with([{"kind": "switch", "side": "own", "optional": True}])
    mine = table.creature(0, GRASS_60, active=True)
    table.creature(0, FIRE_60)
    table.play(item)
    choice = table.state.pending_choice
    assert choice is not None
    assert choice.min_count == 0
    assert table.answer() is not None
    assert table.state.players[0].active is mine

    table = Table()
    gust = table.item_with([{"kind": "switch", "side": "opponent"}])
    anchored = table.creature(1, GRASS_60, active=True)
    table.creature(1, FIRE_60)
    table.lasting(anchored, {"kind": "prevent_forced_switch"})
    table.play(gust)
    assert table.state.players[1].active is anchored
    assert table.events("switch_prevented")


def test_return_to_hand_with_or_without_the_attached_cards() -> None:
    table = Table()
    item = table.item_with(
        [{"kind": "return_to_hand", "target": {"select": "choose", "side": "own", "zone": "bench"}}]
    )
    table.creature(0, GRASS_60, active=True)
    table.creature(0, FIRE_60, energy=["mv1-157"], tool="mv1-136", damage=30)
    table.play(item)
    assert table.state.players[0].bench == []
    assert sorted(table.ids(0, "hand")) == sorted([FIRE_60, "mv1-157", "mv1-136"])
    table.valid()

    table = Table()
    bell = table.item_with(
        [
            {
                "kind": "return_to_hand",
                "target": {"select": "choose", "side": "own", "zone": "bench"},
                "attached": "discard",
            }
        ]
    )
    table.creature(0, GRASS_60, active=True)
    table.creature(0, FIRE_60, energy=["mv1-157"])
    table.play(bell)
    assert table.ids(0, "hand") == [FIRE_60]
    assert "mv1-157" in table.ids(0, "discard")


def test_evolve_from_hand_skips_the_stage_one() -> None:
    table = Table()
    basic, stage_two = _skip_line(table)
    elixir = table.item_with(
        [
            {
                "kind": "evolve_from_hand",
                "target": {
                    "select": "choose",
                    "side": "own",
                    "zone": "in_play",
                    "filter": {"stages": ["basic"]},
                },
            }
        ]
    )
    creature = table.creature(0, basic, active=True, damage=20, energy=["mv1-156"])
    table.creature(0, FIRE_60)
    (card,) = table.put(0, "hand", stage_two)
    table.play(elixir)
    table.answer(creature.instance_id)  # one target and one card, still asked:
    table.answer(card.instance_id)  # what the hand holds is hidden
    evolved = table.state.players[0].active
    assert evolved is not None
    assert evolved.instance_id == card.instance_id
    assert evolved.definition_id == stage_two
    assert (evolved.damage, len(evolved.attached_energy)) == (20, 1)
    assert [c.instance_id for c in evolved.evolved_from] == [creature.instance_id]
    assert evolved.turn_played == table.state.turn_number
    table.valid()


def _skip_line(table: Table) -> tuple[str, str]:
    """A basic and a stage 2 of its line, from the catalog."""
    index = table.index
    for stage_two in index.creatures.values():
        if stage_two.stage.value != "stage_2":
            continue
        for stage_one in index.creatures.values():
            if stage_one.name == stage_two.evolves_from and stage_one.evolves_from:
                for basic in index.creatures.values():
                    if basic.name == stage_one.evolves_from and basic.stage.value == "basic":
                        return basic.id, stage_two.id
    raise AssertionError("the catalog has no stage 2 line")
