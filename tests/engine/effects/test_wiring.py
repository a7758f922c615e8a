"""Importing the engine installs the effects executor, so every caller plays with effects."""

from __future__ import annotations

import subprocess
import sys


def test_importing_the_engine_registers_the_executor() -> None:
    code = (
        "import app.engine\n"
        "from app.engine import hooks\n"
        "from app.engine.effects import EXECUTOR\n"
        "assert hooks.executor() is EXECUTOR\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
