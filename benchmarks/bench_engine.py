"""Benchmark the rules engine: full random-vs-random games per second on one core.

Usage:  .venv/bin/python benchmarks/bench_engine.py [--games N] [--seed S] [--profile]

Prints, for random-vs-random games in this one process:
  * games per second and decisions (actions) per second, each game timed from
    `new_game` (shuffles, opening hands, prizes) to its end with the bots'
    choices included and one game alive at a time, for (a) "catalog decks" under
    each preset: every card of the catalog the preset allows (all 372; no energy
    cards under the energy zone) in some deck that the preset accepts as is (see
    `catalog_decks`), and (b) the five starter decks under each preset;
  * the mean time of one ``new_game``, ``legal_actions`` and ``apply`` call, timed in a
    separate pass so the per-call timers do not slow down the games figure;
next to the issue's anchors (other simulators measured on this kind of machine)
and its target. ``--profile`` adds the top of a cProfile of the catalog games.

No I/O in the timed part: the catalog is loaded once before timing. Not a test:
nothing is asserted, the numbers are for the reader (the machine may be shared).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from itertools import cycle
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
APP_ROOT_VARIABLE = "MANTIMON_BENCH_APP_ROOT"
"""Where to import ``app`` from instead of the working tree: a mypyc build's directory
(`benchmarks/compiled_engine.py`); the data files are always the working tree's."""
sys.path.insert(0, os.environ.get(APP_ROOT_VARIABLE) or str(REPO))
sys.path.insert(1, str(REPO / "benchmarks"))

from app.catalog.card_service import CardService  # noqa: E402
from app.catalog.deck_validation import load_starter_decks  # noqa: E402
from app.core.cards import (  # noqa: E402
    CardDefinition,
    CreatureCard,
    EnergyCard,
    EnergyKind,
    EnergyType,
    Stage,
    TrainerCard,
)
from app.core.decks import DeckList  # noqa: E402
from app.core.game_state import GameState, PlayerIndex  # noqa: E402
from app.core.rules import EnergySource, RulesConfig, RulesPreset  # noqa: E402
from app.engine import acting_player, apply, legal_actions  # noqa: E402
from app.engine import legal as legal_module  # noqa: E402
from app.engine.bots import RandomBot  # noqa: E402
from app.engine.decks import adapt_deck  # noqa: E402
from app.engine.simulate import deck_match, play_game  # noqa: E402

ANCHORS = (
    ("Python Pocket simulator A (5-22 cards)", "92-99 games/s, ~4.5k decisions/s"),
    ("Python Pocket simulator B (5-22 cards)", "218-225 games/s, ~23k decisions/s"),
    ("TypeScript simulator", "85-106 games/s"),
    ("deckgym-core (Rust, advertised)", "~3,300 games/s on one thread"),
    ("target (issue 9)", ">= 300 games/s and >= 20,000 decisions/s, whole catalog"),
)


ENERGY = 20
"""Energy cards per catalog deck (its energy deck, or its share of a 60-card main deck)."""


def _lines(cards: Mapping[str, CardDefinition]) -> list[list[str]]:
    """Every evolution line of the catalog: a basic and everything that evolves from it."""
    creatures = {i: c for i, c in cards.items() if isinstance(c, CreatureCard)}
    lines: list[list[str]] = []
    for card_id, card in sorted(creatures.items()):
        if card.stage is not Stage.BASIC:
            continue
        line = [card_id]
        frontier = [card.name]
        while frontier:
            name = frontier.pop()
            for other_id, other in sorted(creatures.items()):
                if other.evolves_from == name and other_id not in line:
                    line.append(other_id)
                    frontier.append(other.name)
        lines.append(line)
    return lines


def _deal(cards: Mapping[str, CardDefinition], rules: RulesConfig, seed: int) -> list[DeckList]:
    """Full decks for `rules` that together hold every card of the catalog they allow.

    Lines (largest first) and then trainers go to the deck with the fewest cards so
    far, one copy each (two when the deck size is 40 or more) and at most
    ``rules.deck.size`` per deck; each deck is then topped up to the deck size with
    more copies of its own cards, within the copy limit, and gets special energy
    round robin plus basic energy of the types its creatures use (`ENERGY` cards,
    taken from the deck size when energy shares the main deck).
    """
    rng = random.Random(seed)
    max_copies = rules.deck.max_copies_per_name
    size = rules.deck.size - (ENERGY if rules.energy.source is EnergySource.MAIN_DECK else 0)
    copies = 2 if size >= 40 else 1
    lines = _lines(cards)
    rng.shuffle(lines)
    lines.sort(key=len, reverse=True)
    trainers = sorted(i for i, c in cards.items() if isinstance(c, TrainerCard))
    rng.shuffle(trainers)
    total = copies * (sum(map(len, lines)) + len(trainers))
    mains: list[dict[str, int]] = [{} for _ in range(-(-total // size))]
    for group in [*lines, *([t] for t in trainers)]:
        deck = min(mains, key=lambda m: sum(m.values()))
        for card_id in group:
            deck[card_id] = copies
    specials = sorted(
        i
        for i, c in cards.items()
        if isinstance(c, EnergyCard) and c.energy_kind is EnergyKind.SPECIAL
    )
    basic_energy = {
        c.energy_type: i
        for i, c in cards.items()
        if isinstance(c, EnergyCard) and c.energy_kind is EnergyKind.BASIC
    }
    decks: list[DeckList] = []
    for n, main in enumerate(mains):
        names = Counter[str]()
        for card_id, count in main.items():
            names[cards[card_id].name] += count
        for card_id in cycle(list(main)):
            if sum(main.values()) >= size or all(names[cards[i].name] >= max_copies for i in main):
                break
            if names[cards[card_id].name] < max_copies:
                main[card_id] += 1
                names[cards[card_id].name] += 1
        wanted: set[EnergyType] = {
            t
            for i in main
            if isinstance(c := cards[i], CreatureCard)
            for t in (c.element, *(x for a in c.attacks for x in a.cost))
            if t is not EnergyType.COLORLESS
        }
        types = sorted(wanted)[:3] or [EnergyType.FIRE]
        energy = dict.fromkeys(specials[n :: len(mains)], copies)
        while sum(energy.values()) < ENERGY:
            for t in types:
                if sum(energy.values()) < ENERGY:
                    energy[basic_energy[t]] = energy.get(basic_energy[t], 0) + 1
        decks.append(DeckList(main=main, energy=energy, zone_types=types))
    return decks


def catalog_decks(
    cards: Mapping[str, CardDefinition], rules: RulesConfig, seed: int
) -> list[DeckList]:
    """`_deal`'s decks fitted to `rules` (`adapt_deck`), checked to cut no card.

    Raises:
        SystemExit: some card of the catalog would not be in play under `rules`.
    """
    fitted = [adapt_deck(d, rules, cards) for d in _deal(cards, rules, seed)]
    missing = playable(cards, rules) - {i for d in fitted for i in (*d.main, *d.energy)}
    if missing:
        raise SystemExit(f"{len(missing)} cards not dealt, e.g. {sorted(missing)[:5]}")
    return fitted


def playable(cards: Mapping[str, CardDefinition], rules: RulesConfig) -> set[str]:
    """The cards a deck can hold under `rules` (no energy cards with an energy zone)."""
    if rules.energy.source is EnergySource.ENERGY_ZONE:
        return {i for i, c in cards.items() if not isinstance(c, EnergyCard)}
    return set(cards)


def _games(
    decks: Sequence[DeckList], rules: RulesConfig, cards: Mapping[str, CardDefinition], games: int
) -> list[Callable[[], GameState]]:
    """One builder per game (deck pairs fitted to `rules` once, outside any timing).

    Builders, not states: a timed game starts with `new_game` (shuffles, hands,
    prizes), and only one game is alive at a time, as in a simulator.
    """
    matches: dict[tuple[int, int], Callable[[int, PlayerIndex], GameState]] = {}
    builders: list[Callable[[], GameState]] = []
    for n in range(games):
        pair = (n % len(decks), (n * 7 + 3) % len(decks))
        if pair not in matches:
            matches[pair] = deck_match(rules, decks[pair[0]], decks[pair[1]], cards)
        builders.append(partial(matches[pair], n, 0))
    return builders


def games_per_second(
    games: list[Callable[[], GameState]], cards: Mapping[str, CardDefinition]
) -> tuple[float, float, float, float]:
    """(games/s, decisions/s, mean actions per game, CPU share): each game built and played out.

    Rates are per second of this process's CPU time (`time.process_time`): on a
    shared machine wall time also counts the time other processes held the core.
    The CPU share (CPU time / wall time) says how contended the run was.
    """
    actions = 0
    wall, cpu = time.perf_counter(), time.process_time()
    for n, build in enumerate(games):
        actions += play_game(build(), (RandomBot(2 * n), RandomBot(2 * n + 1)), cards).actions
    cpu = time.process_time() - cpu
    wall = time.perf_counter() - wall
    return len(games) / cpu, actions / cpu, actions / len(games), cpu / wall


def per_call(
    games: list[Callable[[], GameState]], cards: Mapping[str, CardDefinition]
) -> tuple[float, float, float]:
    """Mean CPU microseconds per ``new_game``, ``legal_actions`` and ``apply`` call."""
    legal_time = apply_time = new_time = 0.0
    calls = 0
    clock = time.process_time
    for n, build in enumerate(games):
        t0 = clock()
        state = build()
        new_time += clock() - t0
        bots = (RandomBot(2 * n), RandomBot(2 * n + 1))
        while state.end_reason is None:
            t0 = clock()
            actions = legal_actions(state, cards)
            t1 = clock()
            action = bots[acting_player(state)].choose(state, actions, cards)
            t2 = clock()
            apply(state, action, cards, at=state.last_action_at)
            t3 = clock()
            legal_time += t1 - t0
            apply_time += t3 - t2
            calls += 1
    return new_time / len(games) * 1e6, legal_time / calls * 1e6, apply_time / calls * 1e6


def engine_build() -> str:
    """Which engine this process runs: the Python sources or a mypyc build (see `ROOT`)."""
    return "compiled" if Path(legal_module.__file__ or "").suffix in {".so", ".pyd"} else "python"


def rows(args: argparse.Namespace, cards: Mapping[str, CardDefinition]) -> None:
    """The measured lines (games, decisions, per call) for this process's engine build."""
    build = engine_build()
    catalog = {p: catalog_decks(cards, RulesConfig.preset(p), args.seed) for p in RulesPreset}
    starters = [
        DeckList.from_starter(d) for _, d in sorted(load_starter_decks(REPO / "data/decks").items())
    ]
    for label in ("catalog", "starter"):
        for preset in RulesPreset:
            rules = RulesConfig.preset(preset)
            pool = catalog[preset] if label == "catalog" else starters
            games = _games(pool, rules, cards, args.games)
            gps, dps, length, share = games_per_second(games, cards)
            print(
                f"{build:<9} {label:<8} {preset.value:<9} {gps:8.1f} {dps:12.0f} "
                f"{length:13.1f} {share:5.0%}",
                flush=True,
            )
    rules = RulesConfig.preset(RulesPreset.MANTIMON)
    new_us, legal_us, apply_us = per_call(
        _games(catalog[RulesPreset.MANTIMON], rules, cards, args.games), cards
    )
    print(
        f"{build:<9} per call (catalog decks, mantimon): new_game {new_us:.0f} us, "
        f"legal_actions {legal_us:.1f} us, apply {apply_us:.1f} us",
        flush=True,
    )


def compiled_rows(args: argparse.Namespace) -> None:
    """`rows` again in a child process that imports the mypyc build of the engine."""
    from compiled_engine import available, build

    missing = available()
    if missing is not None:
        print(f"compiled  (skipped: {missing})")
        return
    print("compiled  (building the mypyc copy of app/engine if its sources changed...)", flush=True)
    out = build()
    command = [sys.executable, __file__, "--games", str(args.games), "--seed", str(args.seed)]
    env = {**os.environ, APP_ROOT_VARIABLE: str(out)}
    subprocess.run([*command, "--rows-only"], env=env, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=300, help="games per measurement")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--profile", action="store_true", help="cProfile the catalog games")
    parser.add_argument(
        "--compiled", action="store_true", help="also measure a mypyc build of the engine"
    )
    parser.add_argument("--rows-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    cards = CardService.load(REPO / "data" / "cards").by_id
    if args.rows_only:
        rows(args, cards)
        return
    print(f"catalog: {len(cards)} cards; catalog decks put every card a preset allows in play:")
    for preset in RulesPreset:
        decks = catalog_decks(cards, RulesConfig.preset(preset), args.seed)
        dealt = {i for d in decks for i in (*d.main, *d.energy)}
        print(f"  {preset.value:<9} {len(dealt)} cards in {len(decks)} decks")
    print(f"{args.games} random-vs-random games per line, one process, one core\n")
    print("rates per second of CPU time of this process (cpu% = CPU time / wall time)")
    print(
        f"{'engine':<9} {'decks':<8} {'preset':<9} {'games/s':>8} {'decisions/s':>12} "
        f"{'actions/game':>13} {'cpu%':>5}"
    )
    rows(args, cards)
    if args.compiled:
        compiled_rows(args)
    print("\nanchors (issue 9, measured elsewhere on this kind of machine):")
    for name, figure in ANCHORS:
        print(f"  {name:<42} {figure}")
    if args.profile:
        rules = RulesConfig.preset(RulesPreset.MANTIMON)
        decks = catalog_decks(cards, rules, args.seed)
        games = _games(decks, rules, cards, args.games)
        profiler = cProfile.Profile()
        profiler.enable()
        games_per_second(games, cards)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
