"""Every trigger kind on hand-built tables: activated, on_play, on_attach,
on_damaged_by_attack, on_knocked_out, end_of_turn, plus optional triggers and the
queue of triggers a moment fires."""

from __future__ import annotations

from typing import Any

from app.core.cards import EnergyType
from app.core.game_state import ChoiceSource, TurnPhase
from app.engine.effects import EXECUTOR
from tests.engine.effects.table import ENERGY, FIRE_60, GRASS_60, WATER_60, Table

ATTACKER = {"select": "attacker"}


def holder(table: Table, abilities: list[dict[str, Any]], *, hp: int = 100) -> str:
    """A basic creature with `abilities` and a plain 10-damage attack."""
    return table.print_card(
        {
            "card_type": "creature",
            "name": "Holder",
            "stage": "basic",
            "hp": hp,
            "element": "water",
            "attacks": [{"name": "Tap", "damage": 10}],
            "abilities": abilities,
        }
    )


def ability(trigger: str, steps: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """An ability of `trigger` running `steps`."""
    return {"name": "Test", "text": "test", "trigger": trigger, "steps": steps, **extra}


def test_activated_ability_condition_is_checked_by_can_play() -> None:
    table = Table()
    card = holder(
        table,
        [
            ability(
                "activated",
                [{"kind": "draw", "count": {"value": 1}}],
                limit="once_per_turn",
                condition={"kind": "source_active"},
            )
        ],
    )
    benched = table.creature(0, card)
    table.creature(0, GRASS_60, active=True)
    assert not EXECUTOR.can_play(table.ctx, 0, f"{benched.instance_id}:0")
    assert not EXECUTOR.can_play(table.ctx, 1, f"{benched.instance_id}:0"), "not the owner"
    assert not EXECUTOR.can_play(table.ctx, 0, f"{benched.instance_id}:5")
    active = table.creature(0, card, active=True)
    assert EXECUTOR.can_play(table.ctx, 0, f"{active.instance_id}:0")
    table.put(0, "deck", FIRE_60)
    table.use(active)
    assert table.ids(0, "hand") == [FIRE_60]


def test_on_play_optional_trigger_asks_first() -> None:
    table = Table()
    card = holder(
        table, [ability("on_play", [{"kind": "draw", "count": {"value": 2}}], optional=True)]
    )
    table.put(0, "deck", FIRE_60, WATER_60, GRASS_60)
    played = table.creature(0, card)
    assert not EXECUTOR.fire(table.ctx, "on_play", 0, played.instance_id)
    choice = table.state.pending_choice
    assert choice is not None
    assert (choice.kind, choice.options, choice.min_count) == ("use_trigger", ["use"], 0)
    run = table.answer("use")
    assert run is not None
    assert run.source_kind is ChoiceSource.TRIGGER
    assert len(table.state.players[0].hand) == 2

    assert not EXECUTOR.fire(table.ctx, "on_play", 0, played.instance_id)
    assert table.answer() is not None
    assert len(table.state.players[0].hand) == 2, "declined: nothing drawn"


def test_on_attach_fires_for_the_attached_energy_with_its_filter() -> None:
    table = Table()
    kaleido, tidecall = "tst-002", "mv2-122"
    table.put(0, "deck", FIRE_60, FIRE_60)
    water = table.creature(0, WATER_60, active=True, energy=[tidecall])
    grass = table.creature(0, GRASS_60, energy=[tidecall, kaleido])
    assert EXECUTOR.fire(table.ctx, "on_attach", 0, water.attached_energy[0].instance_id)
    assert len(table.state.players[0].hand) == 1
    assert EXECUTOR.fire(table.ctx, "on_attach", 0, grass.attached_energy[0].instance_id)
    assert len(table.state.players[0].hand) == 1, "Tidecall draws only on a Water creature"
    assert EXECUTOR.fire(table.ctx, "on_attach", 0, grass.instance_id)
    assert grass.damage == 10, "by creature: its newest energy (Kaleido) fires"


def test_on_damaged_by_attack_hits_back_the_attacker() -> None:
    table = Table()
    card = holder(
        table,
        [
            ability(
                "on_damaged_by_attack",
                [{"kind": "damage", "target": ATTACKER, "amount": {"value": 20}}],
                condition={"kind": "source_active"},
            )
        ],
    )
    attacker = table.creature(0, GRASS_60, active=True)
    table.creature(1, card, active=True)
    table.attack()
    assert attacker.damage == 20


def test_on_knocked_out_needs_an_attacker_for_attacker_steps() -> None:
    table = Table()
    card = holder(
        table,
        [ability("on_knocked_out", [{"kind": "place_counters", "target": ATTACKER, "count": 3}])],
    )
    attacker = table.creature(0, GRASS_60, active=True)
    victim = table.creature(1, card, active=True)
    assert EXECUTOR.fire(table.ctx, "on_knocked_out", 1, victim.instance_id)
    assert attacker.damage == 0, "not during an attack: no attacker"
    table.state.phase = TurnPhase.ATTACK
    assert EXECUTOR.fire(table.ctx, "on_knocked_out", 1, victim.instance_id)
    assert attacker.damage == 30, "during an attack the current active is the attacker"
    assert EXECUTOR.fire(
        table.ctx, "on_knocked_out", 1, victim.instance_id, attacker=attacker.instance_id
    )
    assert attacker.damage == 60


def test_end_of_turn_runs_every_trigger_of_the_player_in_order() -> None:
    table = Table()
    band, mending = "mv2-106", "mv1-155"
    first = table.creature(0, GRASS_60, active=True, damage=30, tool=band)
    second = table.creature(0, FIRE_60, damage=30, energy=[mending])
    other = table.creature(1, WATER_60, active=True, damage=30, tool=band)
    assert EXECUTOR.fire(table.ctx, "end_of_turn", 0, None)
    assert (first.damage, second.damage, other.damage) == (20, 20, 30)
    assert [e["card"] for e in table.events("healed")] == [first.instance_id, second.instance_id]


def test_a_moment_stopped_by_a_choice_finishes_its_queue_after_the_answer() -> None:
    table = Table()
    chooser = holder(
        table,
        [
            ability(
                "on_play",
                [
                    {
                        "kind": "heal",
                        "target": {"select": "choose", "side": "own", "zone": "in_play"},
                        "amount": {"value": 30},
                    }
                ],
            ),
            ability("on_play", [{"kind": "draw", "count": {"value": 1}}]),
        ],
    )
    table.put(0, "deck", FIRE_60)
    hurt = table.creature(0, GRASS_60, active=True, damage=40)
    played = table.creature(0, chooser)
    assert not EXECUTOR.fire(table.ctx, "on_play", 0, played.instance_id)
    restored = table.valid()
    assert restored.pending_choice is not None
    table.answer(hurt.instance_id)
    assert hurt.damage == 10
    assert table.ids(0, "hand") == [FIRE_60], "the second trigger ran after the answer"


def test_unknown_moments_and_cards_fire_nothing() -> None:
    table = Table()
    table.creature(0, GRASS_60, active=True, energy=[ENERGY[EnergyType.GRASS]])
    assert EXECUTOR.fire(table.ctx, "start_of_turn", 0, None)
    assert EXECUTOR.fire(table.ctx, "on_play", 0, "not-a-card")
    assert EXECUTOR.fire(table.ctx, "on_attach", 0, "not-a-card")
    assert table.ctx.events == []


def test_a_stadiums_activated_trigger_is_usable_only_when_its_condition_holds() -> None:
    table = Table()
    amphitheater = table.stadium("mv1-151")
    grass = table.creature(0, GRASS_60, active=True)
    key = f"{amphitheater.instance_id}:0"
    assert not EXECUTOR.can_play(table.ctx, 0, key), "no damaged Grass active"
    grass.damage = 20
    assert EXECUTOR.can_play(table.ctx, 0, key)
    assert not EXECUTOR.can_play(table.ctx, 0, f"{amphitheater.instance_id}:3")
    quarry = table.stadium("mv1-148")
    assert not EXECUTOR.can_play(table.ctx, 0, f"{quarry.instance_id}:0"), "no activated trigger"
