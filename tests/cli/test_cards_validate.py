"""``mantimon cards validate`` reports design findings by card and exits 1 on any."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from app.cli import cli
from app.config import PROJECT_ROOT

runner = CliRunner()


def test_a_card_out_of_band_is_named_and_fails_the_run(tmp_path: Path) -> None:
    shutil.copytree(PROJECT_ROOT / "data" / "cards", tmp_path, dirs_exist_ok=True)
    path = tmp_path / "mv1.json"
    data = json.loads(path.read_text())
    data["cards"][0]["hp"] = 40
    data["cards"][0]["retreat_cost"] = 0
    path.write_text(json.dumps(data))
    bad = runner.invoke(cli, ["cards", "validate", "--dir", str(tmp_path)])
    assert bad.exit_code == 1
    assert "mv1-001 hp_band: Mossnip: basic HP 40 outside band 60..90" in bad.stdout
    # its alternate art (mv1-164) now differs from it: a reprint is the same card
    assert "mv1-164 reprint: Mossnip (reprint of mv1-001): differs from it in hp" in bad.stdout
    assert "2 design finding(s) in 372 cards" in bad.stderr
    skipped = runner.invoke(cli, ["cards", "validate", "--dir", str(tmp_path), "--no-design"])
    assert skipped.exit_code == 0, skipped.output
    assert skipped.stdout.startswith("catalog OK: 372 cards")


def test_the_bundled_catalog_is_in_band_and_a_broken_targets_file_is_an_error(
    tmp_path: Path,
) -> None:
    ok = runner.invoke(cli, ["cards", "validate"])
    assert ok.exit_code == 0, ok.output
    assert "design targets and originality OK" in ok.stdout
    broken = tmp_path / "targets.json"
    broken.write_text("{}")
    bad = runner.invoke(cli, ["cards", "validate", "--targets", str(broken)])
    assert bad.exit_code == 1
    assert "cannot read the design files" in bad.stderr


def test_an_unpriced_attack_effect_is_reported_not_a_traceback(tmp_path: Path) -> None:
    shutil.copytree(PROJECT_ROOT / "data" / "cards", tmp_path, dirs_exist_ok=True)
    path = tmp_path / "mv1.json"
    data = json.loads(path.read_text())
    bramble = data["cards"][0]["attacks"][1]
    bramble["effects"].append({"kind": "reveal_hand"})
    path.write_text(json.dumps(data))
    bad = runner.invoke(cli, ["cards", "validate", "--dir", str(tmp_path)])
    assert bad.exit_code == 1, bad.output
    assert bad.exception is None or isinstance(bad.exception, SystemExit), bad.exception
    assert (
        'mv1-001 value_band: Mossnip: "Bramble Lash" cost 2: attacks[1].effects[1].kind:'
        " step kind 'reveal_hand' has no price" in bad.stdout
    )
