"""``mantimon sim`` through Typer's runner: reproducible, readable, and clear about bad decks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner, Result

from app.cli import cli
from app.cli.sim import render
from app.config import PROJECT_ROOT
from app.core.enums import EndReason
from app.engine.simulate import GameOutcome, MatchSummary

runner = CliRunner()


def invoke(*args: str) -> Result:
    return runner.invoke(cli, ["sim", *args], catch_exceptions=False)


def test_same_seed_same_output_and_another_seed_differs() -> None:
    args = ("fire", "water", "--games", "12", "--bot-b", "random")
    first = invoke(*args, "--seed", "7")
    again = invoke(*args, "--seed", "7")
    other = invoke(*args, "--seed", "8")
    assert first.exit_code == 0, first.output
    assert first.stdout == again.stdout
    assert first.stdout != other.stdout
    lines = first.stdout.splitlines()
    assert lines[0].startswith("A fire  wins")
    assert lines[1].startswith("B water wins")
    assert "95% CI [" in lines[0]
    assert lines[3].startswith("game length: mean ")
    assert lines[4].startswith("ended by: points ")
    for ending in ("prizes", "no creatures", "deck out", "turn limit"):
        assert ending in lines[4]
    assert lines[5].startswith("first player wins")


def test_json_summary_adds_up(tmp_path: Path) -> None:
    deck_file = tmp_path / "my_deck.json"
    shutil.copy(PROJECT_ROOT / "data" / "decks" / "grass.json", deck_file)
    result = invoke(
        str(deck_file),
        "lightning",
        "--games",
        "6",
        "--preset",
        "pocket",
        "--bot-a",
        "random",
        "--json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["deck_a"] == "my_deck"
    assert data["preset"] == "pocket"
    assert data["games"] == 6
    assert data["wins_a"]["count"] + data["wins_b"]["count"] + data["draws"]["count"] == 6
    assert sum(data["end_reasons"].values()) == 6
    assert 0 <= data["wins_a"]["ci95_low"] <= data["wins_a"]["rate"] <= data["wins_a"]["ci95_high"]


def test_classic_rules_play_the_starter_decks() -> None:
    result = invoke("psychic", "fire", "--games", "2", "--preset", "classic", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["games"] == 2


def test_bad_decks_and_options_are_one_line_errors(tmp_path: Path) -> None:
    unknown = invoke("fire", "lava")
    assert unknown.exit_code == 1
    assert "unknown deck 'lava'; starter decks: fire, grass, lightning, psychic, water" in (
        unknown.stderr
    )
    missing = invoke("fire", str(tmp_path / "nope.json"))
    assert missing.exit_code == 1
    assert "does not exist" in missing.stderr
    broken = tmp_path / "broken.json"
    broken.write_text('{"cards": 3}')
    invalid = invoke("fire", str(broken))
    assert invalid.exit_code == 1
    assert f"deck file {broken} is not a valid deck" in invalid.stderr
    bad_bot = runner.invoke(cli, ["sim", "fire", "water", "--bot-a", "clever"])
    assert bad_bot.exit_code == 2


def test_render_lists_rare_endings_too() -> None:
    summary = MatchSummary()
    summary.add(GameOutcome(1, EndReason.RESIGNATION, 3, 0, 9), 0)
    lines = render(summary, "a", "b")
    assert lines[4].endswith("turn limit 0, resignation 1")
