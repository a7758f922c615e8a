"""Card definition models: each kind accepts its own fields only and refuses inconsistent data."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from app.core.cards import (
    CARD_DEFINITION_ADAPTER,
    Attack,
    CardType,
    CreatureCard,
    DamageModifier,
    EnergyCard,
    EnergyType,
    Rarity,
    SetInfo,
    Stage,
    TrainerCard,
)


def base(**extra: Any) -> dict[str, Any]:
    return {
        "id": "ts1-001",
        "name": "Testling",
        "set_id": "ts1",
        "number": 1,
        "rarity": "common",
        "illustrator": "Nobody",
        "image_path": "cards/ts1/001.webp",
    } | extra


def creature(**extra: Any) -> dict[str, Any]:
    return (
        base(
            card_type="creature",
            stage="basic",
            hp=60,
            element="grass",
            attacks=[{"name": "Poke", "cost": ["grass"], "damage": 10}],
        )
        | extra
    )


DRAW_ONE = [{"kind": "draw", "count": {"value": 1}}]


def errors_of(data: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as caught:
        CARD_DEFINITION_ADAPTER.validate_python(data)
    return str(caught.value)


def test_each_kind_is_parsed_to_its_own_class() -> None:
    parsed = CARD_DEFINITION_ADAPTER.validate_python(creature())
    assert isinstance(parsed, CreatureCard)
    assert parsed.card_type is CardType.CREATURE
    trainer = CARD_DEFINITION_ADAPTER.validate_python(
        base(card_type="trainer", trainer_subtype="item", text="Draw a card.", effects=DRAW_ONE)
    )
    assert isinstance(trainer, TrainerCard)
    energy = CARD_DEFINITION_ADAPTER.validate_python(
        base(card_type="energy", energy_type="fire", energy_kind="basic", provides=["fire"])
    )
    assert isinstance(energy, EnergyCard)


def test_card_round_trips_through_json() -> None:
    card = CARD_DEFINITION_ADAPTER.validate_python(creature())
    dumped = CARD_DEFINITION_ADAPTER.dump_json(card)
    assert CARD_DEFINITION_ADAPTER.validate_json(dumped) == card


def test_fields_of_another_kind_are_unknown() -> None:
    message = errors_of(
        base(card_type="trainer", trainer_subtype="item", text="t", effects=DRAW_ONE, hp=60)
    )
    assert "trainer.hp" in message
    assert "Extra inputs are not permitted" in message


def test_numbers_are_strict() -> None:
    assert "Input should be a valid integer" in errors_of(creature(hp="60"))


def test_hp_must_be_a_multiple_of_ten() -> None:
    assert "multiple of 10" in errors_of(creature(hp=65))


def test_id_must_match_set_and_number() -> None:
    assert "expected 'ts1-001'" in errors_of(creature(id="ts1-002"))


def test_basic_creature_cannot_evolve() -> None:
    assert "evolves_from must be null for a basic creature" in errors_of(
        creature(evolves_from="Other")
    )


def test_evolved_creature_names_what_it_evolves_from() -> None:
    assert "evolves_from is required for a stage_1 creature" in errors_of(creature(stage="stage_1"))


def test_creature_needs_an_attack_or_ability() -> None:
    assert "at least one attack or ability" in errors_of(creature(attacks=[]))


def test_creature_with_only_an_ability_is_fine() -> None:
    card = CARD_DEFINITION_ADAPTER.validate_python(
        creature(
            attacks=[],
            abilities=[
                {
                    "name": "Glow",
                    "text": "It glows.",
                    "trigger": "passive",
                    "modifiers": [{"kind": "status_immunity"}],
                }
            ],
        )
    )
    assert isinstance(card, CreatureCard)
    assert not card.is_apex


def test_attack_names_are_distinct_within_a_card() -> None:
    attack = {"name": "Poke", "cost": ["grass"], "damage": 10}
    assert "attack names must be distinct" in errors_of(creature(attacks=[attack, attack]))


def test_damage_modifier_needs_damage_and_explanation() -> None:
    with pytest.raises(ValidationError, match="needs a non-zero damage"):
        Attack.model_validate(
            {"name": "X", "damage": 0, "damage_modifier": "plus", "effect_text": "t"}
        )
    with pytest.raises(ValidationError, match="needs effect_text"):
        Attack(name="X", damage=30, damage_modifier=DamageModifier.PLUS)


@pytest.mark.parametrize(
    ("damage", "modifier", "shown"),
    [
        (0, DamageModifier.NONE, ""),
        (30, DamageModifier.NONE, "30"),
        (30, DamageModifier.PLUS, "30+"),
        (20, DamageModifier.TIMES, "20x"),
    ],
)
def test_damage_display(damage: int, modifier: DamageModifier, shown: str) -> None:
    explained: dict[str, Any] = {"effect_text": "t", "effects": DRAW_ONE}
    extra = {} if modifier is DamageModifier.NONE else explained
    attack = Attack.model_validate(
        {"name": "X", "damage": damage, "damage_modifier": modifier} | extra
    )
    assert attack.damage_display == shown


def test_converted_cost_counts_every_energy() -> None:
    attack = Attack(name="X", cost=(EnergyType.FIRE, EnergyType.COLORLESS), damage=40)
    assert attack.converted_cost == 2


def test_basic_energy_provides_exactly_its_type() -> None:
    data = base(card_type="energy", energy_type="fire", energy_kind="basic", provides=["water"])
    assert "provides exactly one energy of its energy_type" in errors_of(data)


def test_basic_energy_has_no_effect() -> None:
    data = base(
        card_type="energy", energy_type="fire", energy_kind="basic", provides=["fire"], text="x"
    )
    assert "a basic energy has no text, effect or special provision" in errors_of(data)


def test_special_energy_explains_itself() -> None:
    data = base(
        card_type="energy", energy_type="colorless", energy_kind="special", provides=["colorless"]
    )
    assert "a special energy needs text" in errors_of(data)


def test_unknown_card_type_is_refused() -> None:
    assert "union_tag_invalid" in errors_of(base(card_type="spell"))


def test_rarity_ladder_is_ordered() -> None:
    ladder = [
        Rarity.COMMON,
        Rarity.UNCOMMON,
        Rarity.RARE,
        Rarity.DOUBLE_RARE,
        Rarity.ART_RARE,
        Rarity.SUPER_RARE,
        Rarity.SPECIAL_ART_RARE,
        Rarity.VISTA_RARE,
        Rarity.GILDED_RARE,
    ]
    assert [r.rank for r in ladder] == list(range(len(ladder)))


def test_stage_previous() -> None:
    assert Stage.BASIC.previous is None
    assert Stage.STAGE_1.previous is Stage.BASIC
    assert Stage.STAGE_2.previous is Stage.STAGE_1


def test_set_info_parses_release_date() -> None:
    info = SetInfo.model_validate(
        {"id": "ts1", "name": "Test", "card_count": 3, "release_date": "2026-01-02"}
    )
    assert info.release_date.isoformat() == "2026-01-02"
    with pytest.raises(ValidationError):
        SetInfo.model_validate({"id": "TS 1", "name": "T", "card_count": 1, "release_date": "x"})
