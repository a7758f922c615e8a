"""Fingerprint the rules engine's behaviour: seeded games hashed, to prove a change changes nothing.

Usage:  .venv/bin/python benchmarks/engine_digest.py [--games N]

Plays N seeded games for each deck pool (the benchmark's catalog decks, the starter
decks), preset and bot (random, heuristic), and prints one digest per line plus a
total. A digest covers every legal-action list, every event and the final state's
JSON, so a refactoring meant to be behaviour-preserving (a speed-up, a split) must
print the same lines before and after; run it on both commits and diff the output.
A change that means to alter play (rules, bots, cards) changes the lines it touches.
The first line names the engine build: with ``MANTIMON_BENCH_APP_ROOT`` set to a mypyc
build (`compiled_engine.py`), every other line must match the Python engine's.

Not a test (nothing is asserted) and not timed: it sits with the benchmarks because
that is where engine speed work happens.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from bench_engine import _games, catalog_decks, engine_build  # noqa: E402

from app.catalog.card_service import CardService  # noqa: E402
from app.catalog.deck_validation import load_starter_decks  # noqa: E402
from app.core.decks import DeckList  # noqa: E402
from app.core.rules import RulesConfig, RulesPreset  # noqa: E402
from app.engine import acting_player, apply, legal_actions  # noqa: E402
from app.engine.bots import HeuristicBot, RandomBot  # noqa: E402
from app.engine.bots.base import Bot  # noqa: E402

BOTS: dict[str, Callable[[int], Bot]] = {"random": RandomBot, "heuristic": HeuristicBot}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=30, help="games per line")
    args = parser.parse_args()
    cards = CardService.load(REPO / "data" / "cards").by_id
    starters = [
        DeckList.from_starter(d) for _, d in sorted(load_starter_decks(REPO / "data/decks").items())
    ]
    print(f"engine {engine_build()}")
    total = hashlib.blake2b(digest_size=16)
    for label in ("catalog", "starter"):
        for preset in RulesPreset:
            rules = RulesConfig.preset(preset)
            pool = catalog_decks(cards, rules, 0) if label == "catalog" else starters
            for bot_name, bot in BOTS.items():
                digest = hashlib.blake2b(digest_size=16)
                for n, build in enumerate(_games(pool, rules, cards, args.games)):
                    state = build()
                    bots = (bot(2 * n), bot(2 * n + 1))
                    while state.end_reason is None:
                        actions = legal_actions(state, cards)
                        digest.update(repr(actions).encode())
                        action = bots[acting_player(state)].choose(state, actions, cards)
                        events = apply(state, action, cards, at=state.last_action_at)
                        digest.update(repr(events).encode())
                    digest.update(state.model_dump_json().encode())
                print(f"{label:<8} {preset.value:<9} {bot_name:<10} {digest.hexdigest()}")
                total.update(digest.digest())
    print(f"total {total.hexdigest()}")


if __name__ == "__main__":
    main()
