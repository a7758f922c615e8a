"""How a set is printed: numbering order, reprints, rarities, images and basic energy.

These are the rules the old generator applied when it assembled a set (the
loader already refuses collector numbers that are not 1..N in file order):

- ``print_order``: a set prints its first prints in the blocks of
  ``print_order.blocks`` (creatures grouped by element in ``print_order.elements``),
  then its reprints, by rarity (least rare first), then in their originals' order;
- ``reprint``: a second card of a name already printed in the set is an
  alternate art of it: the same card in every rule and word (only id, number,
  illustrator, image and rarity differ), by another illustrator, at a rarity
  ``reprint_rarity`` allows for the original's kind;
- ``rarity``: a first print has its kind's rarity (``rarity``), or the one its id
  has in ``rarity_exceptions`` with its reason (an exception nothing needs is a
  finding too);
- ``presentation``: every card's image is ``cards/<set>/<number>.webp``;
- ``basic_energy``: each element creatures use (but Colorless) has exactly one
  basic energy card, named ``<Element> Energy``.

Not waivable card by card (they are about the set, not one design): a rarity
exception goes in ``rarity_exceptions``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence

from app.catalog.design_targets import DesignTargets, Finding
from app.core.cards import (
    CardDefinition,
    CreatureCard,
    EnergyCard,
    EnergyKind,
    EnergyType,
    Stage,
    TrainerCard,
)

PRINTING_CHECKS = ("print_order", "reprint", "rarity", "presentation", "basic_energy")
"""The check names this module reports."""

_PRINT_ONLY = frozenset({"id", "number", "illustrator", "image_path", "rarity"})
"""Fields in which an alternate art may differ from its original."""


def rarity_kind(card: CardDefinition) -> str:
    """The key of `DesignTargets.rarity` that `card` prints under."""
    if isinstance(card, CreatureCard):
        if card.is_apex:
            return "apex"
        if card.stage is Stage.BASIC:
            return "basic_with_ability" if card.abilities else "basic"
        return card.stage.value
    if isinstance(card, TrainerCard):
        return card.trainer_subtype.value
    assert isinstance(card, EnergyCard)
    return f"{card.energy_kind.value}_energy"


def printing_findings(cards: Sequence[CardDefinition], t: DesignTargets) -> list[Finding]:
    """Every printing finding over `cards` (any order; grouped by set here)."""
    by_set: dict[str, list[CardDefinition]] = defaultdict(list)
    for card in sorted(cards, key=lambda c: (c.set_id, c.number)):
        by_set[card.set_id].append(card)
    findings: list[Finding] = []
    for set_cards in by_set.values():
        findings += _set_findings(set_cards, t)
    findings += _rarity_exceptions(cards, t)
    findings += _basic_energy(cards)
    return findings


def _set_findings(cards: Sequence[CardDefinition], t: DesignTargets) -> Iterator[Finding]:
    first: dict[str, CardDefinition] = {}
    last_block = -1
    last_reprint: tuple[tuple[int, int], str] | None = None
    first_reprint: str | None = None
    for card in cards:
        image = f"cards/{card.set_id}/{card.number:03d}.webp"
        if card.image_path != image:
            message = f"image_path {card.image_path!r}, expected {image!r}"
            yield Finding(card.id, "presentation", message)
        original = first.get(card.name)
        if original is not None:
            key = (card.rarity.rank, original.number)
            if last_reprint is not None and key < last_reprint[0]:
                yield Finding(
                    card.id,
                    "print_order",
                    f"{card.name}: reprints go by rarity, then their originals' order;"
                    f" this one belongs before {last_reprint[1]}",
                )
            last_reprint = (key, card.id)
            first_reprint = first_reprint or card.id
            yield from _reprint(card, original, t)
            continue
        first[card.name] = card
        if first_reprint is not None:
            message = f"{card.name}: a first print after the reprints (from {first_reprint})"
            yield Finding(card.id, "print_order", message)
        block = _block_rank(card, t)
        if block < last_block:
            yield Finding(
                card.id,
                "print_order",
                f"{card.name}: a {_block(card)} printed right after a later block (order:"
                f" {', '.join(t.print_order.blocks)}; creatures by element:"
                f" {', '.join(t.print_order.elements)})",
            )
        last_block = block
        exception = t.rarity_exceptions.get(card.id)
        expected = exception.rarity if exception else t.rarity.get(rarity_kind(card))
        if card.rarity is not expected:
            yield Finding(
                card.id,
                "rarity",
                f"{card.name}: {card.rarity} but a {rarity_kind(card)} prints at {expected}",
            )


def _block(card: CardDefinition) -> str:
    if isinstance(card, CreatureCard):
        return f"{card.element} creature"
    return rarity_kind(card)


def _block_rank(card: CardDefinition, t: DesignTargets) -> int:
    """Position in printing order; creatures by element within the creature block."""
    blocks, elements = t.print_order.blocks, t.print_order.elements
    if isinstance(card, CreatureCard):
        return blocks.index("creature") * 100 + elements.index(card.element.value)
    return blocks.index(rarity_kind(card)) * 100


def _reprint(card: CardDefinition, original: CardDefinition, t: DesignTargets) -> Iterator[Finding]:
    def found(message: str) -> Finding:
        return Finding(card.id, "reprint", f"{card.name} (reprint of {original.id}): {message}")

    mine = card.model_dump(exclude=set(_PRINT_ONLY))
    theirs = original.model_dump(exclude=set(_PRINT_ONLY))
    differ = sorted(key for key in mine if mine[key] != theirs.get(key))
    if differ:
        yield found(f"differs from it in {', '.join(differ)}")
    if card.illustrator == original.illustrator:
        yield found(f"same illustrator {card.illustrator!r}; an alternate art is a new artist's")
    allowed = t.reprint_rarity.get(card.rarity, ())
    if rarity_kind(original) not in allowed:
        fits = [r.value for r, kinds in t.reprint_rarity.items() if rarity_kind(original) in kinds]
        yield found(
            f"{card.rarity} is not a reprint rarity for a {rarity_kind(original)}"
            f" (allowed: {', '.join(fits) or 'none'})"
        )


def _rarity_exceptions(cards: Sequence[CardDefinition], t: DesignTargets) -> Iterator[Finding]:
    by_id = {card.id: card for card in cards}
    for card_id, exception in sorted(t.rarity_exceptions.items()):
        card = by_id.get(card_id)
        if card is None:
            yield Finding(card_id, "rarity", "rarity_exceptions names a card not in the catalog")
        elif exception.rarity is t.rarity.get(rarity_kind(card)):
            yield Finding(
                card_id,
                "rarity",
                f"{card.name}: rarity_exceptions repeats its kind's {exception.rarity}",
            )


def _basic_energy(cards: Sequence[CardDefinition]) -> Iterator[Finding]:
    used = {c.element for c in cards if isinstance(c, CreatureCard)} - {EnergyType.COLORLESS}
    basics: dict[EnergyType, list[EnergyCard]] = defaultdict(list)
    for card in cards:
        if isinstance(card, EnergyCard) and card.energy_kind is EnergyKind.BASIC:
            basics[card.energy_type].append(card)
    for element in sorted(used | set(basics), key=lambda e: e.value):
        name = f"{element.value.capitalize()} Energy"
        found = basics.get(element, [])
        if {c.name for c in found} != {name}:  # alternate arts share the name
            got = ", ".join(f"{c.id} {c.name!r}" for c in found) or "none"
            yield Finding("*", "basic_energy", f"{element}: expected one {name!r}, found {got}")
