"""What a card search should return, computed the slow obvious way, to check the API against."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from app.core.cards import CardDefinition, CreatureCard, EnergyCard, TrainerCard


def matches(card: CardDefinition, params: Mapping[str, str]) -> bool:
    """Whether `card` satisfies every filter in the (valid) query `params`."""
    creature = card if isinstance(card, CreatureCard) else None
    checks: list[bool] = []
    if "card_type" in params:
        checks.append(card.card_type == params["card_type"])
    if "set_id" in params:
        checks.append(card.set_id == params["set_id"].lower())
    if "rarity" in params:
        checks.append(card.rarity == params["rarity"])
    if "element" in params:
        element = (
            creature.element
            if creature
            else card.energy_type
            if isinstance(card, EnergyCard)
            else None
        )
        checks.append(element == params["element"])
    if "stage" in params:
        checks.append(creature is not None and creature.stage == params["stage"])
    if "trainer_subtype" in params:
        checks.append(
            isinstance(card, TrainerCard) and card.trainer_subtype == params["trainer_subtype"]
        )
    if "hp_min" in params:
        checks.append(creature is not None and creature.hp >= int(params["hp_min"]))
    if "hp_max" in params:
        checks.append(creature is not None and creature.hp <= int(params["hp_max"]))
    if "name_contains" in params:
        checks.append(params["name_contains"].strip().casefold() in card.name.casefold())
    return all(checks)


def expected_ids(cards: Iterable[CardDefinition], params: Mapping[str, str]) -> list[str]:
    """Ids of every matching card, in catalog order (set, then number)."""
    return [card.id for card in cards if matches(card, params)]
