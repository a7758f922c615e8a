"""``mantimon sim``: play bot games between two decks and print how they went.

Decks are starter names (``fire``, ``water``... the files of ``DECKS_DIR``) or
paths to deck JSON files in the same format. Games run in this process on the
bundled catalog; no database or Redis is needed. Side A plays seat 0 in even
games and seat 1 in odd ones; who goes first is the engine's coin flip. The
same ``--seed`` (and arguments) always prints the same numbers.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from pydantic import ValidationError

from app.catalog.deck_validation import load_starter_decks
from app.cli._support import command, err, fail, out, progress_bar, settings
from app.cli.sim_jobs import MatchSpec, play_matches
from app.cli.sim_matrix import matrix_json, pairing_line, play_matrix, render_matrix
from app.core.decks import DeckList, StarterDeck
from app.core.enums import EndReason
from app.core.rules import RulesConfig, RulesPreset
from app.engine.bots import BotName
from app.engine.simulate import MatchSummary, wilson_interval

REPORTED_ENDINGS = (
    EndReason.POINTS,
    EndReason.PRIZES,
    EndReason.NO_CREATURES,
    EndReason.DECK_OUT,
    EndReason.TURN_LIMIT,
)
"""How a bot game can end; each is printed, even at zero, so runs compare line by line."""


def load_deck(spec: str, decks_dir: Path) -> tuple[str, DeckList]:
    """A deck and its display name from a starter name or a deck file path.

    Raises:
        typer.Exit: (through `fail`) an unknown starter, a missing or invalid file.
    """
    path = Path(spec)
    if spec.endswith(".json") or path.exists():
        if not path.is_file():
            fail(f"deck file {spec} does not exist")
        try:
            deck = StarterDeck.model_validate_json(path.read_text(encoding="utf-8"))
        except (ValidationError, ValueError) as exc:
            fail(f"deck file {spec} is not a valid deck: {exc}")
        return path.stem, DeckList.from_starter(deck)
    starters = load_starter_decks(decks_dir)
    if spec not in starters:
        fail(f"unknown deck {spec!r}; starter decks: {', '.join(sorted(starters))} (or a path)")
    return spec, DeckList.from_starter(starters[spec])


def _pct(count: int, total: int) -> str:
    low, high = wilson_interval(count, total)
    rate = count / total if total else 0.0
    return f"{count:>6}  {rate:6.1%}  95% CI [{low:6.1%}, {high:6.1%}]"


def render(summary: MatchSummary, name_a: str, name_b: str) -> list[str]:
    """The text report of a match (what ``mantimon sim`` prints without ``--json``)."""
    data = summary.as_dict()
    n = summary.count
    width = max(len(name_a), len(name_b), 5)
    lines = [
        f"{'A ' + name_a:<{width + 2}} wins {_pct(summary.wins_a, n)}",
        f"{'B ' + name_b:<{width + 2}} wins {_pct(summary.wins_b, n)}",
        f"{'draws':<{width + 2}}      {_pct(summary.draws, n)}",
        f"game length: mean {data['turns_mean']:.1f} turns, median {data['turns_median']:g} turns",
        "ended by: "
        + ", ".join(
            f"{reason.value.replace('_', ' ')} {summary.end_reasons().get(reason, 0)}"
            for reason in REPORTED_ENDINGS
        ),
        f"first player wins {_pct(summary.first_player_wins, summary.decided)}"
        " (of games with a winner)",
    ]
    others = {r: c for r, c in summary.end_reasons().items() if r not in REPORTED_ENDINGS}
    if others:
        lines[4] += ", " + ", ".join(f"{r.value} {c}" for r, c in sorted(others.items()))
    return lines


@command
def sim(
    deck_a: str | None = typer.Argument(
        None, help="Side A: a starter name (fire, water...) or a file."
    ),
    deck_b: str | None = typer.Argument(None, help="Side B: a starter name or a deck JSON file."),
    more: list[str] | None = typer.Argument(None, help="With --matrix: more decks."),
    games: int = typer.Option(100, "--games", "-n", min=1, max=1_000_000, help="Games to play."),
    preset: RulesPreset = typer.Option(RulesPreset.MANTIMON, "--preset", help="Rules preset."),
    bot_a: BotName = typer.Option(BotName.HEURISTIC, "--bot-a", help="Bot playing side A."),
    bot_b: BotName = typer.Option(BotName.HEURISTIC, "--bot-b", help="Bot playing side B."),
    seed: int = typer.Option(0, "--seed", min=0, help="Seed of the whole run."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    matrix: bool = typer.Option(
        False, "--matrix", help="Play every pairing of the decks given (default: all starters)."
    ),
    jobs: int = typer.Option(
        1, "--jobs", "-j", min=1, max=64, help="Worker processes (the results do not change)."
    ),
) -> None:
    """Play N bot games between two decks and print win rates, lengths and endings.

    With ``--matrix``, every pairing of the decks given (all starter decks when
    none is) plays N games and one table is printed.
    """
    config = settings()
    specs = [s for s in (deck_a, deck_b, *(more or ())) if s is not None]
    if matrix:
        _sim_matrix(specs, games, preset, (bot_a, bot_b), seed, jobs=jobs, as_json=as_json)
        return
    if len(specs) != 2:
        fail("give two decks (DECK_A DECK_B), or --matrix for every pairing")
    deck_a, deck_b = specs
    name_a, list_a = load_deck(deck_a, config.decks_dir)
    name_b, list_b = load_deck(deck_b, config.decks_dir)
    spec = MatchSpec(RulesConfig.preset(preset), list_a, list_b, (bot_a, bot_b), config.cards_dir)
    with progress_bar(f"{name_a} vs {name_b}", games) as advance:
        (summary,) = play_matches(
            [spec], games=games, seed=seed, jobs=jobs, progress=lambda _m, done: advance(done)
        )
    if as_json:
        payload = {
            "deck_a": name_a,
            "deck_b": name_b,
            "bot_a": bot_a.value,
            "bot_b": bot_b.value,
            "preset": preset.value,
            "seed": seed,
            **summary.as_dict(),
        }
        out.print_json(json.dumps(payload))
        return
    err.print(
        f"{name_a} ({bot_a.value}) vs {name_b} ({bot_b.value}), {games} games, "
        f"{preset.value} rules, seed {seed}",
        markup=False,
    )
    for line in render(summary, name_a, name_b):
        out.print(line, markup=False)


def _sim_matrix(
    specs: list[str],
    games: int,
    preset: RulesPreset,
    bots: tuple[BotName, BotName],
    seed: int,
    *,
    jobs: int,
    as_json: bool,
) -> None:
    """``sim --matrix``: every pairing of `specs` (all starters if empty)."""
    config = settings()
    names = specs or sorted(load_starter_decks(config.decks_dir))
    if len(names) < 2:
        fail("--matrix needs at least two decks")
    decks = [load_deck(spec, config.decks_dir) for spec in names]
    pairs = len(decks) * (len(decks) - 1) // 2
    with progress_bar(f"{pairs} pairings", pairs * games) as advance:
        pairings = play_matrix(
            decks,
            RulesConfig.preset(preset),
            bots,
            config.cards_dir,
            games=games,
            seed=seed,
            jobs=jobs,
            progress=advance,
            on_pairing=lambda p: err.print(pairing_line(p), markup=False),
        )
    kind_a, kind_b = bots
    header = {
        "bot_a": kind_a.value,
        "bot_b": kind_b.value,
        "preset": preset.value,
        "seed": seed,
        "games_per_pairing": games,
    }
    if as_json:
        out.print_json(matrix_json(pairings, header))
        return
    err.print(
        f"matrix of {len(decks)} decks, {games} games per pairing, {preset.value} rules, "
        f"{kind_a.value} vs {kind_b.value}, seed {seed}",
        markup=False,
    )
    for line in render_matrix(pairings):
        out.print(line, markup=False, soft_wrap=True)
