"""The executor seam: an effect that stops on a choice resumes the flow it interrupted."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from app.core.game_state import (
    ChoiceSource,
    Continuation,
    GameState,
    PendingChoice,
    PlayerIndex,
    TurnPhase,
)
from app.engine import ActionKind, hooks, legal_actions
from app.engine.context import Ctx
from app.engine.hooks import EffectRun
from app.engine.ops import request_choice
from tests.engine.builders import ENERGY_SCOOP, GRASS, MOSSNIP, ZAPKIT, act, catalog, make_state


class AskingExecutor:
    """Every effect asks its player to pick "a" or "b" before finishing; triggers may ask too."""

    def __init__(self, ask_on: str | None = None) -> None:
        self.pending: EffectRun | None = None
        self.ask_on = ask_on
        self.finished: list[tuple[str, tuple[str, ...]]] = []

    def _ask(self, ctx: Ctx, run: EffectRun) -> bool:
        self.pending = run
        request_choice(
            ctx,
            PendingChoice(
                player=run.player,
                kind="target",
                options=["a", "b"],
                min_count=1,
                max_count=1,
                continuation=Continuation(source_kind=run.source_kind, source_card=run.source),
            ),
        )
        return False

    def run(self, ctx: Ctx, run: EffectRun, steps: Sequence[Any]) -> bool:
        return self._ask(ctx, run)

    def resume(
        self, ctx: Ctx, choice: PendingChoice, selected: tuple[str, ...]
    ) -> EffectRun | None:
        run = self.pending
        assert run is not None
        self.finished.append((run.source_kind.value, selected))
        if run.source_kind is ChoiceSource.ATTACK:
            run.damage += 10
        return run

    def fire(
        self,
        ctx: Ctx,
        when: str,
        player: PlayerIndex,
        card: str | None,
        *,
        attacker: str | None = None,
    ) -> bool:
        if when == self.ask_on:
            self.ask_on = None
            return self._ask(ctx, EffectRun(ChoiceSource.TRIGGER, player, card))
        return True

    def can_play(self, ctx: Ctx, player: PlayerIndex, card: str) -> bool:
        return True


def _phase_and_choice(state: GameState) -> tuple[TurnPhase, PendingChoice | None]:
    return state.phase, state.pending_choice


@pytest.fixture
def asking() -> AskingExecutor:
    executor = AskingExecutor()
    hooks.register_executor(executor)
    return executor


def test_an_attack_paused_on_a_choice_deals_its_damage_after_the_answer(
    asking: AskingExecutor,
) -> None:
    state = make_state(
        p0={"active": (MOSSNIP, {"energy": [GRASS, GRASS]})}, p1={"active": (MOSSNIP, {})}
    )
    act(state, ActionKind.ATTACK, index=1)
    assert state.phase is TurnPhase.ATTACK
    assert [a.choice for a in legal_actions(state, catalog())] == [("a",), ("b",)]
    act(state, ActionKind.CHOOSE, choice=("b",))
    assert asking.finished == [("attack", ("b",))]
    assert state.players[1].active.damage == 30 + 10  # type: ignore[union-attr]
    assert state.current_player == 1


def test_a_trainer_paused_on_a_choice_returns_to_the_main_phase(asking: AskingExecutor) -> None:
    state = make_state(p0={"active": MOSSNIP, "hand": [ENERGY_SCOOP]})
    act(state, ActionKind.PLAY_TRAINER, card="p0-002")
    assert state.pending_choice is not None
    act(state, ActionKind.CHOOSE, choice=("a",))
    assert _phase_and_choice(state) == (TurnPhase.MAIN, None)
    assert state.current_player == 0
    assert [c.instance_id for c in state.players[0].discard] == ["p0-002"]


def test_an_end_of_turn_trigger_choice_then_the_checkup_and_next_turn() -> None:
    executor = AskingExecutor(ask_on="end_of_turn")
    hooks.register_executor(executor)
    state = make_state(p1={"active": (MOSSNIP, {"status": ["poisoned"]})})
    act(state, ActionKind.END_TURN)
    assert (state.phase, state.pending_choice is not None) == (TurnPhase.BETWEEN_TURNS, True)
    assert state.players[1].active.damage == 0  # type: ignore[union-attr]
    act(state, ActionKind.CHOOSE, choice=("a",))
    assert state.players[1].active.damage == 10  # type: ignore[union-attr]
    assert (state.current_player, state.phase) == (1, TurnPhase.MAIN)


def test_a_trigger_choice_on_play_resumes_the_main_phase() -> None:
    executor = AskingExecutor(ask_on="on_play")
    hooks.register_executor(executor)
    state = make_state(p0={"active": MOSSNIP, "hand": [ZAPKIT]})
    act(state, ActionKind.PLAY_CREATURE, card="p0-002")
    assert state.pending_choice is not None
    act(state, ActionKind.CHOOSE, choice=("b",))
    assert executor.finished == [("trigger", ("b",))]
    assert _phase_and_choice(state) == (TurnPhase.MAIN, None)
