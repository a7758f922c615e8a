"""The effect vocabulary: each union refuses unknown kinds and parameters, and the shape
rules (targets, scaling amounts, coin flips, lasting effects, triggers) hold."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from app.core.effects import (
    AddLasting,
    Amount,
    CoinFlip,
    Condition,
    Modifier,
    Per,
    Select,
    Step,
    Target,
    Trigger,
    TriggerKind,
    uses_source,
    walk_steps,
)

STEP: TypeAdapter[Step] = TypeAdapter(Step)
MODIFIER: TypeAdapter[Modifier] = TypeAdapter(Modifier)
CONDITION: TypeAdapter[Condition] = TypeAdapter(Condition)

OPP_ACTIVE = {"select": "all", "side": "opponent", "zone": "active"}


def test_a_step_round_trips_through_json() -> None:
    raw = {
        "kind": "coin_flip",
        "on_heads": [{"kind": "apply_status", "target": OPP_ACTIVE, "status": "asleep"}],
    }
    step = STEP.validate_python(raw)
    assert isinstance(step, CoinFlip)
    again = STEP.validate_json(STEP.dump_json(step))
    assert again == step
    assert [s.kind for s in walk_steps((step,))] == ["coin_flip", "apply_status"]


@pytest.mark.parametrize(
    ("adapter", "raw", "message"),
    [
        (STEP, {"kind": "totally_made_up"}, "does not match any of the expected tags"),
        (STEP, {"kind": "draw", "count": {"value": 1}, "foo": 1}, "Extra inputs"),
        (STEP, {"kind": "draw"}, "count\n  Field required"),
        (STEP, {"kind": "draw", "count": {"value": "1"}}, "valid integer"),
        (MODIFIER, {"kind": "hp", "amount": 15}, "multiple of 10"),
        (MODIFIER, {"kind": "damage_taken", "amount": 0}, "must not be 0"),
        (MODIFIER, {"kind": "retreat_cost", "amount": 0}, "must not be 0"),
        (MODIFIER, {"kind": "attack_cost", "amount": 0, "energy": "water"}, "must not be 0"),
        (MODIFIER, {"kind": "damage_dealt"}, "Field required"),
        (CONDITION, {"kind": "heads"}, "does not match any of the expected tags"),
        (STEP, {"kind": "put_from_hand", "min_count": 3, "max_count": 2}, "must not exceed"),
    ],
)
def test_unknown_kinds_and_bad_parameters_are_refused(
    adapter: TypeAdapter[Any], raw: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        adapter.validate_python(raw)


def test_known_creature_selections_take_no_other_fields() -> None:
    assert Target(select=Select.SOURCE).count == 1
    with pytest.raises(ValidationError, match="takes no side"):
        Target.model_validate({"select": "source", "side": "own"})
    with pytest.raises(ValidationError, match="takes no side"):
        Target.model_validate({"select": "attacker", "count": 2})
    with pytest.raises(ValidationError, match="needs a side and a zone"):
        Target.model_validate({"select": "choose", "side": "own"})
    with pytest.raises(ValidationError, match="no count, up_to or chooser"):
        Target.model_validate({"select": "all", "side": "own", "zone": "bench", "up_to": True})


def test_a_scaling_amount_needs_a_cap() -> None:
    amount = Amount(per=Per.HEADS, per_value=30, cap=3)
    assert amount.maximum == 90
    assert Amount(value=20).maximum == 20
    with pytest.raises(ValidationError, match="needs per_value and cap"):
        Amount.model_validate({"per": "energy_beyond_cost", "per_value": 20})
    with pytest.raises(ValidationError, match="per_value and cap need a per"):
        Amount.model_validate({"value": 10, "cap": 2})
    with pytest.raises(ValidationError, match="value above 0"):
        Amount.model_validate({})


def test_branches_need_a_single_coin() -> None:
    with pytest.raises(ValidationError, match="need a single coin"):
        STEP.validate_python(
            {"kind": "coin_flip", "count": 2, "on_tails": [{"kind": "discard_stadium"}]}
        )


def test_lasting_effects_name_either_a_creature_or_a_scope() -> None:
    on_self = {"kind": "add_lasting", "duration": "opponent_next_turn"}
    ok = STEP.validate_python(
        on_self | {"target": {"select": "source"}, "modifier": {"kind": "prevent_damage"}}
    )
    assert isinstance(ok, AddLasting)
    with pytest.raises(ValidationError, match="needs the holder scope"):
        STEP.validate_python(
            on_self
            | {
                "target": {"select": "source"},
                "modifier": {"kind": "cannot_retreat", "scope": {"kind": "all_own"}},
            }
        )
    with pytest.raises(ValidationError, match="scope other than holder"):
        STEP.validate_python(on_self | {"modifier": {"kind": "cannot_retreat"}})


def test_trigger_limits() -> None:
    draw = {"kind": "draw", "count": {"value": 1}}
    used = Trigger.model_validate({"kind": "activated", "limit": "once_per_turn", "steps": [draw]})
    assert used.kind is TriggerKind.ACTIVATED
    with pytest.raises(ValidationError, match="needs a limit"):
        Trigger.model_validate({"kind": "activated", "steps": [draw]})
    with pytest.raises(ValidationError, match="always optional"):
        Trigger.model_validate(
            {"kind": "activated", "limit": "once_per_turn", "optional": True, "steps": [draw]}
        )
    with pytest.raises(ValidationError, match="only to activated"):
        Trigger.model_validate({"kind": "on_play", "limit": "once_per_turn", "steps": [draw]})
    with pytest.raises(ValidationError, match="is a modifier, not a trigger"):
        Trigger.model_validate({"kind": "passive", "steps": [draw]})
    with pytest.raises(ValidationError, match="at least 1 item"):
        Trigger.model_validate({"kind": "on_play", "steps": []})


def test_uses_source_sees_targets_recoil_and_branches() -> None:
    heal_self = {"kind": "heal", "target": {"select": "source"}, "amount": {"value": 20}}
    heal_active = heal_self | {"target": OPP_ACTIVE}
    assert uses_source((STEP.validate_python(heal_self),))
    assert not uses_source((STEP.validate_python(heal_active),))
    assert uses_source((STEP.validate_python({"kind": "self_damage", "amount": 10}),))
    flip = {"kind": "coin_flip", "on_tails": [heal_self]}
    assert uses_source((STEP.validate_python(flip),))
