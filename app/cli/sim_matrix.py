"""``mantimon sim --matrix``: every pairing of a set of decks, one table.

The balance question of the starter decks (issue 10) is a matrix, not one
match: each pair of decks plays `games` games (seats alternated by `run_match`),
and the table gives side A's win rate with its Wilson 95% interval, the median
game length in turns, how the games ended and the first player's win rate, then
the first player's win rate over every game. A pairing whose rate is outside
`BAND` is marked, so a run reads at a glance. Every pairing uses the same seed,
so the same arguments always print the same table.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

from app.cli.sim_jobs import MatchSpec, play_matches
from app.core.decks import DeckList
from app.core.enums import EndReason
from app.core.rules import RulesConfig
from app.engine.bots import BotName
from app.engine.simulate import MatchSummary, wilson_interval

BAND = (0.45, 0.55)
"""The win rates the issue asks of every pairing and of the first player."""

ENDINGS = (
    EndReason.POINTS,
    EndReason.PRIZES,
    EndReason.NO_CREATURES,
    EndReason.DECK_OUT,
    EndReason.TURN_LIMIT,
)
"""The endings a column is printed for (any other one is added to the row)."""


@dataclass(frozen=True, slots=True)
class Pairing:
    """One cell of the matrix: deck A against deck B and how their games went."""

    deck_a: str
    deck_b: str
    summary: MatchSummary


def play_matrix(
    decks: Sequence[tuple[str, DeckList]],
    rules: RulesConfig,
    bots: tuple[BotName, BotName],
    cards_dir: Path,
    *,
    games: int,
    seed: int,
    jobs: int = 1,
    progress: Callable[[int], None] | None = None,
    on_pairing: Callable[[Pairing], None] | None = None,
) -> list[Pairing]:
    """Play every pair of `decks` (in the given order, A before B) `games` times.

    `bots` names side A's and side B's bot; the games are spread over `jobs`
    processes without changing any result. `on_pairing` is called with each
    pairing as soon as it is done, in order, and `progress` with the number of
    games done over the whole matrix (a long run shows its progress).
    """
    pairs = list(combinations(decks, 2))
    specs = [MatchSpec(rules, a, b, bots, cards_dir) for (_, a), (_, b) in pairs]

    def done(index: int, summary: MatchSummary) -> None:
        if on_pairing is not None:
            on_pairing(Pairing(pairs[index][0][0], pairs[index][1][0], summary))

    def advance(index: int, done_in_pairing: int) -> None:
        if progress is not None:
            progress(index * games + done_in_pairing)

    summaries = play_matches(
        specs, games=games, seed=seed, jobs=jobs, progress=advance, on_match=done
    )
    return [
        Pairing(name_a, name_b, summary)
        for ((name_a, _), (name_b, _)), summary in zip(pairs, summaries, strict=True)
    ]


def _first_player(pairings: Sequence[Pairing]) -> tuple[int, int]:
    wins = sum(p.summary.first_player_wins for p in pairings)
    return wins, sum(p.summary.decided for p in pairings)


def pairing_line(p: Pairing) -> str:
    """One short line for a finished pairing (progress of a long run)."""
    return f"{p.deck_a} vs {p.deck_b}: A wins {_rate(p):.1%} of {p.summary.count}"


def _mark(rate: float) -> str:
    return "in" if BAND[0] <= rate <= BAND[1] else "OUT"


def render_matrix(pairings: Sequence[Pairing]) -> list[str]:
    """The text table ``mantimon sim --matrix`` prints."""
    width = max((len(f"{p.deck_a} vs {p.deck_b}") for p in pairings), default=7)
    header = (
        f"{'pairing':<{width}}  A wins  95% CI            band  median turns  "
        + "  ".join(e.value.replace("_", " ") for e in ENDINGS)
        + "  first player wins"
    )
    lines = [header]
    for p in pairings:
        s = p.summary
        rate = s.wins_a / s.count if s.count else 0.0
        low, high = wilson_interval(s.wins_a, s.count)
        reasons = s.end_reasons()
        endings = "  ".join(f"{reasons.get(e, 0):>{len(e.value)}}" for e in ENDINGS)
        others = {r: c for r, c in reasons.items() if r not in ENDINGS}
        first = s.first_player_wins / s.decided if s.decided else 0.0
        row = (
            f"{p.deck_a + ' vs ' + p.deck_b:<{width}}  {rate:6.1%}  [{low:5.1%}, {high:5.1%}]"
            f"  {_mark(rate):<4}  {s.as_dict()['turns_median']:>12g}  {endings}  {first:6.1%}"
        )
        if others:
            row += "  " + ", ".join(f"{r.value} {c}" for r, c in sorted(others.items()))
        lines.append(row)
    wins, decided = _first_player(pairings)
    rate = wins / decided if decided else 0.0
    low, high = wilson_interval(wins, decided)
    games = sum(p.summary.count for p in pairings)
    lines.append(
        f"first player overall: {wins} of {decided} decided games, {rate:.1%} "
        f"95% CI [{low:.1%}, {high:.1%}]  {_mark(rate)}  ({games} games)"
    )
    outside = [f"{p.deck_a} vs {p.deck_b}" for p in pairings if _mark(_rate(p)) == "OUT"]
    lines.append(
        f"pairings outside {BAND[0]:.0%}-{BAND[1]:.0%}: {len(outside)} of {len(pairings)}"
        + (f" ({', '.join(outside)})" if outside else "")
    )
    return lines


def _rate(p: Pairing) -> float:
    return p.summary.wins_a / p.summary.count if p.summary.count else 0.0


def matrix_json(pairings: Sequence[Pairing], header: Mapping[str, object]) -> str:
    """The matrix as JSON: `header`, every pairing's summary, the first player overall."""
    wins, decided = _first_player(pairings)
    low, high = wilson_interval(wins, decided)
    endings: Counter[str] = Counter()
    for p in pairings:
        endings.update({r.value: c for r, c in p.summary.end_reasons().items()})
    payload = {
        **header,
        "pairings": [
            {"deck_a": p.deck_a, "deck_b": p.deck_b, **p.summary.as_dict()} for p in pairings
        ],
        "first_player_wins": {
            "count": wins,
            "of": decided,
            "rate": wins / decided if decided else 0.0,
            "ci95_low": low,
            "ci95_high": high,
        },
        "end_reasons": dict(sorted(endings.items())),
    }
    return json.dumps(payload)
