"""Sum the JSON tables of several ``mantimon sim --matrix --json`` runs into one.

Usage:  .venv/bin/python scripts/sum_matrix.py RUN.json [RUN.json ...]

A matrix with searching bots on both sides costs seconds of CPU a game, so it is played
as many short runs, one seed each, that can be spread over processes, machines and
sessions and kept as they finish (``docs/balance/``). This adds them up: side A's wins,
the games and draws of each pairing with a Wilson 95% interval, side A's over every
pairing (a ladder's figure, when the two bots differ), and the first player's wins over
every decided game (as `mantimon sim` counts them). Runs must agree on the bots
and the preset (else it stops and says which file differs); a seed given twice is
refused, so no game counts twice. ``--without DECK`` leaves out every pairing of a deck
whose list changed since some of the runs (their games of it no longer count).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from app.engine.simulate import wilson_interval


def _load(paths: list[Path]) -> list[dict[str, Any]]:
    runs: list[dict[str, Any]] = []
    seen: dict[int, Path] = {}
    for path in paths:
        run: dict[str, Any] = json.loads(path.read_text())
        if "pairings" not in run:
            raise SystemExit(f"{path}: not the JSON of `mantimon sim --matrix --json`")
        kind = (run["bot_a"], run["bot_b"], run["preset"])
        first = (runs[0]["bot_a"], runs[0]["bot_b"], runs[0]["preset"]) if runs else kind
        if kind != first:
            raise SystemExit(f"{path}: bots and preset {kind} differ from the first run's {first}")
        if run["seed"] in seen:
            raise SystemExit(f"{path}: seed {run['seed']} again (also in {seen[run['seed']]})")
        seen[run["seed"]] = path
        runs.append(run)
    return runs


def _row(label: str, wins: int, games: int, extra: str = "") -> str:
    low, high = wilson_interval(wins, games)
    rate = wins / games if games else 0.0
    return (
        f"{label:<22} {wins:5d} of {games:<5d} {rate:6.1%}  95% CI [{low:6.1%}, {high:6.1%}]{extra}"
    )


def summary(runs: list[dict[str, Any]], without: frozenset[str] = frozenset()) -> list[str]:
    """The summed table, one line a pairing, then the first player's line.

    Pairings with a deck of `without` are left out, from the first player's line too.
    """
    totals: dict[tuple[str, str], list[int]] = {}
    first_wins = first_games = 0
    for run in runs:
        for pairing in run["pairings"]:
            if {pairing["deck_a"], pairing["deck_b"]} & without:
                continue
            total = totals.setdefault((pairing["deck_a"], pairing["deck_b"]), [0, 0, 0])
            total[0] += pairing["wins_a"]["count"]
            total[1] += pairing["games"]
            total[2] += pairing["draws"]["count"]
            first_wins += pairing["first_player_wins"]["count"]
            first_games += pairing["games"] - pairing["draws"]["count"]
    seeds = sorted(run["seed"] for run in runs)
    lines = [
        f"{runs[0]['bot_a']} vs {runs[0]['bot_b']}, {runs[0]['preset']} rules, "
        f"{len(runs)} runs (seeds {seeds[0]}-{seeds[-1]}), side A's wins"
        + (f" (without {', '.join(sorted(without))})" if without else "")
        + ":"
    ]
    for (deck_a, deck_b), (wins, games, draws) in sorted(totals.items()):
        lines.append(_row(f"{deck_a} vs {deck_b}", wins, games, f"  draws {draws}"))
    # A ladder's figure (one level against another, a draw a game A did not win).
    all_wins, all_games, all_draws = (sum(t[i] for t in totals.values()) for i in range(3))
    lines.append(_row("side A, every pairing", all_wins, all_games, f"  draws {all_draws}"))
    lines.append(_row("first player (decided)", first_wins, first_games))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path, help="`mantimon sim --matrix --json` output")
    parser.add_argument(
        "--without",
        action="append",
        default=[],
        metavar="DECK",
        help="leave out the pairings of DECK (its list changed since some runs); repeatable",
    )
    args = parser.parse_args()
    print("\n".join(summary(_load(args.runs), frozenset(args.without))))


if __name__ == "__main__":
    main()
