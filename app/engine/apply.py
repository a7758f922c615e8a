"""`apply`: validate one action, record it, carry it out, return what happened.

The state is mutated in place (no copy, no re-validation): a caller that needs
the state before the action keeps its own copy. A malformed or illegal action
raises `IllegalActionError` before anything changes; an action that fails while
it is carried out is undone from a snapshot of what an action can change
(`app.engine.snapshot`), so `apply` is all or nothing. The action is recorded with
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
from app.engine import knockout, ops, snapshot
from app.engine.actions import ENDINGS, Action, ActionKind, parse_action
from app.engine.checks import acting_player, why_illegal
from app.engine.context import Ctx
from app.engine.errors import EngineError, IllegalActionError
from app.engine.events import Event
from app.engine.index import index_for
from app.engine.integrity import ensure_checked, mark_checked
from app.engine.legal import was_offered
from app.engine.play import PERFORM, canonical_retreat
from app.engine.rng import Rng


def apply(
    state: GameState, action: Action, cards: Mapping[str, CardDefinition], *, at: datetime
) -> list[Event]:
    """Carry out `action` for the player who must act (or ``action.player`` for resign).

    All or nothing: the action's shape is parsed strictly (`parse_action`) and its
    legality checked before anything changes, and if carrying it out fails part-way
    (an `EngineError`: a corrupt state or a bug) the state is put back exactly as it
    was before the error is raised.

    Raises:
        IllegalActionError: the action is malformed (`ActionFieldError`, naming the
            field) or the rules do not allow it now; the message says why and the
            state is unchanged.
        CorruptStateError: (an `EngineError`) the state is not one the engine can
            play on (`app.engine.integrity`, checked once per state object that did
            not come out of the engine); nothing changes.
        EngineError: the engine could not carry the action out (any other exception
            raised on the way is wrapped in one); the state is unchanged.
    """
    action = parse_action(action)
    ensure_checked(state, cards)
    ctx = Ctx(state, index_for(cards), Rng(state.rng_seed, state.version), at)
    if not was_offered(state, action):
        reason = why_illegal(ctx, action)
        if reason is not None:
            raise IllegalActionError(reason, kind=action.kind.value)
    saved = snapshot.take(state)
    try:
        _carry_out(ctx, state, action, at)
    except EngineError:
        snapshot.restore(state, saved)
        raise
    except Exception as error:  # a corrupt state the load check missed, or a bug
        snapshot.restore(state, saved)
        raise EngineError(f"{action} failed on this state: {error!r}") from error
    mark_checked(state)
    return ctx.events


_ENDING: dict[ActionKind, tuple[str, EndReason]] = {
    ActionKind.RESIGN: ("resigned", EndReason.RESIGNATION),
    ActionKind.LOSE_ON_TIME: ("lost_on_time", EndReason.TIMEOUT),
    ActionKind.ABANDON: ("abandoned", EndReason.ABANDONED),
    ActionKind.AGREE_DRAW: ("draw_agreed", EndReason.AGREED_DRAW),
}
"""The event and end reason of each ending kind (`app.engine.actions.ENDINGS`)."""


def _carry_out(ctx: Ctx, state: GameState, action: Action, at: datetime) -> None:
    if action.kind in ENDINGS:
        seat = action.player if action.player is not None else acting_player(state)
        state.record_action(action.kind.value, at=at, player=seat, params=action.to_params())
        event, reason = _ENDING[action.kind]
        ctx.emit(event, seat)
        winner = None if action.kind is ActionKind.AGREE_DRAW else ops.opponent(seat)
        knockout.end_game(ctx, winner, reason)
        return
    seat = acting_player(state)
    action = canonical_retreat(ctx, seat, action)
    state.record_action(action.kind.value, at=at, player=seat, params=action.to_params())
    PERFORM[action.kind](ctx, seat, action)
