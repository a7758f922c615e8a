"""Bot matches for ``mantimon sim``, played in this process or over worker processes.

A game depends only on the match seed and its index (`play_games`), so a match
is cut into chunks of consecutive indices, the chunks are played by ``jobs``
worker processes, and their outcomes are put back in index order: the summaries
(and so everything printed) are the same whatever ``jobs`` is. With one job the
chunks are played here, by the same function, so both paths share one code path.

Workers are started with ``spawn`` (a fresh interpreter, nothing inherited from
the command's process); each loads the catalog once, from ``cards_dir``.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from app.catalog.card_service import CardService
from app.core.cards import CardDefinition
from app.core.decks import DeckList
from app.core.game_state import PlayerIndex
from app.core.rules import RulesConfig
from app.engine.bots import BotName, make_bot
from app.engine.simulate import GameOutcome, MatchSummary, deck_match, play_games

CHUNK_GAMES = 20
"""Games a worker plays per task: small enough for a lively progress bar and an
even split at the end of a run, large enough that sending a task costs little."""

_catalogs: dict[Path, Mapping[str, CardDefinition]] = {}
"""The catalog each process loaded, by directory (loaded once per worker, not per chunk)."""


@dataclass(frozen=True, slots=True)
class MatchSpec:
    """One match, described by plain values so a worker process can rebuild it."""

    rules: RulesConfig
    deck_a: DeckList
    deck_b: DeckList
    bots: tuple[BotName, BotName]
    cards_dir: Path


@dataclass(frozen=True, slots=True)
class _Chunk:
    match: int
    start: int
    stop: int


def _catalog(cards_dir: Path) -> Mapping[str, CardDefinition]:
    if cards_dir not in _catalogs:
        _catalogs[cards_dir] = CardService.load(cards_dir).by_id
    return _catalogs[cards_dir]


def play_chunk(
    spec: MatchSpec, seed: int, start: int, stop: int
) -> list[tuple[GameOutcome, PlayerIndex]]:
    """Games ``start`` to ``stop - 1`` of `spec` seeded `seed`, in index order."""
    cards = _catalog(spec.cards_dir)
    make_state = deck_match(spec.rules, spec.deck_a, spec.deck_b, cards)
    kind_a, kind_b = spec.bots
    return list(
        play_games(
            make_state,
            partial(make_bot, kind_a),
            partial(make_bot, kind_b),
            cards,
            seed=seed,
            indices=range(start, stop),
        )
    )


def _chunks(matches: int, games: int) -> list[_Chunk]:
    return [
        _Chunk(m, start, min(start + CHUNK_GAMES, games))
        for m in range(matches)
        for start in range(0, games, CHUNK_GAMES)
    ]


def play_matches(
    specs: Sequence[MatchSpec],
    *,
    games: int,
    seed: int,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
    on_match: Callable[[int, MatchSummary], None] | None = None,
) -> list[MatchSummary]:
    """Play `games` games of every match in `specs`, all seeded `seed`, over `jobs` processes.

    The result does not depend on `jobs`. `progress(match, games_done)` is called
    as games of a match are done (in order), `on_match(match, summary)` when a
    match is complete; matches complete in the order given.

    Raises:
        ValueError: `jobs` is less than 1.
    """
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    summaries = [MatchSummary() for _ in specs]
    chunks = _chunks(len(specs), games)
    for chunk, outcomes in zip(chunks, _play(specs, chunks, seed, jobs), strict=True):
        summary = summaries[chunk.match]
        for outcome, seat_a in outcomes:
            summary.add(outcome, seat_a)
        if progress is not None:
            progress(chunk.match, summary.count)
        if chunk.stop == games and on_match is not None:
            on_match(chunk.match, summary)
    return summaries


def _play(
    specs: Sequence[MatchSpec], chunks: Sequence[_Chunk], seed: int, jobs: int
) -> Iterator[list[tuple[GameOutcome, PlayerIndex]]]:
    """Each chunk's outcomes, in the order of `chunks`, however many processes play them."""
    args = (
        [specs[c.match] for c in chunks],
        [seed] * len(chunks),
        [c.start for c in chunks],
        [c.stop for c in chunks],
    )
    if jobs == 1:
        yield from map(play_chunk, *args)
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        yield from pool.map(play_chunk, *args)
