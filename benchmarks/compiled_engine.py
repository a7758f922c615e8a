"""Build a mypyc-compiled copy of the rules engine, to measure what compiling buys.

Usage:  .venv/bin/python benchmarks/compiled_engine.py [OUT]

Copies ``app/`` and ``pyproject.toml`` into OUT (default ``build/compiled-engine``)
and compiles every module of ``app/engine`` there with mypyc (the mypy the project
already locks), except `app.engine.errors`, whose exceptions subclass builtins. The
compiled extension modules sit beside their sources in the copy, so a process that
puts OUT first on ``sys.path`` imports the compiled engine and the rest of the
project as Python; the working tree itself never holds a compiled module, so tests
and coverage always run the sources. A stamp of the sources' hash skips a rebuild
when nothing changed. Prints OUT.

Why a copy and not the product: the engine stays pure Python (a fresh machine needs
no C compiler), and the compiled build must play exactly the same games, which
`benchmarks/engine_digest.py --app-root OUT` shows and a test checks. It needs a C
compiler and the Python headers; `available()` says whether this machine has them.

`./dev compiled ARGS` runs ``mantimon ARGS`` on this copy (built first when the sources
changed), for long simulations such as the starter matrix with searching bots on both
sides; where the engine cannot be compiled it says why and runs the Python engine, which
plays the same games. The copy's ``data`` links to the working tree's catalog and decks.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "build" / "compiled-engine"
NOT_COMPILED = frozenset({"app/engine/errors.py"})
"""Modules mypyc cannot compile as they are (classes that inherit from builtin exceptions)."""


def available() -> str | None:
    """None when this machine can compile the engine, else what is missing."""
    compiler = sysconfig.get_config_var("CC") or "cc"
    if shutil.which(compiler.split()[0]) is None:
        return f"no C compiler ({compiler!r} not found)"
    include = Path(sysconfig.get_paths()["include"]) / "Python.h"
    if not include.exists():
        return f"no Python headers ({include} not found)"
    if shutil.which("mypyc", path=str(Path(sys.executable).parent)) is None:
        return "mypyc is not installed next to this Python (install the dev dependencies)"
    return None


def _sources(root: Path) -> list[Path]:
    return sorted(p for p in (root / "app").rglob("*.py") if "__pycache__" not in p.parts)


def _digest(root: Path) -> str:
    """The sources' hash, and this script's: a change to how the copy is made rebuilds it."""
    digest = hashlib.sha256()
    for path in [*_sources(root), root / "pyproject.toml", Path(__file__).resolve()]:
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def build(out: Path = DEFAULT_OUT) -> Path:
    """Compile the engine into `out` (reused when the sources are unchanged); returns `out`.

    Raises:
        RuntimeError: this machine cannot compile (see `available`) or mypyc failed;
            the message holds mypyc's output.
    """
    missing = available()
    if missing is not None:
        raise RuntimeError(f"cannot compile the engine: {missing}")
    stamp = out / ".sources-sha256"
    wanted = _digest(REPO)
    if stamp.exists() and stamp.read_text() == wanted:
        return out
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    shutil.copytree(REPO / "app", out / "app", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(REPO / "pyproject.toml", out / "pyproject.toml")
    # The settings find the catalog and the decks beside the package (`app.config`): the
    # copy reads the working tree's, so a `mantimon` run from it plays the same cards.
    (out / "data").symlink_to(REPO / "data", target_is_directory=True)
    modules = [
        str(p.relative_to(out))
        for p in sorted((out / "app" / "engine").rglob("*.py"))
        if str(p.relative_to(out)) not in NOT_COMPILED
    ]
    mypyc = Path(sys.executable).parent / "mypyc"
    result = subprocess.run(
        [str(mypyc), *modules], cwd=out, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"mypyc failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    stamp.write_text(wanted)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    try:
        print(build(args.out.resolve()))
    except RuntimeError as error:
        raise SystemExit(str(error)) from None


if __name__ == "__main__":
    main()
