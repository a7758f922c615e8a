"""`scripts/sum_matrix.py` adds up matrix runs exactly, and refuses runs that do not add up."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "scripts" / "sum_matrix.py"


def _run(tmp_path: Path, seed: int, bot_b: str = "random") -> Path:
    mantimon = Path(sys.executable).parent / "mantimon"
    args = ["sim", "--matrix", "--bot-a", "heuristic", "--bot-b", bot_b, "-n", "2"]
    result = subprocess.run(
        [str(mantimon), *args, "--seed", str(seed), "--json"],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    path = tmp_path / f"{seed}-{bot_b}.json"
    path.write_text(result.stdout)
    return path


def _sum(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_two_runs_add_up_pairing_by_pairing(tmp_path: Path) -> None:
    first, second = _run(tmp_path, 1), _run(tmp_path, 2)
    runs = [json.loads(p.read_text()) for p in (first, second)]

    result = _sum(first, second)

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "heuristic vs random, mantimon rules, 2 runs (seeds 1-2), side A's wins:"
    for line, (one, two) in zip(
        lines[1:-2], zip(runs[0]["pairings"], runs[1]["pairings"], strict=True), strict=True
    ):
        wins = one["wins_a"]["count"] + two["wins_a"]["count"]
        draws = one["draws"]["count"] + two["draws"]["count"]
        assert line.startswith(f"{one['deck_a']} vs {one['deck_b']}")
        assert f" {wins} of 4 " in line
        assert line.endswith(f"draws {draws}")
    all_wins = sum(p["wins_a"]["count"] for r in runs for p in r["pairings"])
    all_draws = sum(p["draws"]["count"] for r in runs for p in r["pairings"])
    assert lines[-2].startswith("side A, every pairing")
    assert f" {all_wins} of 40 " in lines[-2]
    assert lines[-2].endswith(f"draws {all_draws}")
    first_wins = sum(p["first_player_wins"]["count"] for r in runs for p in r["pairings"])
    decided = sum(p["games"] - p["draws"]["count"] for r in runs for p in r["pairings"])
    assert lines[-1].startswith("first player (decided)")
    assert f" {first_wins} of {decided} " in lines[-1]


def test_a_deck_left_out_leaves_out_its_pairings_and_their_first_players(
    tmp_path: Path,
) -> None:
    first, second = _run(tmp_path, 1), _run(tmp_path, 2)
    kept = [
        p
        for path in (first, second)
        for p in json.loads(path.read_text())["pairings"]
        if "fire" not in (p["deck_a"], p["deck_b"])
    ]

    result = subprocess.run(
        [sys.executable, str(SCRIPT), str(first), str(second), "--without", "fire"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].endswith("side A's wins (without fire):")
    assert not [line for line in lines[1:] if "fire" in line]
    assert len(lines) == 1 + 6 + 2  # the six pairings of the other four starters
    games = sum(p["games"] for p in kept)
    assert f" {sum(p['wins_a']['count'] for p in kept)} of {games} " in lines[-2]
    first_wins = sum(p["first_player_wins"]["count"] for p in kept)
    decided = sum(p["games"] - p["draws"]["count"] for p in kept)
    assert f" {first_wins} of {decided} " in lines[-1]


def test_a_seed_given_twice_or_other_bots_are_refused(tmp_path: Path) -> None:
    first = _run(tmp_path, 1)
    again = tmp_path / "copy.json"
    again.write_text(first.read_text())
    other = _run(tmp_path, 2, bot_b="heuristic")

    twice, mixed = _sum(first, again), _sum(first, other)

    assert twice.returncode != 0
    assert "seed 1 again" in twice.stderr
    assert mixed.returncode != 0
    assert "('heuristic', 'heuristic', 'mantimon') differ" in mixed.stderr


@pytest.mark.parametrize("text", ["{}", '{"seed": 1}'])
def test_a_file_that_is_not_a_matrix_is_named(tmp_path: Path, text: str) -> None:
    path = tmp_path / "other.json"
    path.write_text(text)
    result = _sum(path)
    assert result.returncode != 0
    assert f"{path}: not the JSON of `mantimon sim --matrix --json`" in result.stderr
