"""The mypyc build of the engine plays exactly the games the Python engine plays.

`benchmarks/compiled_engine.py` compiles a copy of ``app/engine`` to measure what
compiling buys (`benchmarks/bench_engine.py --compiled`). A figure from it is only
worth quoting if it is the same engine: mypyc checks types at run time and changes
how some code runs, so this test compiles the engine and compares the seeded game
fingerprints of `benchmarks/engine_digest.py` (every legal-action list, event and
final state) between the two builds. Skipped where no C compiler or Python headers exist.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "benchmarks"))

import compiled_engine  # noqa: E402  (a script beside the benchmarks, not a package)


def _digest(app_root: Path | None) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k != "MANTIMON_BENCH_APP_ROOT"}
    if app_root is not None:
        env["MANTIMON_BENCH_APP_ROOT"] = str(app_root)
    result = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "engine_digest.py"), "--games", "2"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    return result.stdout.splitlines()


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One build for the module (a mypyc build takes minutes)."""
    missing = compiled_engine.available()
    if missing is not None:
        pytest.skip(f"cannot compile here: {missing}")
    out = compiled_engine.build(tmp_path_factory.mktemp("engine") / "compiled")
    assert list((out / "app" / "engine").glob("legal.*.so")), "legal.py was not compiled"
    return out


@pytest.mark.timeout(1200)
def test_the_compiled_engine_plays_the_same_games(compiled: Path) -> None:
    python, built = _digest(None), _digest(compiled)

    assert python[0] == "engine python"
    assert built[0] == "engine compiled"
    assert len(python) > 10
    assert built[1:] == python[1:]


def test_a_machine_without_a_compiler_is_told_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sysconfig, "get_config_var", lambda _: "no-such-cc-xyz")
    with pytest.raises(RuntimeError, match="no C compiler \\('no-such-cc-xyz' not found\\)"):
        compiled_engine.build(tmp_path / "compiled")


@pytest.mark.timeout(600)
def test_dev_compiled_runs_mantimon_on_the_build_with_the_same_results(compiled: Path) -> None:
    args = ["sim", "fire", "water", "-n", "6", "--seed", "3", "--json"]
    # PYTHONVERBOSE makes Python name the file behind each import: the proof that the
    # engine came from the build, not from the working tree.
    env = {**os.environ, "MANTIMON_COMPILED_DIR": str(compiled), "PYTHONVERBOSE": "1"}
    run = subprocess.run(
        [str(REPO / "dev"), "compiled", *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    mantimon = Path(sys.executable).parent / "mantimon"
    python = subprocess.run(
        [str(mantimon), *args], capture_output=True, text=True, check=True, timeout=600
    )

    assert f"mantimon on the compiled engine in {compiled}" in run.stderr
    assert (
        f"extension module 'app.engine' loaded from '{compiled}/app/engine/__init__." in run.stderr
    )
    assert "running the Python engine instead" not in run.stderr
    assert json.loads(run.stdout) == json.loads(python.stdout)
    assert json.loads(run.stdout)["games"] == 6
