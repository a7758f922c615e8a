"""Deck contents as pure values: the shape stored on a deck and the shipped starter decks.

A deck is two maps of card definition id to number of copies: ``cards`` (the main
deck) and ``energy_cards`` (the energy deck, or the energy types an energy zone
generates, depending on the rules). This is exactly what the ``Deck`` database
model stores, so a deck moves between storage, API and validation unchanged.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints

from app.core.cards import CardId, EnergyType

CardCounts = dict[CardId, Annotated[StrictInt, Field(ge=1, le=99)]]
"""Card definition id -> copies (at least one)."""


class StarterDeck(BaseModel):
    """A ready-made deck given to new players; legal under the default rules."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    starter_type: Annotated[str, StringConstraints(pattern=r"^[a-z]+$")]
    name: Annotated[str, StringConstraints(min_length=1, max_length=60)]
    description: Annotated[str, StringConstraints(min_length=1, max_length=400)]
    element: EnergyType
    cards: CardCounts
    energy_cards: CardCounts = Field(default_factory=dict)

    @property
    def card_total(self) -> int:
        """Number of cards in the main deck."""
        return sum(self.cards.values())

    @property
    def energy_total(self) -> int:
        """Number of cards in the energy deck."""
        return sum(self.energy_cards.values())


class DeckList(BaseModel):
    """The cards one player brings to one game, in the shape the engine deals from.

    ``main`` is the main deck and ``energy`` the energy deck (energy-deck rules),
    both definition id -> copies; under energy-zone rules ``zone_types`` lists the
    types the zone generates (None: the types of the basic energy in ``energy``).
    `app.engine.decks.adapt_deck` turns any deck into one a preset accepts.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    main: CardCounts
    energy: CardCounts = Field(default_factory=dict)
    zone_types: list[EnergyType] | None = None

    @classmethod
    def from_starter(cls, deck: StarterDeck) -> DeckList:
        """A starter deck as it is stored (mantimon format: main deck plus energy deck)."""
        return cls(main=dict(deck.cards), energy=dict(deck.energy_cards))

    @property
    def main_total(self) -> int:
        """Cards in the main deck."""
        return sum(self.main.values())
