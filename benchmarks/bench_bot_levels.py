"""What a decision costs at each bot level, and how many searching games one core serves.

Usage:  .venv/bin/python benchmarks/bench_bot_levels.py [--games N] [--levels a,b]

Each level plays N games (starter decks, seats alternated) against the ``normal``
bot; every decision of the measured level is timed here, outside the engine (the
bots read no clock), in CPU time of this process (`time.process_time`), so a
busy machine slows the run but not the figures much. Prints, per level, the
decisions timed, the mean, median and 95th-percentile CPU milliseconds per
decision, and for searching levels how many
games one core can keep at one bot decision per two seconds (2000 ms divided by
the mean). The load average is printed: shared caches still slow a loaded machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from app.catalog.card_service import CardService
from app.catalog.deck_validation import load_starter_decks
from app.core.cards import CardDefinition
from app.core.decks import DeckList
from app.core.game_state import GameState, PlayerIndex
from app.core.rules import RulesConfig, RulesPreset
from app.engine.actions import Action
from app.engine.bots import Bot, make_bot
from app.engine.simulate import deck_match, play_game

ROOT = Path(__file__).resolve().parent.parent
PAIRINGS = (("fire", "water"), ("grass", "psychic"), ("lightning", "fire"), ("water", "grass"))
MOVE_EVERY_MS = 2000.0


class _Timed:
    def __init__(self, bot: Bot, spent: list[float]) -> None:
        self.bot, self.spent = bot, spent

    def choose(
        self, state: GameState, actions: Sequence[Action], cards: Mapping[str, CardDefinition]
    ) -> Action:
        start = time.process_time()
        action = self.bot.choose(state, actions, cards)
        self.spent.append((time.process_time() - start) * 1000)
        return action


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--games", type=int, default=2)
    parser.add_argument("--levels", default="random,easy,normal,hard,master")
    args = parser.parse_args()
    cards = CardService.load(ROOT / "data" / "cards").by_id
    decks = load_starter_decks(ROOT / "data" / "decks")
    rules = RulesConfig.preset(RulesPreset.MANTIMON)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for level in args.levels.split(","):
        spent: list[float] = []
        for game in range(args.games):
            a, b = PAIRINGS[game % len(PAIRINGS)]
            make = deck_match(
                rules, DeckList.from_starter(decks[a]), DeckList.from_starter(decks[b]), cards
            )
            seat: PlayerIndex = 0 if game % 2 == 0 else 1
            timed = _Timed(make_bot(level, 100 + game), spent)
            other = make_bot("normal", 200 + game)
            bots = (timed, other) if seat == 0 else (other, timed)
            play_game(make(9000 + game, seat), bots, cards)
        spent.sort()
        mean = statistics.fmean(spent)
        p95 = spent[min(len(spent) - 1, int(0.95 * len(spent)))]
        line = (
            f"{level:<8} {len(spent):>5} decisions  mean {mean:8.2f} ms"
            f"  median {statistics.median(spent):8.2f} ms  p95 {p95:8.2f} ms"
        )
        if level in ("hard", "master"):
            line += f"  games per core at one decision per 2 s: {MOVE_EVERY_MS / mean:.1f}"
        print(line, flush=True)


if __name__ == "__main__":
    main()
