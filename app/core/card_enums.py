"""Card vocabulary shared by card definitions, the effect vocabulary and the game state.

These enums live apart from `app.core.cards` so that `app.core.effects` (which the card
models are built from) can use them without an import cycle; `app.core.cards` re-exports
the card ones, so ``from app.core.cards import EnergyType`` keeps working.
"""

from __future__ import annotations

from enum import StrEnum


class CardType(StrEnum):
    """The three kinds of card."""

    CREATURE = "creature"
    TRAINER = "trainer"
    ENERGY = "energy"


class EnergyType(StrEnum):
    """Energy types; also the element of a creature. Colorless is paid by any energy."""

    GRASS = "grass"
    FIRE = "fire"
    WATER = "water"
    LIGHTNING = "lightning"
    PSYCHIC = "psychic"
    FIGHTING = "fighting"
    DARKNESS = "darkness"
    METAL = "metal"
    COLORLESS = "colorless"


class Stage(StrEnum):
    """Evolution stage of a creature; a stage evolves from the stage before it."""

    BASIC = "basic"
    STAGE_1 = "stage_1"
    STAGE_2 = "stage_2"

    @property
    def previous(self) -> Stage | None:
        """The stage this one evolves from, or None for a basic creature."""
        order = list(Stage)
        index = order.index(self)
        return order[index - 1] if index else None


class TrainerSubtype(StrEnum):
    """How a trainer card is played: items and supporters once, tools attached, stadiums stay."""

    ITEM = "item"
    SUPPORTER = "supporter"
    TOOL = "tool"
    STADIUM = "stadium"


class EnergyKind(StrEnum):
    """Basic energy provides its type and nothing else; special energy has an effect."""

    BASIC = "basic"
    SPECIAL = "special"


class StatusCondition(StrEnum):
    """Special conditions an effect can put on an Active creature (and rules cure)."""

    ASLEEP = "asleep"
    BURNED = "burned"
    CONFUSED = "confused"
    PARALYZED = "paralyzed"
    POISONED = "poisoned"
