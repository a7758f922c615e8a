"""Finding printed steps again from a continuation, and refusing what is not printed."""

from __future__ import annotations

import pytest

from app.core.game_state import ChoiceSource
from app.engine.effects import EXECUTOR
from app.engine.effects.locate import find_definition, locate_steps, step_tuples, steps_at
from app.engine.errors import EngineError
from app.engine.hooks import EffectRun
from tests.engine.effects.table import FIRE_60, GRASS_60, STEPS, Table

BENCH_ONE = {"select": "choose", "side": "opponent", "zone": "bench"}


def test_every_kind_of_card_lists_its_step_tuples() -> None:
    table = Table()
    assert [(loc, i) for loc, i, _ in step_tuples(table.index.cards["mv1-154"])] == [("trigger", 0)]
    assert [(loc, i) for loc, i, _ in step_tuples(table.index.cards["mv1-149"])] == [
        ("effects", 0),
        ("trigger", 0),
    ]
    assert ("attack", 1) in [(loc, i) for loc, i, _ in step_tuples(table.index.cards["mv1-001"])]


def test_held_cards_and_the_stadium_are_found() -> None:
    table = Table()
    creature = table.creature(0, FIRE_60, active=True, energy=["mv1-157"], tool="mv1-134")
    stadium = table.stadium("mv1-148")
    assert find_definition(table.state, creature.attached_energy[0].instance_id) == "mv1-157"
    assert creature.attached_tool is not None
    assert find_definition(table.state, creature.attached_tool.instance_id) == "mv1-134"
    assert find_definition(table.state, stadium.instance_id) == "mv1-148"
    assert find_definition(table.state, "nowhere") is None


def test_equal_steps_are_located_even_when_not_the_same_object() -> None:
    table = Table()
    attacker = table.attacker_with(
        [{"kind": "damage", "target": BENCH_ONE, "amount": {"value": 20}}]
    )
    creature = table.creature(0, attacker, active=True)
    printed = table.index.creature(attacker).attacks[0].effects
    copy = STEPS.validate_python([s.model_dump() for s in printed])
    run = EffectRun(ChoiceSource.ATTACK, 0, creature.instance_id, 0)
    assert locate_steps(table.ctx, run, copy) == [attacker, "attack", 0]


def test_steps_that_are_printed_nowhere_are_refused() -> None:
    table = Table()
    creature = table.creature(0, GRASS_60, active=True)
    table.stadium("mv1-148")
    table.creature(1, FIRE_60, active=True)
    table.creature(1, FIRE_60)
    table.creature(1, FIRE_60)
    loose = STEPS.validate_python(
        [{"kind": "damage", "target": BENCH_ONE, "amount": {"value": 10}}]
    )
    run = EffectRun(ChoiceSource.ATTACK, 0, creature.instance_id, 0)
    with pytest.raises(EngineError, match="cannot find where the steps"):
        EXECUTOR.run(table.ctx, run, loose)
    with pytest.raises(EngineError, match="no steps at"):
        steps_at(table.ctx, ["mv1-001", "attack", 9])
    with pytest.raises(EngineError, match="no steps at"):
        steps_at(table.ctx, ["zz-999", "attack", 0])
