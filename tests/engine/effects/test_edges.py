"""Edges of the executor: nothing to act on, normal evolution, choices in odd places,
cards that cannot be played."""

from __future__ import annotations

from typing import Any

from app.core.cards import EnergyType
from app.core.game_state import StatusCondition
from app.engine.effects import EXECUTOR
from tests.engine.effects.catalog_items import STAGE_1
from tests.engine.effects.table import ENERGY, FIRE_60, GRASS_60, WATER_60, Table

OWN_ONE = {"select": "choose", "side": "own", "zone": "in_play"}
OPP_ONE = {"select": "choose", "side": "opponent", "zone": "in_play"}


def test_can_play_refuses_what_is_not_a_playable_trainer() -> None:
    table = Table()
    (creature,) = table.put(0, "hand", GRASS_60)
    assert not EXECUTOR.can_play(table.ctx, 0, creature.instance_id)
    assert not EXECUTOR.can_play(table.ctx, 0, "nowhere")
    assert not EXECUTOR.can_play(table.ctx, 0, "nowhere:0")
    active = table.creature(0, GRASS_60, active=True)
    assert not EXECUTOR.can_play(table.ctx, 0, f"{active.instance_id}:0"), "it has no ability"
    elixir = table.put(0, "hand", "mv1-127")[0]
    assert not EXECUTOR.can_play(table.ctx, 0, elixir.instance_id), "no stage 2 in the hand"


def test_evolve_from_hand_without_skipping_evolves_a_benched_creature() -> None:
    table = Table()
    item = table.item_with([{"kind": "evolve_from_hand", "target": OWN_ONE, "skip_stage": False}])
    table.creature(0, FIRE_60, active=True)
    basic = table.creature(0, GRASS_60, damage=10)
    basic.status_conditions.append(StatusCondition.ASLEEP)
    (card,) = table.put(0, "hand", STAGE_1)
    table.play(item)
    for asked in ([basic.instance_id], [card.instance_id]):  # the creature, then the card
        choice = table.state.pending_choice
        assert choice is not None, "asked even when forced: what the hand holds is hidden"
        assert choice.options == asked
        table.answer(*asked)
    evolved = table.state.players[0].bench[0]
    assert evolved.instance_id == card.instance_id
    assert (evolved.damage, evolved.status_conditions) == (10, [])


def test_steps_with_nothing_to_act_on_do_nothing() -> None:
    table = Table()
    item = table.item_with(
        [
            {"kind": "switch", "side": "own"},
            {
                "kind": "move_energy",
                "from_creature": {"select": "choose", "side": "own", "zone": "bench"},
                "to_creature": {"select": "all", "side": "own", "zone": "active"},
            },
            {"kind": "heal", "target": {"select": "same"}, "amount": {"value": 10}},
            {"kind": "discard_stadium"},
            {"kind": "arrange_top", "count": 3},
            {"kind": "recover_from_discard", "count": 1},
            {"kind": "search_deck", "filter": {}, "to": "bench"},
        ]
    )
    table.creature(0, FIRE_60, active=True, damage=20)
    table.play(item)
    assert table.state.pending_choice is None
    kinds = {e.kind for e in table.ctx.events}
    assert kinds <= {"top_seen", "deck_shuffled"}


def test_moving_energy_to_the_same_creature_is_skipped() -> None:
    table = Table()
    item = table.item_with(
        [
            {
                "kind": "move_energy",
                "from_creature": {"select": "all", "side": "own", "zone": "active"},
                "to_creature": {"select": "all", "side": "own", "zone": "active"},
            }
        ]
    )
    table.creature(0, FIRE_60, active=True, energy=[ENERGY[EnergyType.FIRE]])
    table.play(item)
    assert table.events("energy_moved") == []


def test_choices_inside_status_return_and_attach_steps() -> None:
    steps: list[dict[str, Any]] = [
        {"kind": "apply_status", "target": OPP_ONE, "status": "asleep"},
        {"kind": "return_to_hand", "target": {**OWN_ONE, "zone": "bench"}},
        {"kind": "attach_energy", "energy": {}, "target": OWN_ONE},
    ]
    table = Table()
    item = table.item_with(steps)
    mine = table.creature(0, FIRE_60, active=True)
    benched = [table.creature(0, GRASS_60), table.creature(0, WATER_60)]
    theirs = table.creature(1, GRASS_60, active=True)
    table.creature(1, FIRE_60)
    table.put(0, "discard", "mv1-157")
    table.play(item)
    table.answer(theirs.instance_id)
    assert theirs.status_conditions == [StatusCondition.ASLEEP]
    table.answer(benched[1].instance_id)
    assert table.ids(0, "hand") == [WATER_60]
    table.answer(mine.instance_id)
    assert [e.definition_id for e in mine.attached_energy] == ["mv1-157"]


def test_a_trigger_that_asks_twice_resumes_twice() -> None:
    table = Table()
    card = table.print_card(
        {
            "card_type": "creature",
            "name": "Twice",
            "stage": "basic",
            "hp": 60,
            "element": "grass",
            "attacks": [{"name": "Tap", "damage": 10}],
            "abilities": [
                {
                    "name": "Twice",
                    "text": "test",
                    "trigger": "on_play",
                    "steps": [
                        {"kind": "heal", "target": OWN_ONE, "amount": {"value": 10}},
                        {"kind": "heal", "target": OWN_ONE, "amount": {"value": 10}},
                    ],
                }
            ],
        }
    )
    first = table.creature(0, FIRE_60, active=True, damage=30)
    played = table.creature(0, card)
    assert not EXECUTOR.fire(table.ctx, "on_play", 0, played.instance_id)
    assert table.answer(first.instance_id) is None, "the second heal asks again"
    assert table.answer(first.instance_id) is not None
    assert first.damage == 10
