"""The card-effects executor: one handler per step kind, run against the game state.

Importing this package registers `EXECUTOR` with the core engine (`app.engine.hooks`),
which calls it at the seam described there: `Executor.run` for an attack's, trainer's
or activated ability's steps, `Executor.resume` when a player answers an effect's
choice, `Executor.fire` at the moments triggers watch, `Executor.can_play` for a
trainer's play conditions. Handlers live one family per module (`damage`, `flow`,
`board`, `energy`, `cards`, `lasting`); `registry` maps every step kind to one.

Everything is pure: the state is mutated in place through `app.engine.ops`, random
draws come from ``ctx.rng`` and choices are `PendingChoice` values whose continuation
is plain JSON (`runtime`).

Decisions the vocabulary leaves open (each module lists its own):
- An attack's main damage is dealt just before its first step that does not shape the
  damage (``damage_bonus``, ``set_damage``, coin flips of only those), so switching,
  recoil, bench damage and "discard an energy" follow the hit as the text reads; a
  test keeps the catalog's shaping steps first.
- A choice with nothing to decide (every option needed, identical cards, one
  target) is taken without asking; identical cards are offered once.
- A trainer is playable when its ``requires`` hold and, for an evolving item, some
  creature has a matching card in the hand; an activated ability or stadium trigger
  when its condition holds (the core engine counts the once-per-turn limits).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.core.effects import EvolveFromHand, TriggerKind
from app.core.game_state import ChoiceSource, PendingChoice, PlayerIndex
from app.engine import ops
from app.engine.context import Ctx
from app.engine.effects import registry
from app.engine.effects.board import evolutions
from app.engine.effects.locate import find_definition, steps_at
from app.engine.effects.runtime import (
    LOC,
    QUEUE,
    Exec,
    deal_main_damage,
    run_steps,
    unpack,
)
from app.engine.effects.select import candidates, condition_holds
from app.engine.effects.triggers import fire, run_queue, start_trigger
from app.engine.effects.useful import worth_playing
from app.engine.hooks import EffectRun, register_executor

HANDLERS = registry.HANDLERS


class Executor:
    """The `app.engine.hooks.EffectExecutor` of this package (stateless)."""

    def run(self, ctx: Ctx, run: EffectRun, steps: Sequence[Any]) -> bool:
        """Run `steps` for `run`; False when it stopped on a pending choice."""
        ex = Exec(run=run, root=steps)
        if not run_steps(ctx, ex, steps):
            return False
        _finish_attack(ctx, run)
        return True

    def resume(
        self, ctx: Ctx, choice: PendingChoice, selected: tuple[str, ...]
    ) -> EffectRun | None:
        """Continue the effect `choice` came from with the answer; the run when finished."""
        continuation = choice.continuation
        if ctx.state.pending_choice is choice:
            ctx.state.pending_choice = None
        run = unpack(continuation)
        loc = run.bound[LOC]
        ex = Exec(run=run, resume=list(continuation.step_path), answer=list(selected))
        if run.source_kind is ChoiceSource.TRIGGER:
            if not start_trigger(ctx, ex):
                return None
            queue = run.bound.get(QUEUE) or []
            attacker = run.bound.get("attacker")
            if queue and not run_queue(
                ctx, list(queue), run.player, attacker if isinstance(attacker, str) else None
            ):
                return None
            return run
        ex.root = steps_at(ctx, loc)
        if not run_steps(ctx, ex, ex.root):
            return None
        _finish_attack(ctx, run)
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
        """Run the triggers of moment `when` (see `app.engine.effects.triggers`)."""
        return fire(ctx, when, player, card, attacker=attacker)

    def can_play(self, ctx: Ctx, player: PlayerIndex, card: str) -> bool:
        """Whether the trainer `card` (an instance id) may be played now by `player`.

        `card` may also be ``"creature instance id:ability index"`` (the core engine asks
        so for abilities) or ``"stadium instance id:trigger index"``: the ability or
        trigger must be activated and its condition hold.
        For a trainer, its ``requires`` conditions must hold, a card that evolves from
        the hand (Quickening Dew) needs a creature with a matching card in the hand, and
        under ``rules.trainers.refuse_without_effect`` its steps must be able to change
        something (`app.engine.effects.useful`).
        """
        if ":" in card:
            return _ability_usable(ctx, player, card)
        definition_id = next(
            (c.definition_id for c in ctx.state.players[player].hand if c.instance_id == card),
            None,
        ) or find_definition(ctx.state, card)
        trainer = ctx.index.trainers.get(definition_id) if definition_id else None
        if trainer is None:
            return False
        evolving = [step for step in trainer.effects if isinstance(step, EvolveFromHand)]
        refuse_idle = ctx.state.rules.trainers.refuse_without_effect
        if not trainer.requires and not evolving and not refuse_idle:
            return True
        ex = Exec(run=EffectRun(source_kind=ChoiceSource.TRAINER, player=player, source=card))
        if not all(condition_holds(ctx, ex, condition) for condition in trainer.requires):
            return False
        if not all(_can_evolve(ctx, ex, step) for step in evolving):
            return False
        return not refuse_idle or worth_playing(ctx, ex, trainer.effects)


def _can_evolve(ctx: Ctx, ex: Exec, step: EvolveFromHand) -> bool:
    """Whether some creature the step may target has a matching card in the hand."""
    return any(
        evolutions(ctx, seat, creature, skip=step.skip_stage)
        for seat, creature in candidates(ctx, ex, step.target)
    )


def _ability_usable(ctx: Ctx, player: PlayerIndex, key: str) -> bool:
    """An activated ability ("instance id:ability index") whose condition holds now."""
    instance_id, _, position = key.rpartition(":")
    stadium = ctx.state.stadium
    if stadium is not None and stadium.card.instance_id == instance_id and position.isdigit():
        return _stadium_usable(ctx, player, stadium.card.definition_id, int(position))
    located = ops.locate(ctx, instance_id)
    if located is None or located[0] != player or not position.isdigit():
        return False
    abilities = ctx.index.creature(located[1].definition_id).abilities
    if int(position) >= len(abilities):
        return False
    ability = abilities[int(position)]
    if ability.trigger is not TriggerKind.ACTIVATED:
        return False
    run = EffectRun(ChoiceSource.ABILITY, player, instance_id, int(position))
    return ability.condition is None or condition_holds(ctx, Exec(run=run), ability.condition)


def _stadium_usable(ctx: Ctx, player: PlayerIndex, definition_id: str, position: int) -> bool:
    """The stadium's activated trigger `position`, if its condition holds for `player`."""
    triggers = ctx.index.trainers[definition_id].triggers
    if position >= len(triggers) or triggers[position].kind is not TriggerKind.ACTIVATED:
        return False
    condition = triggers[position].condition
    run = EffectRun(ChoiceSource.ABILITY, player, None, position)
    return condition is None or condition_holds(ctx, Exec(run=run), condition)


def _finish_attack(ctx: Ctx, run: EffectRun) -> None:
    if (
        run.source_kind is ChoiceSource.ATTACK
        and not run.main_damage_done
        and ctx.state.winner is None
    ):
        deal_main_damage(ctx, run)


EXECUTOR = Executor()
register_executor(EXECUTOR)

__all__ = ["EXECUTOR", "HANDLERS", "Exec", "Executor"]
