"""The bundled catalog's effects: the loader refuses what the engine could not execute,
with the file / card / field the catalog errors give, and every kind is in use."""

from __future__ import annotations

import functools
import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, get_args

import pytest
from pydantic import BaseModel

from app.catalog.card_service import CardService, CatalogLoadError, CatalogProblem
from app.core.cards import (
    Ability,
    CardDefinition,
    CreatureCard,
    EnergyCard,
    EnergyType,
    TrainerCard,
)
from app.core.effects import (
    AddLasting,
    Amount,
    AttachEnergy,
    Condition,
    CreatureInPlay,
    EvolveFromHand,
    LookTop,
    Modifier,
    Per,
    Scope,
    ScopeKind,
    Step,
    Trigger,
    TriggerKind,
    walk_steps,
)

REPO = Path(__file__).resolve().parents[2]
CARDS_DIR = REPO / "data" / "cards"

RESERVED_KINDS: frozenset[str] = frozenset({"no_weakness"})
"""Kinds in the vocabulary that no card uses now.

``no_weakness`` was Coral Charm's (catalog v1), a copy of a published card: its
successor Calm Coral grants ailment immunity. The engine still executes it (see
tests/engine/effects/test_every_modifier.py, which builds a card with it).
"""


@functools.cache
def bundled() -> CardService:
    return CardService.load(CARDS_DIR)


def kinds_of(union: Any) -> set[str]:
    """The ``kind`` tags of a discriminated union."""
    members = get_args(get_args(union)[0])
    return {get_args(m.model_fields["kind"].annotation)[0] for m in members}


def models_in(value: Any) -> Iterator[BaseModel]:
    """Every pydantic model nested in a value, depth first."""
    if isinstance(value, BaseModel):
        yield value
        for field in type(value).model_fields:
            yield from models_in(getattr(value, field))
    elif isinstance(value, tuple | list):
        for item in value:
            yield from models_in(item)


def card_models(card: CardDefinition) -> list[BaseModel]:
    return list(models_in(card))


def by_name(name: str) -> CardDefinition:
    return next(c for c in bundled() if c.name == name)


# ------------------------------------------------------------------ coverage


def test_every_step_modifier_condition_and_trigger_kind_is_used_by_a_card() -> None:
    used: set[str] = set()
    triggers: set[TriggerKind] = set()
    pers: set[Per] = set()
    scopes: set[ScopeKind] = set()
    for card in bundled():
        for model in card_models(card):
            if isinstance(model, Scope):
                scopes.add(model.kind)
            elif isinstance(model, Trigger):
                triggers.add(model.kind)
            elif isinstance(model, Ability):
                triggers.add(model.trigger)
            elif isinstance(getattr(model, "kind", None), str):
                used.add(model.kind)  # type: ignore[attr-defined]
            if isinstance(model, Amount) and model.per is not None:
                pers.add(model.per)
    vocabulary = kinds_of(Step) | kinds_of(Modifier) | kinds_of(Condition)
    assert vocabulary - used == RESERVED_KINDS
    assert used <= vocabulary
    assert set(TriggerKind) == triggers
    assert set(Per) == pers
    # Forge Master Hakon (v1, a copy of a published card) boosted ``all_own``; its
    # successor Smith Dagny boosts only the Front creature. The scope stays in the vocabulary.
    assert set(ScopeKind) - scopes == {ScopeKind.ALL_OWN}


def test_every_rules_text_has_an_effect() -> None:
    for card in bundled():
        if isinstance(card, CreatureCard):
            for attack in card.attacks:
                assert (attack.effect_text is None) == (not attack.effects), card.id
            for ability in card.abilities:
                assert ability.steps or ability.modifiers, card.id
        elif isinstance(card, TrainerCard):
            assert card.effects or card.modifiers or card.triggers, card.id
        elif card.text is not None:
            assert (
                card.modifiers or card.triggers or card.attach_requirement or card.provides_any_type
            ), card.id


def test_scaling_amounts_all_carry_a_cap() -> None:
    scaling = [
        m for card in bundled() for m in card_models(card) if isinstance(m, Amount) and m.per
    ]
    assert scaling
    assert all(m.cap is not None for m in scaling)


# ------------------------------------------------------------ ambiguities fixed


def effects_of(name: str) -> tuple[Step, ...]:
    card = by_name(name)
    assert isinstance(card, TrainerCard)
    return card.effects


def test_look_top_says_where_the_rest_goes() -> None:
    (compass,) = effects_of("Lucky Compass")
    (yune,) = effects_of("Scholar Yune")
    assert isinstance(compass, LookTop)
    assert isinstance(yune, LookTop)
    assert (compass.count, compass.pick, compass.rest) == (4, 1, "shuffle")
    assert (yune.count, yune.pick, yune.rest) == (5, 2, "bottom")


def test_attach_energy_counts_energies_and_targets_apart() -> None:
    (rue,) = effects_of("Storm Chaser Rue")
    assert isinstance(rue, AttachEnergy)
    assert rue.count == 1
    assert (rue.target.count, rue.target.up_to) == (2, True)
    assert rue.target.filter is not None
    assert rue.target.filter.element is EnergyType.LIGHTNING
    assert rue.energy.types == (EnergyType.LIGHTNING,)
    assert rue.energy.basic_only


def test_special_energy_rules_live_in_data() -> None:
    conduit = by_name("Conduit Energy")
    offshoot = by_name("Offshoot Energy")
    assert isinstance(conduit, EnergyCard)
    assert isinstance(offshoot, EnergyCard)
    assert not conduit.provides_any_type
    assert conduit.provides == offshoot.provides == (EnergyType.COLORLESS,)
    assert [t.kind for t in conduit.triggers] == [TriggerKind.ON_ATTACH]
    assert conduit.triggers[0].optional
    (grows,) = offshoot.triggers
    assert grows.kind is TriggerKind.ON_ATTACH
    assert grows.source_filter is not None
    assert grows.source_filter.stages is not None
    assert "basic" not in grows.source_filter.stages


def test_field_dressing_and_quickening_dew_state_their_requirements() -> None:
    dressing = by_name("Field Dressing")
    dew = by_name("Quickening Dew")
    assert isinstance(dressing, TrainerCard)
    assert isinstance(dew, TrainerCard)
    (needs_damaged_basic,) = dressing.requires
    assert isinstance(needs_damaged_basic, CreatureInPlay)
    assert needs_damaged_basic.filter is not None
    assert needs_damaged_basic.filter.damaged
    assert [c.kind for c in dew.requires] == ["not_first_turn", "creature_in_play"]
    (evolve,) = dew.effects
    assert isinstance(evolve, EvolveFromHand)
    assert not evolve.skip_stage
    assert evolve.target.filter is not None
    assert evolve.target.filter.played_this_turn is True


def test_every_ability_says_when_it_works() -> None:
    abilities = {a.name: a for c in bundled() if isinstance(c, CreatureCard) for a in c.abilities}
    assert len(abilities) == 18
    kinds = {a.trigger for a in abilities.values()}
    assert kinds == set(TriggerKind) - {TriggerKind.ON_ATTACH, TriggerKind.END_OF_TURN}
    assert abilities["Tide Pull"].condition is not None
    assert abilities["Friendly Call"].optional


def test_stadiums_act_through_modifiers_or_activated_triggers() -> None:
    stadiums = [
        c for c in bundled() if isinstance(c, TrainerCard) and c.trainer_subtype == "stadium"
    ]
    assert len(stadiums) == 10
    for stadium in stadiums:
        assert stadium.modifiers or stadium.triggers
        assert all(t.kind is TriggerKind.ACTIVATED for t in stadium.triggers)


def test_lasting_effects_of_attacks() -> None:
    lasting = [
        step
        for card in bundled()
        if isinstance(card, CreatureCard)
        for attack in card.attacks
        for step in walk_steps(attack.effects)
        if isinstance(step, AddLasting)
    ]
    assert {s.modifier.kind for s in lasting} == {
        "cannot_retreat",
        "cannot_attack",
        "damage_taken",
        "prevent_damage",
    }


# ------------------------------------------------------------------ refusals

Mutation = Callable[[dict[str, Any]], None]


@pytest.fixture
def catalog_with(tmp_path: Path) -> Callable[[str, Mutation], Path]:
    """Copy the bundled catalog and apply ``mutate`` to one of its cards."""

    def write(card_id: str, mutate: Mutation) -> Path:
        for file in CARDS_DIR.glob("*.json"):
            shutil.copy(file, tmp_path / file.name)
        path = tmp_path / f"{card_id.split('-')[0]}.json"
        data = json.loads(path.read_text())
        mutate(next(c for c in data["cards"] if c["id"] == card_id))
        path.write_text(json.dumps(data))
        return tmp_path

    return write


def only_problem(directory: Path) -> CatalogProblem:
    with pytest.raises(CatalogLoadError) as caught:
        CardService.load(directory)
    (problem,) = caught.value.problems
    return problem


def first_attack_effect(card: dict[str, Any]) -> dict[str, Any]:
    attack = next(a for a in card["attacks"] if a.get("effects"))
    effect: dict[str, Any] = attack["effects"][0]
    return effect


@pytest.mark.parametrize(
    ("card_id", "mutate", "field", "message"),
    [
        (
            "mv1-005",
            lambda c: first_attack_effect(c)["on_heads"][0].update(kind="totally_made_up"),
            "attacks[0].effects[0].on_heads[0].kind",
            "unknown kind 'totally_made_up'; expected one of: 'damage_bonus'",
        ),
        (
            "mv1-005",
            lambda c: first_attack_effect(c).update(foo=1),
            "attacks[0].effects[0].foo",
            "unknown field",
        ),
        (
            "mv1-005",
            lambda c: first_attack_effect(c)["on_heads"][0].pop("amount"),
            "attacks[0].effects[0].on_heads[0].amount",
            "missing field",
        ),
        (
            "mv1-005",
            lambda c: first_attack_effect(c)["on_heads"][0].pop("kind"),
            "attacks[0].effects[0].on_heads[0].kind",
            "missing field (kind decides",
        ),
        (
            "mv1-005",
            lambda c: c["attacks"][0].pop("effects"),
            "attacks[0]",
            "effect_text needs effects the engine can execute",
        ),
        (
            "mv1-027",
            lambda c: c["attacks"][1]["effects"][1]["amount"].pop("cap"),
            "attacks[1].effects[1].amount",
            "per 'heads' needs per_value and cap",
        ),
        (
            "mv1-120",
            lambda c: c.pop("effects"),
            None,
            "an item needs effects the engine can run",
        ),
        (
            "mv1-132",
            lambda c: c.pop("modifiers"),
            None,
            "a tool needs modifiers or triggers the engine can apply",
        ),
        (
            "mv1-149",
            lambda c: c["triggers"][0].pop("limit"),
            "triggers[0]",
            "an activated trigger needs a limit",
        ),
        (
            "mv1-155",
            lambda c: c.pop("triggers"),
            None,
            "a special energy needs something the engine can execute",
        ),
        (
            "mv1-116",
            lambda c: c["abilities"][0].pop("steps"),
            "abilities[0]",
            "an on_play ability needs steps the engine can run",
        ),
        (
            "mv1-032",
            lambda c: c["abilities"][0].update(trigger="sometimes"),
            "abilities[0].trigger",
            "'sometimes'",
        ),
    ],
)
def test_the_loader_refuses_what_the_engine_cannot_execute(
    catalog_with: Callable[[str, Mutation], Path],
    card_id: str,
    mutate: Mutation,
    field: str | None,
    message: str,
) -> None:
    problem = only_problem(catalog_with(card_id, mutate))
    assert (problem.file, problem.card_id, problem.field) == (
        f"{card_id[:3]}.json",
        card_id,
        field,
    )
    assert message in problem.message
