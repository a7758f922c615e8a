"""The engine is pure: dice only from the seed and the state, no clock, no I/O imports."""

from __future__ import annotations

import re
from pathlib import Path

from app.engine.rng import Rng, mix

ENGINE = Path("app/engine")
FORBIDDEN = re.compile(
    r"^\s*(import (time|os|socket)\b|from (random|time|os|pathlib) import"
    r"|from app\.(db|services|api|cli)\b|import app\.(db|services|api|cli)\b)"
    r"|datetime\.now|\.utcnow\("
    r"|\brandom\.(random|randint|choice|choices|shuffle|seed|randrange|sample|uniform)\(",
    re.MULTILINE,
)
"""Module-level dice, the clock and I/O; a local ``random.Random(seed)`` (bots) is fine."""


def test_engine_modules_use_no_global_random_clock_or_io() -> None:
    offenders: list[str] = []
    for path in sorted(ENGINE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        offenders.extend(f"{path}: {m.group(0).strip()}" for m in FORBIDDEN.finditer(text))
    assert offenders == []


def test_dice_depend_only_on_seed_version_and_salt() -> None:
    def rolls(rng: Rng) -> list[object]:
        items = list(range(10))
        rng.shuffle(items)
        return [rng.coin(), rng.below(100), rng.pick("abcdef"), items]

    assert rolls(Rng(5, 3)) == rolls(Rng(5, 3))
    assert rolls(Rng(5, 3)) != rolls(Rng(5, 4))
    assert rolls(Rng(5, 3)) != rolls(Rng(6, 3))
    assert rolls(Rng(5, 3, 1)) != rolls(Rng(5, 3))
    assert len({mix(seed, version) for seed in range(20) for version in range(20)}) == 400
