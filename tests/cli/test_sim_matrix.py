"""``mantimon sim --matrix``: every pairing once, reproducible, and the numbers add up."""

from __future__ import annotations

import json

from typer.testing import CliRunner, Result

from app.cli import cli
from app.cli.sim_matrix import Pairing, render_matrix
from app.core.enums import EndReason
from app.engine.simulate import GameOutcome, MatchSummary

runner = CliRunner()


def invoke(*args: str) -> Result:
    return runner.invoke(cli, ["sim", "--matrix", *args], catch_exceptions=False)


def test_every_pairing_of_the_decks_given_once_and_same_seed_same_table() -> None:
    args = ("fire", "water", "psychic", "--games", "2", "--bot-b", "random")
    first = invoke(*args, "--seed", "5")
    again = invoke(*args, "--seed", "5")
    assert first.exit_code == 0, first.output
    assert first.stdout == again.stdout
    lines = first.stdout.splitlines()
    assert lines[0].startswith("pairing")
    assert "median turns" in lines[0]
    for ending in ("points", "no creatures", "deck out", "turn limit", "first player wins"):
        assert ending in lines[0]
    rows = [line.split("  ")[0].strip() for line in lines[1:4]]
    assert rows == ["fire vs water", "fire vs psychic", "water vs psychic"]
    assert lines[4].startswith("first player overall: ")
    assert "(6 games)" in lines[4]
    assert lines[5].startswith("pairings outside 45%-55%: ")
    assert "fire vs psychic: A wins" in first.stderr


def test_json_matrix_of_all_starters_adds_up() -> None:
    result = invoke("--games", "2", "--bot-a", "random", "--bot-b", "random", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["games_per_pairing"] == 2
    assert len(data["pairings"]) == 10
    assert {(p["deck_a"], p["deck_b"]) for p in data["pairings"]} >= {("fire", "grass")}
    decided = sum(p["games"] - p["draws"]["count"] for p in data["pairings"])
    assert data["first_player_wins"]["of"] == decided
    assert sum(data["end_reasons"].values()) == 20


def test_matrix_and_pairs_need_the_right_number_of_decks() -> None:
    lonely = invoke("fire")
    assert lonely.exit_code == 1
    assert "--matrix needs at least two decks" in lonely.stderr
    three = runner.invoke(cli, ["sim", "fire", "water", "grass"])
    assert three.exit_code == 1
    assert "give two decks" in three.stderr


def test_rows_mark_rates_outside_the_band_and_list_rare_endings() -> None:
    even, lopsided = MatchSummary(), MatchSummary()
    even.add(GameOutcome(0, EndReason.POINTS, 10, 0, 50), 0)
    even.add(GameOutcome(0, EndReason.RESIGNATION, 4, 1, 20), 1)
    lopsided.add(GameOutcome(0, EndReason.DECK_OUT, 30, 0, 99), 0)
    lines = render_matrix([Pairing("a", "b", even), Pairing("a", "c", lopsided)])
    assert "  in  " in lines[1]
    assert lines[1].endswith("resignation 1")
    assert "  OUT " in lines[2]
    assert lines[3].startswith("first player overall: 2 of 3 decided games, 66.7%")
    assert lines[4] == "pairings outside 45%-55%: 1 of 2 (a vs c)"
