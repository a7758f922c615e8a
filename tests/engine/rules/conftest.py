"""Core-rule tests run without the card-effects executor unless a test installs one."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from app.core.game_state import PendingChoice, PlayerIndex
from app.engine import hooks
from app.engine.context import Ctx
from app.engine.hooks import EffectRun


class NullExecutor:
    """Effects that do nothing, to test the limits around trainers and abilities in isolation."""

    def __init__(self) -> None:
        self.ran: list[EffectRun] = []
        self.playable = True

    def run(self, ctx: Ctx, run: EffectRun, steps: Sequence[Any]) -> bool:
        self.ran.append(run)
        return True

    def resume(
        self, ctx: Ctx, choice: PendingChoice, selected: tuple[str, ...]
    ) -> EffectRun | None:
        return None

    def fire(
        self,
        ctx: Ctx,
        when: str,
        player: PlayerIndex,
        card: str | None,
        *,
        attacker: str | None = None,
    ) -> bool:
        return True

    def can_play(self, ctx: Ctx, player: PlayerIndex, card: str) -> bool:
        return self.playable


@pytest.fixture(autouse=True)
def _core_rules_only() -> Iterator[None]:
    saved = hooks.executor()
    hooks.unregister_executor()
    yield
    hooks.unregister_executor()
    if saved is not None:
        hooks.register_executor(saved)


@pytest.fixture
def null_executor() -> NullExecutor:
    executor = NullExecutor()
    hooks.register_executor(executor)
    return executor
