"""Whether a trainer's steps can change anything now (`RulesConfig.trainers.refuse_without_effect`).

The published digital game refuses a card whose effect cannot do anything (a heal
with nothing damaged, a search of a deck with nothing to find). Under that rule a
trainer is playable when its costs can be paid and at least one of its steps can
change the game now, judged from what each step kind can change (`CAN_CHANGE`, one
entry per step kind: a test fails if a kind has none), never from a list of cards.

What counts as a change: a card moving between zones, damage or a status given or
taken away, energy attached, moved or discarded, a creature switched, evolved or
returned, a lasting effect added, the stadium discarded, a deck's top seen or a
hand revealed (information is a change: the player learns something), a deck
shuffled with the hand. A coin flip alone changes nothing; its branches may.

Costs: a first step that puts cards from the hand (``put_from_hand`` with a
``min_count``) must be payable with cards other than the trainer itself, or the
card cannot be played: Burrow Call with no other card in hand is refused, even if
its search could find a basic.

A step whose target is the card's own earlier pick (``same``) or its source is
judged by the step that picks; a step's own ``condition`` is not judged (it may
hold by the time the step runs), which errs on the side of letting a card be played.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from app.core.effects import Select, Side, Step, Target
from app.core.game_state import CardInstance
from app.engine.context import Ctx
from app.engine.effects.board import evolutions
from app.engine.effects.runtime import Exec
from app.engine.effects.select import (
    Creature,
    candidates,
    card_matches,
    energy_matches,
    seat_of,
)

Predicate = Callable[[Ctx, Exec, Any], bool]


def _targets(ctx: Ctx, ex: Exec, target: Target) -> list[Creature] | None:
    """The creatures a target may name now; None when only an earlier step can tell."""
    if target.select in (Select.ALL, Select.CHOOSE):
        return candidates(ctx, ex, target)
    if target.select is Select.SAME:
        return None
    return []  # source / attacker: a trainer in hand is neither


def _some(ctx: Ctx, ex: Exec, target: Target) -> bool:
    found = _targets(ctx, ex, target)
    return found is None or bool(found)


def _hand(ctx: Ctx, ex: Exec, side: Side) -> list[CardInstance]:
    seat = seat_of(ex, side)
    return [c for c in ctx.state.players[seat].hand if c.instance_id != ex.run.source]


def _deck(ctx: Ctx, ex: Exec, side: Side = Side.OWN) -> list[CardInstance]:
    return ctx.state.players[seat_of(ex, side)].deck


def _heal(ctx: Ctx, ex: Exec, step: Any) -> bool:
    found = _targets(ctx, ex, step.target)
    if found is None:
        return True
    return any(c.damage > 0 or (step.cure and c.status_conditions) for _, c in found)


def _switch(ctx: Ctx, ex: Exec, step: Any) -> bool:
    player = ctx.state.players[seat_of(ex, step.side)]
    return player.active is not None and bool(player.bench)


def _evolve(ctx: Ctx, ex: Exec, step: Any) -> bool:
    found = _targets(ctx, ex, step.target) or []
    return any(evolutions(ctx, seat, c, skip=step.skip_stage) for seat, c in found)


def _attach_energy(ctx: Ctx, ex: Exec, step: Any) -> bool:
    discard = ctx.state.players[ex.seat].discard
    if not any(energy_matches(ctx, c.definition_id, step.energy) for c in discard):
        return False
    return _some(ctx, ex, step.target)


def _discard_energy(ctx: Ctx, ex: Exec, step: Any) -> bool:
    found = _targets(ctx, ex, step.target)
    return found is None or any(
        energy_matches(ctx, e.definition_id, step.energy)
        for _, creature in found
        for e in creature.attached_energy
    )


def _move_energy(ctx: Ctx, ex: Exec, step: Any) -> bool:
    givers = _targets(ctx, ex, step.from_creature)
    receivers = _targets(ctx, ex, step.to_creature)
    if givers is None or receivers is None:
        return True
    return any(
        giver.attached_energy and any(r is not giver for _, r in receivers) for _, giver in givers
    )


def _draw(ctx: Ctx, ex: Exec, step: Any) -> bool:
    return bool(_deck(ctx, ex, step.player))


def _draw_to_hand_size(ctx: Ctx, ex: Exec, step: Any) -> bool:
    return len(_hand(ctx, ex, step.player)) < step.size and bool(_deck(ctx, ex, step.player))


def _shuffle_hand_and_draw(ctx: Ctx, ex: Exec, step: Any) -> bool:
    return bool(_hand(ctx, ex, step.player)) or bool(_deck(ctx, ex, step.player))


def _put_from_hand(ctx: Ctx, ex: Exec, step: Any) -> bool:
    return step.max_count > 0 and bool(_hand(ctx, ex, Side.OWN))


def _search_deck(ctx: Ctx, ex: Exec, step: Any) -> bool:
    player = ctx.state.players[ex.seat]
    if step.to == "bench":
        if len(player.bench) >= ctx.state.rules.board_bench_size:
            return False
        basics = ctx.index.basics
        return any(
            c.definition_id in basics and card_matches(ctx, c.definition_id, step.filter)
            for c in player.deck
        )
    return any(card_matches(ctx, c.definition_id, step.filter) for c in player.deck)


def _recover(ctx: Ctx, ex: Exec, step: Any) -> bool:
    return any(
        c.instance_id != ex.run.source and card_matches(ctx, c.definition_id, step.filter)
        for c in ctx.state.players[ex.seat].discard
    )


def _coin_flip(ctx: Ctx, ex: Exec, step: Any) -> bool:
    return any(can_change(ctx, ex, branch) for branch in (step.on_heads, step.on_tails))


def _add_lasting(ctx: Ctx, ex: Exec, step: Any) -> bool:
    return step.target is None or _some(ctx, ex, step.target)


def _never(_ctx: Ctx, _ex: Exec, _step: Any) -> bool:
    return False  # attack damage steps: a trainer has no attack to change


CAN_CHANGE: dict[str, Predicate] = {
    "damage_bonus": _never,
    "set_damage": _never,
    "self_damage": _never,
    "coin_flip": _coin_flip,
    "apply_status": lambda ctx, ex, step: _some(ctx, ex, step.target),
    "heal": _heal,
    "damage": lambda ctx, ex, step: _some(ctx, ex, step.target),
    "place_counters": lambda ctx, ex, step: _some(ctx, ex, step.target),
    "switch": _switch,
    "return_to_hand": lambda ctx, ex, step: _some(ctx, ex, step.target),
    "evolve_from_hand": _evolve,
    "attach_energy": _attach_energy,
    "discard_energy": _discard_energy,
    "move_energy": _move_energy,
    "draw": _draw,
    "draw_to_hand_size": _draw_to_hand_size,
    "shuffle_hand_and_draw": _shuffle_hand_and_draw,
    "put_from_hand": _put_from_hand,
    "search_deck": _search_deck,
    "look_top": lambda ctx, ex, _step: bool(_deck(ctx, ex)),
    "arrange_top": lambda ctx, ex, step: bool(_deck(ctx, ex, step.player)),
    "recover_from_discard": _recover,
    "reveal_hand": lambda ctx, ex, step: bool(_hand(ctx, ex, step.player)),
    "discard_stadium": lambda ctx, _ex, _step: ctx.state.stadium is not None,
    "add_lasting": _add_lasting,
}
"""For each step kind: whether a step of that kind can change the game now."""


def can_change(ctx: Ctx, ex: Exec, steps: Sequence[Step]) -> bool:
    """Whether any of `steps` can change the game now (see the module docstring)."""
    return any(CAN_CHANGE[step.kind](ctx, ex, step) for step in steps)


def costs_payable(ctx: Ctx, ex: Exec, steps: Sequence[Step]) -> bool:
    """Whether the card's leading cost (cards put from the hand) can be paid in full."""
    if not steps or steps[0].kind != "put_from_hand":
        return True
    first: Any = steps[0]
    needed: int = first.min_count
    return len(_hand(ctx, ex, Side.OWN)) >= needed


def worth_playing(ctx: Ctx, ex: Exec, steps: Sequence[Step]) -> bool:
    """A trainer's costs can be paid and one of its steps can change the game."""
    return costs_payable(ctx, ex, steps) and can_change(ctx, ex, steps)
