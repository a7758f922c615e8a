"""Deck legality under a `RulesConfig`, and the starter decks shipped as data.

`validate_deck` checks a deck in the shape the ``Deck`` model stores (two maps of
card definition id -> copies) and returns every problem at once, as plain
sentences a player can act on, so the result can be saved as-is in
``Deck.is_valid`` / ``Deck.validation_errors``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Self

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from app.catalog.card_service import CardService
from app.core.cards import CardDefinition, CreatureCard, EnergyCard, EnergyKind, Stage
from app.core.decks import StarterDeck
from app.core.rules import EnergySource, RulesConfig
from app.errors import MantimonError


class DeckValidationResult(BaseModel):
    """Outcome of `validate_deck`: ``is_valid`` is true exactly when there are no errors."""

    model_config = ConfigDict(frozen=True)

    is_valid: bool
    validation_errors: list[str]

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.is_valid == bool(self.validation_errors):
            raise ValueError("is_valid must be true exactly when validation_errors is empty")
        return self

    @classmethod
    def from_errors(cls, errors: list[str]) -> DeckValidationResult:
        """Build the result for this list of problems (empty: valid)."""
        return cls(is_valid=not errors, validation_errors=list(errors))


def validate_deck(
    cards: Mapping[str, int],
    energy_cards: Mapping[str, int],
    rules: RulesConfig,
    card_service: CardService,
) -> DeckValidationResult:
    """Check a deck against `rules` and return every problem found.

    `cards` is the main deck and `energy_cards` the energy deck (or, when the
    rules use an energy zone, the basic energy cards naming the zone's types),
    both mapping card definition id -> copies. Checked: copy counts, unknown ids,
    deck and energy-deck sizes, energy cards where the rules forbid them, copies
    per card name (alternate arts share a name; basic energy is exempt when the
    rules say so) and the minimum number of basic creatures. Never raises for a
    bad deck: problems are returned, in a stable order.
    """
    errors: list[str] = []
    main = _known_cards(cards, "main deck", card_service, errors)
    energy = _known_cards(energy_cards, "energy deck", card_service, errors)

    main_total = _total(cards)
    if main_total != rules.deck.size:
        errors.append(
            f"the main deck has {_cards(main_total)}; the rules require exactly {rules.deck.size}"
        )

    if not rules.energy_in_main_deck:
        for card, _ in main:
            if isinstance(card, EnergyCard):
                errors.append(
                    f"{_label(card)} is an energy card; with energy source "
                    f"{rules.energy.source} energy does not go in the main deck"
                )
    errors.extend(_energy_problems(energy, energy_cards, rules))
    errors.extend(_copy_problems(main, energy, rules))

    basics = sum(
        count
        for card, count in main
        if isinstance(card, CreatureCard) and card.stage is Stage.BASIC
    )
    if basics < rules.deck.min_basic_creatures:
        have = "no basic creature" if basics == 0 else f"{basics} basic creature(s)"
        errors.append(
            f"the main deck has {have}; it needs at least {rules.deck.min_basic_creatures} to "
            "start a game"
        )
    return DeckValidationResult.from_errors(errors)


def _known_cards(
    counts: Mapping[str, int], zone: str, card_service: CardService, errors: list[str]
) -> list[tuple[CardDefinition, int]]:
    known: list[tuple[CardDefinition, int]] = []
    for card_id, count in counts.items():
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            errors.append(
                f"{card_id!r} in the {zone} has {count!r} copies; copies must be a whole number "
                "of at least 1"
            )
            continue
        if card_id not in card_service:
            close = card_service.suggest_ids(card_id)
            hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""
            errors.append(f"unknown card id {card_id!r} in the {zone}{hint}")
            continue
        known.append((card_service.get_card(card_id), count))
    return known


def _energy_problems(
    energy: list[tuple[CardDefinition, int]],
    raw: Mapping[str, int],
    rules: RulesConfig,
) -> list[str]:
    source = rules.energy.source
    if source is EnergySource.MAIN_DECK:
        if raw:
            return [
                f"these rules put energy cards in the main deck; the energy deck must be empty "
                f"(it lists {len(raw)} card id(s))"
            ]
        return []
    problems: list[str] = []
    if source is EnergySource.ENERGY_DECK:
        for card, _ in energy:
            if not isinstance(card, EnergyCard):
                problems.append(
                    f"{_label(card)} is a {card.card_type} card; only energy cards go in the "
                    "energy deck"
                )
        total = _total(raw)
        if total != rules.energy.energy_deck_size:
            problems.append(
                f"the energy deck has {_cards(total)}; the rules require exactly "
                f"{rules.energy.energy_deck_size}"
            )
        return problems
    types = set()
    for card, _ in energy:
        if isinstance(card, EnergyCard) and card.energy_kind is EnergyKind.BASIC:
            types.add(card.energy_type)
        else:
            problems.append(
                f"{_label(card)} is not a basic energy card; an energy zone is declared with "
                "basic energy cards only"
            )
    if not raw:
        problems.append("the energy zone declares no energy type; list at least 1 basic energy")
    elif rules.energy.zone_max_types is not None and len(types) > rules.energy.zone_max_types:
        problems.append(
            f"the energy zone declares {len(types)} energy types; the rules allow at most "
            f"{rules.energy.zone_max_types}"
        )
    return problems


def _copy_problems(
    main: list[tuple[CardDefinition, int]],
    energy: list[tuple[CardDefinition, int]],
    rules: RulesConfig,
) -> list[str]:
    counted = main if rules.energy.source is EnergySource.ENERGY_ZONE else main + energy
    by_name: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for card, count in counted:
        exempt = (
            rules.deck.basic_energy_exempt
            and isinstance(card, EnergyCard)
            and card.energy_kind is EnergyKind.BASIC
        )
        if not exempt:
            by_name[card.name][card.id] += count
    limit = rules.deck.max_copies_per_name
    problems = []
    for name in sorted(by_name):
        per_id = by_name[name]
        total = sum(per_id.values())
        if total > limit:
            detail = ", ".join(f"{card_id} x{count}" for card_id, count in sorted(per_id.items()))
            problems.append(
                f"{total} copies of {name!r} ({detail}); the rules allow at most {limit} per name"
            )
    return problems


def _total(counts: Mapping[str, int]) -> int:
    """Copies in a zone, counting every well-formed entry (known card or not)."""
    return sum(
        c for c in counts.values() if isinstance(c, int) and not isinstance(c, bool) and c > 0
    )


def _label(card: CardDefinition) -> str:
    return f"{card.id!r} ({card.name})"


def _cards(count: int) -> str:
    return "1 card" if count == 1 else f"{count} cards"


# ------------------------------------------------------------------ starter decks


class StarterDeckError(MantimonError):
    """A starter deck file is missing, malformed or invalid; the message names the file."""


def load_starter_decks(decks_dir: Path) -> dict[str, StarterDeck]:
    """Read every ``*.json`` starter deck in `decks_dir`, keyed by starter type.

    Only the file format is checked here; legality against the catalog is
    `validate_deck`'s job.

    Raises:
        StarterDeckError: a file cannot be read or parsed, or two files share a type.
    """
    decks: dict[str, StarterDeck] = {}
    for path in sorted(Path(decks_dir).glob("*.json")):
        try:
            deck = StarterDeck.model_validate(json.loads(path.read_text(encoding="utf-8")))
        except json.JSONDecodeError as exc:
            raise StarterDeckError(
                f"{path}: malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
            ) from exc
        except ValidationError as exc:
            raise StarterDeckError(f"{path}: invalid starter deck: {exc}") from exc
        if deck.starter_type in decks:
            raise StarterDeckError(f"{path}: starter type {deck.starter_type!r} is defined twice")
        decks[deck.starter_type] = deck
    return decks
