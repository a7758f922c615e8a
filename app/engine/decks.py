"""Fitting a deck to a rules preset, so every preset plays with the starter decks.

The starter decks are built for the ``mantimon`` rules (40 cards plus a 20-card
energy deck). `adapt_deck` derives, deterministically, the deck another preset
needs from the same cards:

- energy zone (``pocket``): the zone types are the types of the deck's basic
  energy; the main deck is cut to ``deck.size`` cards with at most
  ``max_copies_per_name`` per name, keeping basics first, then stage 1 creatures
  whose basic is kept, then stage 2 whose stage 1 is kept, then trainers, each
  in the deck's listed order;
- energy in the main deck (``classic``): main and energy merged; when that is
  not ``deck.size`` cards, basic energy of the deck's main energy type is added
  or removed to make it so;
- energy deck (``mantimon``): the main deck is cut as above when too large, and
  the energy deck filled or cut to ``energy_deck_size`` with its main type.

A deck already legal for the preset comes back unchanged in content.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from app.core.cards import (
    CardDefinition,
    CreatureCard,
    EnergyCard,
    EnergyKind,
    EnergyType,
    Stage,
)
from app.core.decks import DeckList
from app.core.rules import EnergySource, RulesConfig


def _cut(
    main: Mapping[str, int], size: int, max_copies: int, cards: Mapping[str, CardDefinition]
) -> dict[str, int]:
    """`size` cards of `main`, evolution lines kept whole, at most `max_copies` per name."""
    if sum(main.values()) <= size and all(c <= max_copies for c in main.values()):
        return dict(main)
    names: Counter[str] = Counter()
    kept: dict[str, int] = {}
    kept_names: set[str] = set()

    def rank(card_id: str) -> int:
        card = cards[card_id]
        if isinstance(card, CreatureCard):
            return list(Stage).index(card.stage)
        return 3 if not isinstance(card, EnergyCard) else 4

    total = 0
    for card_id in sorted(main, key=rank):
        card = cards[card_id]
        if (
            isinstance(card, CreatureCard)
            and card.evolves_from is not None
            and card.evolves_from not in kept_names
        ):
            continue
        room = min(main[card_id], max_copies - names[card.name], size - total)
        if room <= 0:
            continue
        kept[card_id] = room
        names[card.name] += room
        kept_names.add(card.name)
        total += room
    return kept


def _main_type(deck: DeckList, cards: Mapping[str, CardDefinition]) -> EnergyType:
    counts: Counter[EnergyType] = Counter()
    for card_id, count in (*deck.energy.items(), *deck.main.items()):
        card = cards[card_id]
        if isinstance(card, EnergyCard) and card.energy_kind is EnergyKind.BASIC:
            counts[card.energy_type] += count
    if counts:
        return counts.most_common(1)[0][0]
    for card_id in deck.main:
        card = cards[card_id]
        if isinstance(card, CreatureCard) and card.element is not EnergyType.COLORLESS:
            return card.element
    return EnergyType.COLORLESS


def _basic_energy_id(kind: EnergyType, cards: Mapping[str, CardDefinition]) -> str | None:
    for card_id, card in cards.items():
        if (
            isinstance(card, EnergyCard)
            and card.energy_kind is EnergyKind.BASIC
            and card.energy_type is kind
        ):
            return card_id
    return None


def _fill(counts: dict[str, int], size: int, energy_id: str | None) -> dict[str, int]:
    total = sum(counts.values())
    if total > size and energy_id in counts:
        counts[energy_id] = max(0, counts[energy_id] - (total - size))
        if counts[energy_id] == 0:
            del counts[energy_id]
    elif total < size and energy_id is not None:
        counts[energy_id] = counts.get(energy_id, 0) + size - total
    return counts


def adapt_deck(deck: DeckList, rules: RulesConfig, cards: Mapping[str, CardDefinition]) -> DeckList:
    """The deck `rules` accepts built from `deck` (see the module docstring); pure."""
    size, max_copies = rules.deck.size, rules.deck.max_copies_per_name
    main_type = _main_type(deck, cards)
    energy_id = _basic_energy_id(main_type, cards)
    source = rules.energy.source
    if source is EnergySource.ENERGY_ZONE:
        zone = deck.zone_types or sorted(
            {
                card.energy_type
                for card_id in deck.energy
                if isinstance(card := cards[card_id], EnergyCard)
                and card.energy_kind is EnergyKind.BASIC
            }
        )
        main = {i: c for i, c in deck.main.items() if not isinstance(cards[i], EnergyCard)}
        zone = zone or [main_type]
        return DeckList(
            main=_cut(main, size, max_copies, cards),
            zone_types=list(zone)[: rules.energy.zone_max_types],
        )
    if source is EnergySource.MAIN_DECK:
        merged = Counter(deck.main)
        merged.update(deck.energy)
        kept = _cut(dict(merged), size, max_copies, cards) if sum(merged.values()) > size else {}
        counts = kept or dict(merged)
        return DeckList(main=_fill(counts, size, energy_id))
    main = {i: c for i, c in deck.main.items() if not isinstance(cards[i], EnergyCard)}
    energy = {i: c for i, c in deck.energy.items() if isinstance(cards[i], EnergyCard)}
    for card_id, count in deck.main.items():
        if isinstance(cards[card_id], EnergyCard):
            energy[card_id] = energy.get(card_id, 0) + count
    return DeckList(
        main=_cut(main, size, max_copies, cards),
        energy=_fill(energy, rules.energy.energy_deck_size or 0, energy_id),
    )
