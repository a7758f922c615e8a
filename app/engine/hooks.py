"""The seam between the core rules and the card-effects executor.

The core engine knows when effects run (an attack, a trainer, an ability, a
trigger) but not how each effect step works: that is the executor's job
(`app.engine.effects`, which registers itself here with `register_executor`
when imported). Without an executor registered the engine does not pretend:
attacks deal their printed damage only, and trainers and abilities whose cards
have effects are not offered by `legal_actions` (`executor()` is None).

Contract for an executor:
- `run(ctx, run, steps)` executes `steps` for `run`; it returns True when every
  step finished, False when it stopped on a `PendingChoice` it put in
  ``ctx.state.pending_choice`` (with a continuation it can resume from).
- For attacks, ``run.damage`` starts at the printed damage; steps may change it.
  The executor calls `app.engine.combat.deal_attack_damage(ctx, run)` at the
  point where the main damage is dealt; if it never does, the engine deals it
  after the steps finish (so effects that must come after damage, like switching,
  come after the executor's call).
- `resume(ctx, choice, selected)` continues an effect choice (the engine has
  validated `selected` against the choice) and returns the finished `EffectRun`,
  or None if it stopped on another choice.
- `fire(ctx, when, player, card, attacker=...)` runs the triggers of a moment
  (``on_play``, ``on_evolve``, ``on_attach``, ``start_of_turn``, ``end_of_turn``,
  ``on_knocked_out``, ``on_damaged_by_attack``) for `card` (or every relevant card
  of `player` when None); ``attacker`` names the attacking creature for the damage
  and knockout moments. Returns False when it stopped on a choice; the engine
  then waits, and carries on with the interrupted flow when the choice's run
  finishes (`app.engine.play.do_choose`).
- `can_play(ctx, player, card)` says whether a trainer's play condition holds
  (`card` is then an instance id in `player`'s hand) or whether an activated
  ability may be used now (`card` is ``"creature instance id:ability index"``).
  It runs for every trainer in the hand before every decision, so it must be
  cheap: look in the hand first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from app.core.game_state import ChoiceSource, PendingChoice, PlayerIndex
from app.engine.context import Ctx


@dataclass(slots=True)
class EffectRun:
    """One running effect: who uses what, on what, with the values bound so far."""

    source_kind: ChoiceSource
    player: PlayerIndex
    source: str | None
    source_index: int | None = None
    target: str | None = None
    damage: int = 0
    main_damage_done: bool = False
    bound: dict[str, Any] = field(default_factory=dict)


class EffectExecutor(Protocol):
    """What the effects executor provides to the core engine (see the module docstring)."""

    def run(self, ctx: Ctx, run: EffectRun, steps: Sequence[Any]) -> bool:
        """Execute `steps`; False when stopped on a pending choice."""

    def resume(
        self, ctx: Ctx, choice: PendingChoice, selected: tuple[str, ...]
    ) -> EffectRun | None:
        """Continue after `choice` was answered; the finished run, or None if paused again."""

    def fire(
        self,
        ctx: Ctx,
        when: str,
        player: PlayerIndex,
        card: str | None,
        *,
        attacker: str | None = None,
    ) -> bool:
        """Run the triggers of moment `when`; False when stopped on a pending choice."""

    def can_play(self, ctx: Ctx, player: PlayerIndex, card: str) -> bool:
        """Whether a trainer (instance id) or ability ('instance_id:index') may be used now."""


_EXECUTOR: list[EffectExecutor] = []


def register_executor(executor: EffectExecutor) -> None:
    """Install the effects executor (replacing any earlier one)."""
    _EXECUTOR.clear()
    _EXECUTOR.append(executor)


def unregister_executor() -> None:
    """Remove the executor (tests of the core rules without effects)."""
    _EXECUTOR.clear()


def executor() -> EffectExecutor | None:
    """The registered executor, or None when card effects cannot run."""
    return _EXECUTOR[0] if _EXECUTOR else None
