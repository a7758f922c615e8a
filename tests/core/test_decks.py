"""StarterDeck: the file format of the shipped starter decks."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.core.decks import StarterDeck


def test_totals() -> None:
    deck = StarterDeck(
        starter_type="fire",
        name="Hot",
        description="Burns.",
        element="fire",  # type: ignore[arg-type]
        cards={"mv1-014": 4, "mv1-015": 2},
        energy_cards={"mv1-157": 20},
    )
    assert (deck.card_total, deck.energy_total) == (6, 20)


@pytest.mark.parametrize("count", [0, -1, "2", 1.5])
def test_copies_must_be_positive_integers(count: object) -> None:
    with pytest.raises(ValidationError):
        StarterDeck.model_validate(
            {
                "starter_type": "fire",
                "name": "Hot",
                "description": "Burns.",
                "element": "fire",
                "cards": {"mv1-014": count},
            }
        )


def test_card_ids_are_checked_for_shape() -> None:
    with pytest.raises(ValidationError):
        StarterDeck.model_validate(
            {
                "starter_type": "fire",
                "name": "Hot",
                "description": "Burns.",
                "element": "fire",
                "cards": {"not an id": 1},
            }
        )
