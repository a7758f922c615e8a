"""`apply`: validate one action, record it, carry it out, return what happened.

The state is mutated in place (no copy, no re-validation): a caller that needs
the state before the action keeps its own copy. An illegal action raises
`IllegalActionError` before anything changes. The action is recorded with
`GameState.record_action` (one version more) before it is carried out, and its
dice come from the seed and the version it started from, so replaying the log
from the initial state reproduces every state exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from app.core.cards import CardDefinition
from app.core.enums import EndReason
from app.core.game_state import GameState
from app.engine import knockout, ops
from app.engine.actions import Action, ActionKind
from app.engine.checks import acting_player, why_illegal
from app.engine.context import Ctx
from app.engine.errors import IllegalActionError
from app.engine.events import Event
from app.engine.index import index_for
from app.engine.legal import was_offered
from app.engine.play import PERFORM, canonical_retreat
from app.engine.rng import Rng


def apply(
    state: GameState, action: Action, cards: Mapping[str, CardDefinition], *, at: datetime
) -> list[Event]:
    """Carry out `action` for the player who must act (or ``action.player`` for resign).

    Raises:
        IllegalActionError: the rules do not allow `action` now; the message says
            why and the state is unchanged.
    """
    ctx = Ctx(state, index_for(cards), Rng(state.rng_seed, state.version), at)
    if not was_offered(state, action):
        reason = why_illegal(ctx, action)
        if reason is not None:
            raise IllegalActionError(reason, kind=action.kind.value)
    if action.kind is ActionKind.RESIGN:
        seat = action.player if action.player is not None else acting_player(state)
        state.record_action(action.kind.value, at=at, player=seat, params=action.to_params())
        ctx.emit("resigned", seat)
        knockout.end_game(ctx, ops.opponent(seat), EndReason.RESIGNATION)
        return ctx.events
    seat = acting_player(state)
    action = canonical_retreat(ctx, seat, action)
    state.record_action(action.kind.value, at=at, player=seat, params=action.to_params())
    PERFORM[action.kind](ctx, seat, action)
    return ctx.events
