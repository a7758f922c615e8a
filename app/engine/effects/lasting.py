"""``add_lasting``: a modifier that outlives the step that made it.

Expiry, in the game's turn numbers (one number per player turn, so the opponent's
next turn is the current turn plus one): ``this_turn`` ends after this turn,
``opponent_next_turn`` after the next turn, ``own_next_turn`` after the turn after.
An effect put on a creature that is in the Front also ends when it leaves the
Front (and any effect on a creature ends when it leaves play): the card game's
"the Defending creature" / "this creature" reading.

The modifier is stored as JSON (`LastingEffect.modifier`), dumped once per catalog
modifier by `app.engine.modifiers.as_json` (the same dicts the modifier lookup yields).
"""

from __future__ import annotations

from typing import Any

from app.core.effects import AddLasting, Duration
from app.core.game_state import LastingEffect, PlayerIndex
from app.engine import ops
from app.engine.context import Ctx
from app.engine.effects.runtime import Exec
from app.engine.effects.select import resolve
from app.engine.modifiers import as_json

_TURNS_LEFT = {Duration.THIS_TURN: 0, Duration.OPPONENT_NEXT_TURN: 1, Duration.OWN_NEXT_TURN: 2}


def add_lasting(ctx: Ctx, ex: Exec, step: AddLasting) -> bool:
    """Add the modifier on each target (or for the acting player) for the duration."""
    state = ctx.state
    expires = state.turn_number + _TURNS_LEFT[step.duration]
    modifier = as_json(step.modifier)
    if step.target is None:
        _add(ctx, ex, modifier, ex.seat, None, expires, active_bound=False)
        return True
    targets = resolve(ctx, ex, step.target)
    if targets is None:
        return False
    for seat, creature in targets:
        active = state.players[seat].active is creature
        _add(ctx, ex, modifier, seat, creature.instance_id, expires, active_bound=active)
    return True


def _add(
    ctx: Ctx,
    ex: Exec,
    modifier: dict[str, Any],
    seat: PlayerIndex,
    target: str | None,
    expires: int,
    *,
    active_bound: bool,
) -> None:
    ops.add_lasting(
        ctx,
        LastingEffect(
            modifier=modifier,
            player=seat,
            target=target,
            source=ex.run.source,
            created_turn=ctx.state.turn_number,
            expires_after_turn=expires,
            until_leaves_active=active_bound,
        ),
    )
