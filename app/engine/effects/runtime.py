"""Running a tuple of steps, stopping on a choice and resuming exactly where it stopped.

An `Exec` is one effect in progress: the core engine's `EffectRun` (who acts, the
source, the attack's running damage, values bound so far) plus where it is (``path``:
indexes into nested step tuples) and, while resuming, the answer to the pending choice.

Contract every handler follows (``handler(ctx, ex, step) -> bool``):

- Return True when the step is done, False when it stopped on a pending choice (it
  called `choose`, which put the `PendingChoice` in the state).
- Take every decision (targets, cards, order) BEFORE mutating anything: a handler that
  stopped is run again from its start on resume, and `choose` replays the decisions
  already taken (memoised in ``run.bound`` under the step's path), so the mutations
  happen exactly once, after the last decision.
- Randomness only through ``ctx.rng`` (via `app.engine.ops.flip_coin` or ``ctx.rng``).

A resumed effect is rebuilt from the continuation alone (plain JSON), so a game
restored from Redis or PostgreSQL mid-choice resumes identically.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.core.effects import CoinFlip, DamageBonus, SetDamage, Step
from app.core.game_state import ChoiceSource, Continuation, PendingChoice, PlayerIndex
from app.engine import combat, ops
from app.engine.context import Ctx
from app.engine.hooks import EffectRun

Handler = Callable[[Ctx, "Exec", Any], bool]
"""A step handler: ``(ctx, ex, step) -> done``; see the module docstring."""

HANDLERS: dict[str, Handler] = {}
"""Step kind -> handler; filled by `app.engine.effects.registry` (closed: see its test)."""

SAME = "same"
"""``run.bound`` key: instance ids the nearest earlier targeted step picked."""
HEADS = "heads"
"""``run.bound`` key: heads of the nearest earlier coin flip."""
ATTACKER = "attacker"
"""``run.bound`` key: the attacking creature, for triggers of damage and knockouts."""
LOC = "_loc"
"""``run.bound`` key: where the running steps are printed (see `locate_steps`)."""
QUEUE = "_queue"
"""``run.bound`` key: triggers still to run after this one (see `app.engine.effects.triggers`)."""

_PRE_DAMAGE = frozenset({"damage_bonus", "set_damage"})


@dataclass(slots=True)
class Exec:
    """One effect being executed: the run, the current step path and the pending answer."""

    run: EffectRun
    root: Sequence[Step] = ()
    path: list[int] = field(default_factory=list)
    resume: list[int] | None = None
    answer: list[str] | None = None

    @property
    def seat(self) -> PlayerIndex:
        """The acting player."""
        return self.run.player

    @property
    def other(self) -> PlayerIndex:
        """The acting player's opponent."""
        return 1 - self.run.player  # type: ignore[return-value]

    def key(self, slot: str) -> str:
        """A ``run.bound`` key private to the current step and `slot`."""
        return "@" + ".".join(map(str, self.path)) + "/" + slot


def is_pre_damage(step: Step) -> bool:
    """Whether a step only shapes the attack's damage (runs before the damage is dealt).

    A coin flip is pre-damage when everything it may run is (Flip a coin: if heads, 30
    more damage); ``Flip 3 coins, 20 per heads`` flips before the damage too.
    """
    if isinstance(step, DamageBonus | SetDamage):
        return True
    if isinstance(step, CoinFlip):
        return all(is_pre_damage(s) for s in (*step.on_heads, *step.on_tails))
    return False


def run_steps(ctx: Ctx, ex: Exec, steps: Sequence[Step]) -> bool:
    """Run `steps` in order (from the resume point when resuming); False if suspended."""
    start = 0
    resuming = ex.resume is not None
    if ex.resume:
        start = ex.resume.pop(0)
        if not ex.resume:
            ex.resume = None
    elif resuming:
        ex.resume = None
    for position in range(start, len(steps)):
        step = steps[position]
        ex.path.append(position)
        try:
            if not _run_one(ctx, ex, step, skip_condition=resuming and position == start):
                return False
        finally:
            ex.path.pop()
        if ctx.state.winner is not None:
            return True
    return True


def _run_one(ctx: Ctx, ex: Exec, step: Step, *, skip_condition: bool) -> bool:
    run = ex.run
    if (
        run.source_kind is ChoiceSource.ATTACK
        and not run.main_damage_done
        and step.kind not in _PRE_DAMAGE
        and not is_pre_damage(step)
    ):
        deal_main_damage(ctx, run)
    if not skip_condition and step.condition is not None:
        from app.engine.effects.select import condition_holds

        if not condition_holds(ctx, ex, step.condition):
            return True
    return HANDLERS[step.kind](ctx, ex, step)


def deal_main_damage(ctx: Ctx, run: EffectRun) -> None:
    """Deal the attack's damage through the core combat pipeline (once per attack)."""
    combat.deal_attack_damage(ctx, run)
    run.main_damage_done = True


def choose(
    ctx: Ctx,
    ex: Exec,
    slot: str,
    *,
    chooser: PlayerIndex,
    kind: str,
    options: Sequence[str],
    min_count: int,
    max_count: int,
    prompt: str,
    revealed: Sequence[str] = (),
    ordered: bool = False,
    from_hidden: bool = False,
) -> list[str] | None:
    """A decision of the current step: the ids picked, or None after asking for them.

    Replays a decision already taken (on resume), takes the pending answer if there is
    one, decides alone when there is nothing to decide (no options, or every option is
    needed and order does not matter) and otherwise puts a `PendingChoice` in the state
    and returns None: the handler then returns False.

    `from_hidden`: the options are cards only the chooser sees (the top of its deck, its
    hand). Everyone sees whether a choice is pending, so then it is asked even when it
    is forced: whether it is asked must not tell the other seat what those cards are.
    """
    key = ex.key(slot)
    bound = ex.run.bound
    known = bound.get(key)
    if known is not None:
        return list(known)
    max_count = min(max_count, len(options))
    min_count = min(min_count, max_count)
    if ex.answer is not None:
        picked = ex.answer
        ex.answer = None
    elif not from_hidden and (
        max_count == 0 or (min_count == max_count == len(options) and not ordered)
    ):
        picked = list(options)[:max_count]
    elif ordered and len(set(options)) <= 1:
        picked = list(options)
    else:
        if LOC not in bound:
            from app.engine.effects.locate import locate_steps

            bound[LOC] = locate_steps(ctx, ex.run, ex.root)
        choice = PendingChoice(
            player=chooser,
            kind=kind,
            options=list(options),
            min_count=min_count,
            max_count=max_count,
            prompt=prompt,
            revealed=list(revealed),
            continuation=Continuation(
                source_kind=ex.run.source_kind,
                source_card=ex.run.source,
                source_index=ex.run.source_index,
                step_path=list(ex.path),
                bound=pack(ex.run),
                then=None,
            ),
        )
        ops.request_choice(ctx, choice)
        return None
    bound[key] = picked
    return list(picked)


def pack(run: EffectRun) -> dict[str, Any]:
    """The run as plain JSON for a continuation (see `unpack`); a copy, never shared."""
    return {
        "player": run.player,
        "target": run.target,
        "damage": run.damage,
        "main": run.main_damage_done,
        "bound": _copy(run.bound),
    }


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_copy(item) for item in value]
    return value


def unpack(continuation: Continuation) -> EffectRun:
    """Rebuild the run a continuation was made from."""
    data = continuation.bound
    bound = data.get("bound")
    player = data.get("player")
    damage = data.get("damage")
    target = data.get("target")
    return EffectRun(
        source_kind=continuation.source_kind,
        player=1 if player == 1 else 0,
        source=continuation.source_card,
        source_index=continuation.source_index,
        target=target if isinstance(target, str) else None,
        damage=damage if isinstance(damage, int) else 0,
        main_damage_done=bool(data.get("main")),
        bound=dict(bound) if isinstance(bound, dict) else {},
    )
