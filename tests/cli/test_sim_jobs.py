"""``mantimon sim --jobs``: games spread over worker processes give the very same results."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner, Result

from app.catalog.deck_validation import load_starter_decks
from app.cli import cli, sim_jobs
from app.cli.sim_jobs import MatchSpec, play_matches
from app.config import PROJECT_ROOT
from app.core.decks import DeckList
from app.core.rules import RulesConfig
from app.engine.bots import BotName

runner = CliRunner()


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of 3 games, so a dozen games are cut into several chunks over the workers."""
    monkeypatch.setattr(sim_jobs, "CHUNK_GAMES", 3)


def invoke(*args: str) -> Result:
    return runner.invoke(cli, ["sim", *args], catch_exceptions=False)


def specs() -> list[MatchSpec]:
    starters = load_starter_decks(PROJECT_ROOT / "data" / "decks")
    fire, water, grass = (DeckList.from_starter(starters[n]) for n in ("fire", "water", "grass"))
    cards_dir = PROJECT_ROOT / "data" / "cards"
    bots = (BotName.HEURISTIC, BotName.RANDOM)
    return [
        MatchSpec(RulesConfig(), fire, water, bots, cards_dir),
        MatchSpec(RulesConfig(), water, grass, bots, cards_dir),
    ]


def test_two_workers_play_exactly_the_games_of_one_process() -> None:
    seen: list[tuple[int, int]] = []
    alone = play_matches(specs(), games=7, seed=3, jobs=1)
    spread = play_matches(
        specs(), games=7, seed=3, jobs=2, progress=lambda m, d: seen.append((m, d))
    )
    assert [s.games for s in spread] == [s.games for s in alone]
    assert [s.seat_of_a for s in spread] == [s.seat_of_a for s in alone]
    assert [s.count for s in alone] == [7, 7]
    assert seen == [(0, 3), (0, 6), (0, 7), (1, 3), (1, 6), (1, 7)]
    other_seed = play_matches(specs(), games=7, seed=4, jobs=2)
    assert [s.games for s in other_seed] != [s.games for s in alone]


def test_jobs_do_not_change_what_sim_prints() -> None:
    args = ("fire", "psychic", "--games", "10", "--bot-b", "random", "--seed", "7")
    alone = invoke(*args)
    spread = invoke(*args, "--jobs", "3")
    assert alone.exit_code == 0, alone.output
    assert spread.exit_code == 0, spread.output
    assert spread.stdout == alone.stdout


def test_jobs_do_not_change_the_matrix_text_or_json() -> None:
    args = ("--matrix", "fire", "water", "lightning", "--games", "5", "--bot-a", "random")
    for extra in ((), ("--json",)):
        alone = invoke(*args, *extra)
        spread = invoke(*args, *extra, "--jobs", "2")
        assert spread.exit_code == 0, spread.output
        assert spread.stdout == alone.stdout
        assert spread.stderr == alone.stderr


def test_jobs_must_be_positive() -> None:
    result = invoke("fire", "water", "--jobs", "0")
    assert result.exit_code == 2
    assert "--jobs" in result.stderr
    with pytest.raises(ValueError, match="jobs must be at least 1, got 0"):
        play_matches(specs(), games=1, seed=0, jobs=0)
