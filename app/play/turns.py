"""After each action: whose time runs now, what is due next, and what a seat out of time plays.

Pure functions of a game's record, its engine state and a time the caller passes in; the
service (`app.play.service`) stores what they return and fires what falls due.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from app.core.cards import CardDefinition
from app.core.game_state import GameState, TurnPhase
from app.engine import Action, ActionKind, acting_player, legal_actions
from app.engine.events import TURN_ENDED, Event
from app.play import clock as timer
from app.play.clock import Expiry
from app.play.protocol import Clock
from app.play.records import GameRecord

BOT_MOVE = "bot_move"
"""A due bot seat: the bot plays its move."""


@dataclass(frozen=True, slots=True)
class Due:
    """What falls due for a game next, and when (ms since the epoch)."""

    at_ms: int
    what: str
    """`BOT_MOVE` or an `app.play.clock.Expiry` value."""


def iso(ms: int) -> str:
    """Milliseconds since the epoch as an ISO 8601 UTC time, as the protocol gives times."""
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat().replace("+00:00", "Z")


def update_clock(
    record: GameRecord, state: GameState, events: Sequence[Event], now_ms: int
) -> None:
    """Charge the seat that just acted and start whoever must act now.

    A new turn (or the first decision of the game) starts the owner's turn time with its
    increment; within a turn, a seat answering a choice for the other runs its own bank.
    """
    control, clock = record.control, record.clock
    if control is None or clock is None:
        return
    if state.phase is TurnPhase.ENDED:
        record.clock = timer.stop(clock, now_ms)
        return
    acting = acting_player(state)
    owner = state.current_player
    new_turn = clock.turn_seat is None or any(event.kind == TURN_ENDED for event in events)
    if new_turn or clock.turn_seat != owner:
        clock = timer.begin_turn(clock, owner, control, now_ms)
    if clock.running != acting:
        clock = timer.resume(clock, acting, now_ms)
    record.clock = clock


def next_due(record: GameRecord, state: GameState, now_ms: int, think_ms: int) -> Due | None:
    """The game's next deadline: a bot's move, or the acting seat's timer; None when idle."""
    if state.phase is TurnPhase.ENDED:
        return None
    acting = acting_player(state)
    if record.seats[acting].bot is not None:
        return Due(now_ms + think_ms, BOT_MOVE)
    if record.control is None or record.clock is None:
        return None
    deadline = timer.next_deadline(record.clock, record.control)
    return None if deadline is None else Due(deadline[0], deadline[1].value)


def clock_message(record: GameRecord, state: GameState, warning: bool = False) -> Clock | None:
    """The `Clock` frame of a timed game at its current version (None when untimed)."""
    control, clock = record.control, record.clock
    if control is None or clock is None:
        return None
    ended = state.phase is TurnPhase.ENDED
    acting = None if ended else acting_player(state)
    deadline = None if ended else timer.next_deadline(clock, control)
    if deadline is not None and deadline[1] is Expiry.WARNING:
        # The warning is not the end of the turn: say when the turn's time really ends.
        deadline = (deadline[0] + control.warning_ms, Expiry.DEFAULT_ACTION)
    return Clock(
        v=state.version,
        acting=acting,
        deadline=None if deadline is None else iso(deadline[0]),
        banks_ms=(clock.seats[0].bank_ms, clock.seats[1].bank_ms),
        timeouts=(clock.seats[0].timeouts, clock.seats[1].timeouts),
        warning=warning,
    )


_DEFAULT_ORDER = (ActionKind.CHOOSE, ActionKind.END_TURN, ActionKind.FINISH_SETUP)


def default_action(state: GameState, cards: Mapping[str, CardDefinition]) -> Action:
    """What the server plays for a seat whose turn time ran out.

    The first option of a pending choice, else ending the turn (finishing the setup), else
    the first legal action that does not end the game (placing a first creature in setup).
    """
    actions = legal_actions(state, cards)
    for kind in _DEFAULT_ORDER:
        for action in actions:
            if action.kind is kind:
                return action
    playable = [action for action in actions if action.kind is not ActionKind.RESIGN]
    return playable[0] if playable else actions[0]
