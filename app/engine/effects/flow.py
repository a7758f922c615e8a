"""Coin flips: the one step that runs other steps.

The heads count is bound as ``heads`` (for ``per: heads`` amounts) and also kept
under the flip's own path, so a branch resumed after a choice never flips again.
Path layout inside a flip: ``[flip index, branch (0 heads / 1 tails), step index...]``.
"""

from __future__ import annotations

from app.core.effects import CoinFlip
from app.engine import ops
from app.engine.context import Ctx
from app.engine.effects.runtime import HEADS, Exec, run_steps


def coin_flip(ctx: Ctx, ex: Exec, step: CoinFlip) -> bool:
    """Flip the coins (or recall them when resuming) and run the branch that applies."""
    key = ex.key("heads")
    recalled = ex.run.bound.get(key)
    if isinstance(recalled, int):
        heads = recalled
    else:
        heads = sum(ops.flip_coin(ctx, ex.seat, "effect") for _ in range(step.count))
        ex.run.bound[key] = heads
    ex.run.bound[HEADS] = heads
    branch = 0 if heads else 1
    if ex.resume:
        branch = ex.resume.pop(0)
    steps = step.on_heads if branch == 0 else step.on_tails
    if not steps:
        return True
    ex.path.append(branch)
    try:
        return run_steps(ctx, ex, steps)
    finally:
        ex.path.pop()
