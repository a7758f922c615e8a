"""Energy steps: attach from the discard pile, discard from creatures, move between them.

Identical energy cards are interchangeable, so choices offer one card per definition
when one card is taken (`select.distinct`) and a pick among identical cards is made
without asking. Energy moved or attached by an effect never fires ``on_attach`` (that
trigger is for attaching from the hand).
"""

from __future__ import annotations

from app.core.effects import AttachEnergy, DiscardEnergy, MoveEnergy
from app.core.game_state import AttachedCard, CardInstance
from app.engine import ops
from app.engine.context import Ctx
from app.engine.effects.runtime import Exec, choose
from app.engine.effects.select import Creature, distinct, energy_matches, resolve, seat_of


def attach_energy(ctx: Ctx, ex: Exec, step: AttachEnergy) -> bool:
    """Attach ``count`` matching energy cards from the discard pile to each target."""
    discard = ctx.state.players[ex.seat].discard
    pool = [card for card in discard if energy_matches(ctx, card.definition_id, step.energy)]
    if not pool:
        return True
    targets = resolve(ctx, ex, step.target)
    if targets is None:
        return False
    plan: list[tuple[CardInstance, list[str]]] = []
    left = list(pool)
    for position, (_, creature) in enumerate(targets):
        picked = _pick_cards(ctx, ex, f"energy{position}", left, step.count, "attach")
        if picked is None:
            return False
        plan.append((creature, picked))
        left = [card for card in left if card.instance_id not in picked]
    for creature, picked in plan:
        for energy_id in picked:
            ops.attach_energy(ctx, ex.seat, ops.take(discard, energy_id), creature)
    return True


def _pick_cards(
    ctx: Ctx,
    ex: Exec,
    slot: str,
    pool: list[CardInstance] | list[AttachedCard],
    count: int,
    kind: str,
    *,
    chooser: int | None = None,
) -> list[str] | None:
    """Pick exactly ``min(count, len(pool))`` of `pool`; identical cards need no choice."""
    need = min(count, len(pool))
    if len({card.definition_id for card in pool}) <= 1:
        return [card.instance_id for card in pool[:need]]
    return choose(
        ctx,
        ex,
        slot,
        chooser=ex.seat if chooser is None else (1 if chooser == 1 else 0),
        kind=kind,
        options=distinct(pool, need),
        min_count=need,
        max_count=need,
        prompt=f"choose {need} energy card(s)",
    )


def discard_energy(ctx: Ctx, ex: Exec, step: DiscardEnergy) -> bool:
    """Discard ``count`` matching energy from each target, picked by ``chooser``."""
    targets = resolve(ctx, ex, step.target)
    if targets is None:
        return False
    chooser = seat_of(ex, step.chooser)
    plan: list[tuple[Creature, list[str]]] = []
    for position, (seat, creature) in enumerate(targets):
        pool = [
            e for e in creature.attached_energy if energy_matches(ctx, e.definition_id, step.energy)
        ]
        picked = _pick_cards(
            ctx, ex, f"energy{position}", pool, step.count, "discard_energy", chooser=chooser
        )
        if picked is None:
            return False
        plan.append(((seat, creature), picked))
    for (seat, creature), picked in plan:
        for energy_id in picked:
            ops.discard_energy(ctx, seat, creature, energy_id)
    return True


def move_energy(ctx: Ctx, ex: Exec, step: MoveEnergy) -> bool:
    """Move ``count`` energy from one creature to another."""
    givers = resolve(
        ctx, ex, step.from_creature, "from", extra=lambda c: bool(c[1].attached_energy)
    )
    if givers is None:
        return False
    if not givers:
        return True
    seat, giver = givers[0]
    receivers = resolve(ctx, ex, step.to_creature, "to", extra=lambda c: c[1] is not giver)
    if receivers is None:
        return False
    receivers = [c for c in receivers if c[1] is not giver]
    if not receivers:
        return True
    picked = _pick_cards(ctx, ex, "energy", giver.attached_energy, step.count, "move_energy")
    if picked is None:
        return False
    for energy_id in picked:
        ops.move_energy(ctx, seat, giver, receivers[0][1], energy_id)
    return True
