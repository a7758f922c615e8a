"""Knockouts, scoring, the end of the game, and promotion after a knockout.

Decisions (rules data in brackets):
- every creature at or above its HP is knocked out at once, after an action, an
  attack or the between-turns checkup; the opponent of its owner scores
  [win.points_per_knockout / points_per_apex_knockout under points,
  win.prizes_per_knockout / prizes_per_apex_knockout under prizes; prizes come
  from the top of the face-down prize pile, which was dealt at random];
- a player wins by reaching the points, taking the last prize, or when the
  opponent has no creature left in play; when both players win at once the game
  is a draw (winner None) with the first applicable reason;
- promotion: the player whose turn it is not promotes first; a player with one
  benched creature promotes it automatically, with more it is a pending choice
  (kind ``promote``) the owner answers.
"""

from __future__ import annotations

from app.core.enums import EndReason
from app.core.game_state import (
    ChoiceSource,
    Continuation,
    PendingChoice,
    PlayerIndex,
    TurnPhase,
)
from app.core.rules import WinCondition
from app.engine import hooks, ops, query
from app.engine.context import Ctx
from app.engine.events import GAME_ENDED


def end_game(ctx: Ctx, winner: PlayerIndex | None, reason: EndReason) -> None:
    """Finish the game now: no more actions are legal."""
    state = ctx.state
    state.phase = TurnPhase.ENDED
    state.winner = winner
    state.end_reason = reason
    state.pending_choice = None
    ctx.emit(GAME_ENDED, winner, reason=reason.value)


def score(ctx: Ctx, seat: PlayerIndex, apex: bool) -> None:
    """Give `seat` the reward for one knockout."""
    win = ctx.state.rules.win
    player = ctx.state.players[seat]
    if win.condition is WinCondition.POINTS:
        gained = win.points_per_apex_knockout if apex else win.points_per_knockout
        player.points += gained
        ctx.emit("scored", seat, points=gained, total=player.points)
    else:
        count = min(
            win.prizes_per_apex_knockout if apex else win.prizes_per_knockout, len(player.prizes)
        )
        for _ in range(count):
            player.hand.append(player.prizes.pop())
        ctx.emit("prizes_taken", seat, count=count, left=len(player.prizes))


def resolve(ctx: Ctx) -> bool:
    """Knock out every creature at or above its HP, score, check for a winner.

    The winner check runs even without a knockout: an effect can leave a player
    with no creature in play (returned to the hand), which loses as a knockout would.
    Returns True when the game ended.
    """
    state, index = ctx.state, ctx.index
    knocked = [
        (seat, creature)
        for seat in ops.SEATS
        for creature in ops.in_play(state.players[seat])
        if creature.damage and query.knocked_out(ctx, seat, creature)
    ]
    if not knocked:
        return check_winner(ctx)
    executor = hooks.executor()
    for seat, creature in knocked:
        if executor is not None:
            executor.fire(ctx, "on_knocked_out", seat, creature.instance_id, attacker=ctx.attacker)
        apex = query.is_apex(index, creature)
        if ops.locate(ctx, creature.instance_id) is not None:  # a return_to_hand trigger ran
            ops.discard_creature(ctx, seat, creature)
        ctx.emit("knocked_out", seat, card=creature.instance_id, apex=apex)
        score(ctx, ops.opponent(seat), apex)
    return check_winner(ctx)


_POINTS, _PRIZES, _NO_CREATURES = EndReason.POINTS, EndReason.PRIZES, EndReason.NO_CREATURES
_BY_POINTS = WinCondition.POINTS
"""Enum members bound once: `check_winner` runs after every action."""


def check_winner(ctx: Ctx) -> bool:
    """End the game if a player has won (see the module docstring); True when it ended."""
    state = ctx.state
    win = state.rules.win
    by_points, points_to_win = win.condition is _BY_POINTS, win.points_to_win
    players = state.players
    reasons: list[EndReason | None] = [None, None]
    for seat in ops.SEATS:
        player, other = players[seat], players[1 - seat]
        if by_points:
            if points_to_win is not None and player.points >= points_to_win:
                reasons[seat] = _POINTS
        elif not player.prizes:
            reasons[seat] = _PRIZES
        if reasons[seat] is None and other.active is None and not other.bench:
            reasons[seat] = _NO_CREATURES
    first, second = reasons
    if first is not None and second is not None:
        end_game(ctx, None, first)
    elif first is not None:
        end_game(ctx, 0, first)
    elif second is not None:
        end_game(ctx, 1, second)
    else:
        return False
    return True


def request_promotions(ctx: Ctx, then: str) -> bool:
    """Fill empty active spots; False when a promotion choice is now pending."""
    state = ctx.state
    current = state.current_player
    for seat in (ops.opponent(current), current):
        player = state.players[seat]
        if player.active is not None or not player.bench:
            continue
        if len(player.bench) == 1:
            ops.promote(ctx, seat, player.bench[0].instance_id)
            continue
        ops.request_choice(
            ctx,
            PendingChoice(
                player=seat,
                kind="promote",
                options=[creature.instance_id for creature in player.bench],
                min_count=1,
                max_count=1,
                prompt="Choose a benched creature to become your Front creature.",
                continuation=Continuation(source_kind=ChoiceSource.RULE, then=then),
            ),
        )
        return False
    return True
