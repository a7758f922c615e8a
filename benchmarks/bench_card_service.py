"""Benchmark the card catalog against the raw alternatives, in one run.

Usage:  .venv/bin/python benchmarks/bench_card_service.py [--cards-dir DIR] [--repeat N]

Prints:
  * cold load: CardService.load (read + parse + validate + cross-checks + indexes)
    next to plain json.loads of the same files;
  * search: CardService.search_cards for single and combined filters next to a
    plain linear scan over the same cards that builds the same page.
The ratio column is ours / raw (below 1 means we are faster). Not a test: no
timing is asserted anywhere, the numbers are for the reader.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from app.catalog.card_service import CardPage, CardSearchFilters, CardService  # noqa: E402
from app.core.cards import (  # noqa: E402
    CardDefinition,
    CardType,
    CreatureCard,
    EnergyCard,
    EnergyType,
    Rarity,
    Stage,
    TrainerCard,
    TrainerSubtype,
)


def best_of(func: Callable[[], object], repeat: int, inner: int) -> float:
    """Best mean seconds per call over `repeat` rounds of `inner` calls (least noisy)."""
    rounds = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(inner):
            func()
        rounds.append((time.perf_counter() - start) / inner)
    return min(rounds)


def raw_json_load(cards_dir: Path) -> int:
    index = json.loads((cards_dir / "_index.json").read_text(encoding="utf-8"))
    total = 0
    for entry in index["sets"]:
        data = json.loads((cards_dir / entry["file"]).read_text(encoding="utf-8"))
        total += len(data["cards"])
    return total


def matches(card: CardDefinition, f: CardSearchFilters) -> bool:
    """The straightforward predicate a search without indexes would evaluate per card."""
    if f.card_type is not None and card.card_type is not f.card_type:
        return False
    if f.set_id is not None and card.set_id != f.set_id.lower():
        return False
    if f.rarity is not None and card.rarity is not f.rarity:
        return False
    if f.element is not None:
        if isinstance(card, CreatureCard):
            element: EnergyType | None = card.element
        elif isinstance(card, EnergyCard):
            element = card.energy_type
        else:
            element = None
        if element is not f.element:
            return False
    if f.stage is not None and not (isinstance(card, CreatureCard) and card.stage is f.stage):
        return False
    if f.trainer_subtype is not None and not (
        isinstance(card, TrainerCard) and card.trainer_subtype is f.trainer_subtype
    ):
        return False
    if f.hp_min is not None or f.hp_max is not None:
        if not isinstance(card, CreatureCard):
            return False
        if f.hp_min is not None and card.hp < f.hp_min:
            return False
        if f.hp_max is not None and card.hp > f.hp_max:
            return False
    return f.name_contains is None or f.name_contains.casefold() in card.name.casefold()


def linear_search(cards: tuple[CardDefinition, ...], f: CardSearchFilters) -> CardPage:
    hits = [card for card in cards if matches(card, f)]
    return CardPage.model_construct(
        items=hits[f.offset : f.offset + f.limit], total=len(hits), limit=f.limit, offset=f.offset
    )


CASES: list[tuple[str, CardSearchFilters]] = [
    ("no filter (first page)", CardSearchFilters()),
    ("single: element=fire", CardSearchFilters(element=EnergyType.FIRE)),
    ("single: rarity=gilded_rare", CardSearchFilters(rarity=Rarity.GILDED_RARE)),
    ("single: stage=stage_2", CardSearchFilters(stage=Stage.STAGE_2)),
    ("single: name_contains='wing'", CardSearchFilters(name_contains="wing")),
    ("single: hp 150..200", CardSearchFilters(hp_min=150, hp_max=200)),
    (
        "combined: creature+water+basic",
        CardSearchFilters(card_type=CardType.CREATURE, element=EnergyType.WATER, stage=Stage.BASIC),
    ),
    (
        "combined: mv2+supporter",
        CardSearchFilters(set_id="mv2", trainer_subtype=TrainerSubtype.SUPPORTER),
    ),
    (
        "combined: metal+hp 100..150+'o'",
        CardSearchFilters(element=EnergyType.METAL, hp_min=100, hp_max=150, name_contains="o"),
    ),
    (
        "combined: mv1+super_rare+'ex'",
        CardSearchFilters(set_id="mv1", rarity=Rarity.SUPER_RARE, name_contains="ex"),
    ),
]


def main() -> int:
    parser = argparse.ArgumentParser(description="CardService benchmark")
    parser.add_argument("--cards-dir", type=Path, default=REPO / "data" / "cards")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    cards_dir: Path = args.cards_dir

    service = CardService.load(cards_dir)
    cards = service.all_cards()
    print(f"catalog: {len(cards)} cards in {len(service.sets)} sets from {cards_dir}")
    print(f"python {sys.version.split()[0]}, best of {args.repeat} rounds\n")

    load = best_of(lambda: CardService.load(cards_dir), args.repeat, 3)
    raw = best_of(lambda: raw_json_load(cards_dir), args.repeat, 10)
    print(f"{'cold load':<36}{'ours':>12}{'json.loads':>14}{'ours/raw':>10}")
    print(f"{'CardService.load vs json.loads':<36}{load * 1e3:>10.2f}ms{raw * 1e3:>12.2f}ms"
          f"{load / raw:>10.1f}")  # fmt: skip
    print()

    print(f"{'search (same page, same order)':<36}{'indexed':>12}{'linear':>14}{'ours/raw':>10}"
          f"{'speed-up':>10}{'total':>7}")  # fmt: skip
    speedups_filtered: list[float] = []
    for label, filters in CASES:
        ours_page = service.search_cards(filters)
        raw_page = linear_search(cards, filters)
        assert ours_page == raw_page, label
        ours = best_of(partial(service.search_cards, filters), args.repeat, 200)
        scan = best_of(partial(linear_search, cards, filters), args.repeat, 200)
        if label.startswith(("single", "combined")):
            speedups_filtered.append(scan / ours)
        print(
            f"{label:<36}{ours * 1e6:>10.1f}us{scan * 1e6:>12.1f}us{ours / scan:>10.3f}"
            f"{scan / ours:>9.1f}x{ours_page.total:>7}"
        )
    print()
    print(
        f"filtered searches: speed-up min {min(speedups_filtered):.1f}x, "
        f"median {statistics.median(speedups_filtered):.1f}x (target >= 10x)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
