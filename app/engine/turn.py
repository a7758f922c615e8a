"""The turn cycle: start of turn (draw, energy), end of turn, between-turns checkup.

Decisions (rules data in brackets):
- turn 1 is the first player's first turn; [first_turn.*] applies to turn 1 only,
  except [first_turn.second_player_*], which applies to turn 2 (the second player's first);
- start of turn: the per-turn counters reset, the player draws 1 [first_turn.can_draw];
  from an empty deck they lose [win.deck_out_loses] or skip the draw; under
  energy-deck rules they also draw [energy.energy_deck_draws_per_turn] energy
  cards into the hand, on turn 2 [first_turn.second_player_extra_energy] more (an
  empty energy deck just gives none); under energy-zone
  rules the zone's next type becomes this turn's energy and a new next type is
  picked at random among the deck's declared types; on turn 1, when
  [first_turn.can_attach_energy] is false, the zone offers nothing;
- end of turn: an unused zone energy is lost; a hand over [hand.max_size] is
  discarded down by the player (a ``discard`` choice of exactly the excess); then
  the turn player's end-of-turn triggers run;
- checkup, in order: lasting effects that end this turn expire; a creature
  under ``status_immunity`` is cured of every status; the turn
  player's active loses paralysis (so paralysis lasts through its owner's next
  turn); both actives: poison [status.poison_damage], burn
  [status.burn_damage] then a flip, heads cures it [status.burn_recover_flip],
  sleep a flip, heads wakes [status.sleep_wake_flip]; then knockouts are scored;
- turn limit [win.turn_limit]: after the checkup of the limit turn the game
  ends; [win.turn_limit_outcome] ``most_scored`` gives it to the player with more
  points (or more prizes taken), equal is a draw; ``draw`` is always a draw. So
  under ``mantimon`` turn 30 (each player's 15th) is the last, and the leader
  on points wins.
"""

from __future__ import annotations

from app.core.enums import EndReason
from app.core.game_state import (
    ChoiceSource,
    Continuation,
    PendingChoice,
    PlayerIndex,
    StatusCondition,
    TurnPhase,
)
from app.core.rules import EnergySource, TurnLimitOutcome, WinCondition
from app.engine import hooks, knockout, ops, query
from app.engine.context import Ctx
from app.engine.errors import EngineError
from app.engine.events import TURN_ENDED


def begin_turn(ctx: Ctx, seat: PlayerIndex) -> None:
    """Start `seat`'s turn: counters, draw, energy; leaves the phase at ``main``."""
    state = ctx.state
    rules = state.rules
    state.current_player = seat
    state.turn_number += 1
    state.phase = TurnPhase.DRAW
    player = state.players[seat]
    player.turns_taken += 1
    player.supporters_played_this_turn = 0
    player.stadiums_played_this_turn = 0
    player.stadium_used_this_turn = False
    player.retreats_this_turn = 0
    player.energy_attached_this_turn = 0
    player.abilities_used_this_turn.clear()
    ctx.emit("turn_started", seat, turn=state.turn_number)
    first = state.turn_number == 1
    if not first or rules.first_turn.can_draw:
        if player.deck:
            ops.draw(ctx, seat, 1)
        elif rules.win.deck_out_loses:
            knockout.end_game(ctx, ops.opponent(seat), EndReason.DECK_OUT)
            return
        else:
            ctx.emit("draw_skipped", seat)
    source = rules.energy.source
    if source is EnergySource.ENERGY_DECK:
        draws = rules.energy.energy_deck_draws_per_turn
        if state.turn_number == 2:
            draws += rules.first_turn.second_player_extra_energy
        for _ in range(min(draws, len(player.energy_deck))):
            card = player.energy_deck.pop()
            player.hand.append(card)
            ctx.emit("energy_drawn", seat, card=card.instance_id)
    elif source is EnergySource.ENERGY_ZONE and player.energy_zone:
        if player.zone_next is None:
            player.zone_next = ctx.rng.pick(player.energy_zone)
        if not first or rules.first_turn.can_attach_energy:
            player.zone_current = player.zone_next
            player.zone_next = ctx.rng.pick(player.energy_zone)
        ctx.emit("zone_energy", seat, current=player.zone_current, next=player.zone_next)
    state.phase = TurnPhase.MAIN
    executor = hooks.executor()
    if executor is not None:
        executor.fire(ctx, "start_of_turn", seat, None)


def end_turn(ctx: Ctx) -> None:
    """End the current turn: hand limit, checkup, knockouts, then the next turn."""
    state = ctx.state
    seat = state.current_player
    player = state.players[seat]
    state.phase = TurnPhase.BETWEEN_TURNS
    player.zone_current = None
    limit = state.rules.hand.max_size
    if limit is not None and len(player.hand) > limit:
        excess = len(player.hand) - limit
        ops.request_choice(
            ctx,
            PendingChoice(
                player=seat,
                kind="discard",
                options=[card.instance_id for card in player.hand],
                min_count=excess,
                max_count=excess,
                prompt=f"Discard {excess} card(s) down to the hand limit of {limit}.",
                continuation=Continuation(source_kind=ChoiceSource.RULE, then="end_of_turn"),
            ),
        )
        return
    end_of_turn(ctx)


def end_of_turn(ctx: Ctx) -> None:
    """The owner's end-of-turn triggers, then the checkup (waits if a trigger asks a choice)."""
    executor = hooks.executor()
    if executor is not None and not executor.fire(
        ctx, "end_of_turn", ctx.state.current_player, None
    ):
        return
    checkup(ctx)


def _status_checkup(ctx: Ctx, seat: PlayerIndex) -> None:
    state = ctx.state
    status = state.rules.status
    creature = state.players[seat].active
    if creature is None or not creature.status_conditions:
        return
    statuses = creature.status_conditions
    if query.has_modifier(ctx, seat, creature, "status_immunity"):
        for immune in list(statuses):
            ops.remove_status(ctx, seat, creature, immune)
        return
    if seat == state.current_player and StatusCondition.PARALYZED in statuses:
        ops.remove_status(ctx, seat, creature, StatusCondition.PARALYZED)
    if StatusCondition.POISONED in statuses:
        ops.deal_damage(ctx, seat, creature, status.poison_damage)
    if StatusCondition.BURNED in statuses:
        ops.deal_damage(ctx, seat, creature, status.burn_damage)
        if status.burn_recover_flip and ops.flip_coin(ctx, seat, "burn"):
            ops.remove_status(ctx, seat, creature, StatusCondition.BURNED)
    if (
        StatusCondition.ASLEEP in statuses
        and status.sleep_wake_flip
        and ops.flip_coin(ctx, seat, "sleep")
    ):
        ops.remove_status(ctx, seat, creature, StatusCondition.ASLEEP)


def checkup(ctx: Ctx) -> None:
    """Between turns: expiries, status conditions, knockouts, turn limit, next turn."""
    state = ctx.state
    seat = state.current_player
    if state.lasting_effects:
        turn = state.turn_number
        state.lasting_effects[:] = [
            e
            for e in state.lasting_effects
            if e.expires_after_turn is None or e.expires_after_turn > turn
        ]
    _status_checkup(ctx, seat)
    _status_checkup(ctx, ops.opponent(seat))
    ctx.emit(TURN_ENDED, seat, turn=state.turn_number)
    if knockout.resolve(ctx):
        return
    limit = state.rules.win.turn_limit
    if limit is not None and state.turn_number >= limit:
        end_by_turn_limit(ctx)
        return
    if knockout.request_promotions(ctx, then="next_turn"):
        begin_turn(ctx, ops.opponent(seat))


def end_by_turn_limit(ctx: Ctx) -> None:
    """End the game at the turn limit with the outcome the rules name."""
    state = ctx.state
    win = state.rules.win
    winner: PlayerIndex | None = None
    if win.turn_limit_outcome is TurnLimitOutcome.MOST_SCORED:
        if win.condition is WinCondition.POINTS:
            scores = [p.points for p in state.players]
        else:
            scores = [-len(p.prizes) for p in state.players]
        if scores[0] != scores[1]:
            winner = 0 if scores[0] > scores[1] else 1
    knockout.end_game(ctx, winner, EndReason.TURN_LIMIT)


def continue_rule(ctx: Ctx, then: str | None) -> None:
    """Carry on with the turn after a rule choice (promotion, hand-limit discard) was answered."""
    state = ctx.state
    if then == "end_of_turn":
        end_of_turn(ctx)
    elif then == "next_turn":
        if knockout.request_promotions(ctx, then="next_turn"):
            begin_turn(ctx, ops.opponent(state.current_player))
    elif then == "end_turn":
        if knockout.request_promotions(ctx, then="end_turn"):
            end_turn(ctx)
    elif then == "main":
        knockout.request_promotions(ctx, then="main")
    else:
        raise EngineError(f"unknown rule continuation {then!r}")
