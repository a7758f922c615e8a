"""The mypyc build of the engine plays exactly the games the Python engine plays.

`benchmarks/compiled_engine.py` compiles a copy of ``app/engine`` to measure what
compiling buys (`benchmarks/bench_engine.py --compiled`). A figure from it is only
worth quoting if it is the same engine: mypyc checks types at run time and changes
how some code runs, so this test compiles the engine and compares the seeded game
fingerprints of `benchmarks/engine_digest.py` (every legal-action list, event and
final state) between the two builds. Skipped where no C compiler or Python headers exist.
"""

from __future__ import annotations

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


@pytest.mark.timeout(1200)
def test_the_compiled_engine_plays_the_same_games(tmp_path: Path) -> None:
    missing = compiled_engine.available()
    if missing is not None:
        pytest.skip(f"cannot compile here: {missing}")
    out = compiled_engine.build(tmp_path / "compiled")
    assert list((out / "app" / "engine").glob("legal.*.so")), "legal.py was not compiled"

    python, compiled = _digest(None), _digest(out)

    assert python[0] == "engine python"
    assert compiled[0] == "engine compiled"
    assert len(python) > 10
    assert compiled[1:] == python[1:]


def test_a_machine_without_a_compiler_is_told_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sysconfig, "get_config_var", lambda _: "no-such-cc-xyz")
    with pytest.raises(RuntimeError, match="no C compiler \\('no-such-cc-xyz' not found\\)"):
        compiled_engine.build(tmp_path / "compiled")
