"""Card fields that carry effects: what each kind of card must and must not carry."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from app.core.cards import CARD_DEFINITION_ADAPTER, Ability, Attack, EnergyCard, TrainerCard

DRAW = {"kind": "draw", "count": {"value": 1}}
HEAL_SOURCE = {"kind": "heal", "target": {"select": "source"}, "amount": {"value": 10}}
IMMUNE = {"kind": "status_immunity"}


def card(**fields: Any) -> dict[str, Any]:
    return {
        "id": "ts1-001",
        "name": "Testling",
        "set_id": "ts1",
        "number": 1,
        "rarity": "common",
        "illustrator": "Nobody",
        "image_path": "cards/ts1/001.webp",
    } | fields


def trainer(subtype: str, **fields: Any) -> dict[str, Any]:
    return card(card_type="trainer", trainer_subtype=subtype, text="Does a thing.", **fields)


def special(**fields: Any) -> dict[str, Any]:
    defaults = {
        "card_type": "energy",
        "energy_type": "colorless",
        "energy_kind": "special",
        "provides": ["colorless"],
        "text": "Does a thing.",
    }
    return card(**(defaults | fields))


def refused(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        CARD_DEFINITION_ADAPTER.validate_python(data)


# ------------------------------------------------------------------ attacks


def test_attack_text_and_effects_come_together() -> None:
    attack = Attack.model_validate({"name": "X", "effect_text": "Draw.", "effects": [DRAW]})
    assert attack.effects[0].kind == "draw"
    with pytest.raises(ValidationError, match="effect_text needs effects"):
        Attack.model_validate({"name": "X", "damage": 10, "effect_text": "Draw a card."})
    with pytest.raises(ValidationError, match="effects need effect_text"):
        Attack.model_validate({"name": "X", "damage": 10, "effects": [DRAW]})
    with pytest.raises(ValidationError, match="Extra inputs"):
        Attack.model_validate({"name": "X", "effect_text": "t", "effect_id": "draw"})


# ------------------------------------------------------------------ abilities


def ability(**fields: Any) -> dict[str, Any]:
    return {"name": "Power", "text": "It does a thing."} | fields


def test_abilities_by_trigger() -> None:
    passive = Ability.model_validate(ability(trigger="passive", modifiers=[IMMUNE]))
    assert passive.modifiers[0].kind == "status_immunity"
    used = Ability.model_validate(ability(trigger="activated", limit="once_per_turn", steps=[DRAW]))
    assert used.limit == "once_per_turn"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"trigger": "passive"}, "a passive ability needs modifiers"),
        ({"trigger": "passive", "modifiers": [IMMUNE], "steps": [DRAW]}, "has only modifiers"),
        (
            {"trigger": "passive", "modifiers": [IMMUNE], "condition": {"kind": "source_active"}},
            "put a condition on the modifier",
        ),
        ({"trigger": "on_play"}, "an on_play ability needs steps"),
        (
            {"trigger": "on_play", "steps": [DRAW], "modifiers": [IMMUNE]},
            "has steps, not modifiers",
        ),
        ({"trigger": "activated", "steps": [DRAW]}, "needs a limit"),
        ({"trigger": "on_play", "limit": "once_per_turn", "steps": [DRAW]}, "only to activated"),
        ({"trigger": "whenever", "steps": [DRAW]}, "Input should be"),
    ],
)
def test_ability_refusals(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Ability.model_validate(ability(**fields))


# ------------------------------------------------------------------ trainers


def test_trainers_by_subtype() -> None:
    item = CARD_DEFINITION_ADAPTER.validate_python(
        trainer("item", effects=[DRAW], requires=[{"kind": "not_first_turn"}])
    )
    assert isinstance(item, TrainerCard)
    assert item.requires[0].kind == "not_first_turn"
    tool = CARD_DEFINITION_ADAPTER.validate_python(
        trainer("tool", triggers=[{"kind": "end_of_turn", "steps": [HEAL_SOURCE]}])
    )
    assert isinstance(tool, TrainerCard)
    assert tool.triggers[0].kind == "end_of_turn"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (trainer("item"), "an item needs effects the engine can run"),
        (trainer("supporter", effects=[DRAW], modifiers=[IMMUNE]), "modifiers and triggers belong"),
        (trainer("item", effects=[HEAL_SOURCE]), "no source creature to target"),
        (trainer("tool"), "a tool needs modifiers or triggers"),
        (trainer("tool", modifiers=[IMMUNE], effects=[DRAW]), "not effects or requires"),
        (trainer("stadium", modifiers=[IMMUNE]), "a stadium has no holder"),
        (
            trainer(
                "stadium",
                triggers=[{"kind": "activated", "limit": "once_per_turn", "steps": [HEAL_SOURCE]}],
            ),
            "a stadium has no source creature",
        ),
        (trainer("item", effects=[{"kind": "draw", "count": {}}]), "value above 0"),
    ],
)
def test_trainer_refusals(data: dict[str, Any], message: str) -> None:
    refused(data, message)


# ------------------------------------------------------------------ energy


def test_special_energy_shapes() -> None:
    double = CARD_DEFINITION_ADAPTER.validate_python(special(provides=["colorless", "colorless"]))
    assert isinstance(double, EnergyCard)
    rainbow = CARD_DEFINITION_ADAPTER.validate_python(special(provides_any_type=True))
    assert isinstance(rainbow, EnergyCard)
    assert rainbow.provides_any_type
    picky = CARD_DEFINITION_ADAPTER.validate_python(
        special(attach_requirement={"stages": ["stage_1", "stage_2"]})
    )
    assert isinstance(picky, EnergyCard)
    assert picky.attach_requirement is not None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (special(), "a special energy needs something the engine can execute"),
        (
            special(provides=["fire"], energy_type="fire", provides_any_type=True),
            "must all be colorless",
        ),
        (
            special(modifiers=[{"kind": "status_immunity", "scope": {"kind": "all_own"}}]),
            "scope holder",
        ),
        (
            card(
                card_type="energy",
                energy_type="fire",
                energy_kind="basic",
                provides=["fire"],
                modifiers=[IMMUNE],
            ),
            "a basic energy has no text, effect or special provision",
        ),
    ],
)
def test_energy_refusals(data: dict[str, Any], message: str) -> None:
    refused(data, message)
