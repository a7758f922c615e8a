"""Carrying out actions that `app.engine.checks` has allowed.

Each ``do_*`` function assumes its check passed; it mutates the state through
`app.engine.ops` and the turn/combat modules and emits events. Trainers go to
the discard pile (tools and stadiums: onto the board) before their effects run,
so an effect never finds its own card in the hand; an executor must skip
``run.source`` when it searches the discard pile.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from app.core.cards import TrainerSubtype
from app.core.game_state import (
    CardInstance,
    ChoiceSource,
    PlayerIndex,
    StadiumInPlay,
    TurnPhase,
)
from app.core.rules import EnergySource
from app.engine import combat, hooks, knockout, ops, query, turn
from app.engine.actions import Action, ActionKind
from app.engine.checks import own_in_play
from app.engine.context import Ctx
from app.engine.errors import EngineError
from app.engine.hooks import EffectRun
from app.engine.ops import take


def _creature(ctx: Ctx, seat: PlayerIndex, instance_id: str | None) -> CardInstance:
    creature = own_in_play(ctx.state.players[seat], instance_id)
    if creature is None:
        raise EngineError(f"creature {instance_id} vanished between check and apply")
    return creature


def do_place_active(ctx: Ctx, seat: PlayerIndex, action: Action) -> None:
    """Setup: the basic goes face down to the active spot."""
    player = ctx.state.players[seat]
    card = take(player.hand, action.card or "")
    card.turn_played = 0
    player.active = card
    ctx.emit("placed", seat, card=card.instance_id, zone="active")


def do_place_bench(ctx: Ctx, seat: PlayerIndex, action: Action) -> None:
    """Setup: the basic goes face down to the bench."""
    player = ctx.state.players[seat]
    card = take(player.hand, action.card or "")
    card.turn_played = 0
    player.bench.append(card)
    ctx.emit("placed", seat, card=card.instance_id, zone="bench")


def do_finish_setup(ctx: Ctx, seat: PlayerIndex, _action: Action) -> None:
    """Setup: done; when both are, the first player's first turn begins."""
    state = ctx.state
    state.players[seat].setup_done = True
    ctx.emit("setup_finished", seat)
    if all(p.setup_done for p in state.players):
        ctx.emit(
            "revealed", None, actives=[p.active.instance_id for p in state.players if p.active]
        )
        turn.begin_turn(ctx, state.first_player)


def do_play_creature(ctx: Ctx, seat: PlayerIndex, action: Action) -> None:
    """A basic from the hand to the bench, played this turn."""
    state = ctx.state
    card = take(state.players[seat].hand, action.card or "")
    card.turn_played = state.turn_number
    state.players[seat].bench.append(card)
    ctx.emit("played_creature", seat, card=card.instance_id, definition=card.definition_id)
    _fire(ctx, "on_play", seat, card.instance_id)


def do_evolve(ctx: Ctx, seat: PlayerIndex, action: Action) -> None:
    """The evolution card takes the creature's place, keeping damage, energy and tool."""
    state = ctx.state
    player = state.players[seat]
    target = _creature(ctx, seat, action.target)
    card = take(player.hand, action.card or "")
    card.damage = target.damage
    card.attached_energy = target.attached_energy
    card.attached_tool = target.attached_tool
    card.evolved_from = [*target.evolved_from, ops.attached(target)]
    card.turn_played = state.turn_number
    ops.end_lasting_for(ctx, target.instance_id)
    if player.active is target:
        player.active = card
    else:
        player.bench[player.bench.index(target)] = card
    ctx.emit("evolved", seat, card=card.instance_id, source=target.instance_id)
    _fire(ctx, "on_evolve", seat, card.instance_id)


def do_attach_energy(ctx: Ctx, seat: PlayerIndex, action: Action) -> None:
    """One energy from the hand or the zone onto a creature; counts the turn's attachment."""
    state = ctx.state
    player = state.players[seat]
    target = _creature(ctx, seat, action.target)
    if state.rules.energy.source is EnergySource.ENERGY_ZONE:
        kind = player.zone_current
        if kind is None:
            raise EngineError("zone energy vanished between check and apply")
        definition = ctx.index.basic_energy.get(kind)
        if definition is None:
            raise EngineError(f"the catalog has no basic {kind} energy to make zone energy from")
        player.zone_energy_made += 1
        energy = ops.new_instance(f"p{seat}-z{player.zone_energy_made:03d}", definition)
        player.zone_current = None
    else:
        energy = take(player.hand, action.card or "")
    player.energy_attached_this_turn += 1
    ops.attach_energy(ctx, seat, energy, target)
    _fire(ctx, "on_attach", seat, energy.instance_id)


def _fire(ctx: Ctx, when: str, seat: PlayerIndex, card: str | None) -> None:
    executor = hooks.executor()
    if executor is not None and not executor.fire(ctx, when, seat, card):
        return
    _settle(ctx)


def _settle(ctx: Ctx) -> None:
    """After a main-phase action: score knockouts and refill active spots."""
    if ctx.state.pending_choice is None and not knockout.resolve(ctx):
        knockout.request_promotions(ctx, then="main")


def trainer_steps(ctx: Ctx, definition_id: str) -> Sequence[Any]:
    """The effect steps of a trainer card (empty for none)."""
    return ctx.index.trainers[definition_id].effects


def do_play_trainer(ctx: Ctx, seat: PlayerIndex, action: Action) -> None:
    """Play a trainer: tools attach, stadiums replace the old one, others run their effects."""
    state = ctx.state
    player = state.players[seat]
    card = take(player.hand, action.card or "")
    trainer = ctx.index.trainers[card.definition_id]
    subtype = trainer.trainer_subtype
    ctx.emit("played_trainer", seat, card=card.instance_id, definition=card.definition_id)
    if subtype is TrainerSubtype.TOOL:
        _creature(ctx, seat, action.target).attached_tool = ops.attached(card)
        _fire(ctx, "on_play", seat, card.instance_id)
        return
    if subtype is TrainerSubtype.STADIUM:
        old = state.stadium
        if old is not None:
            state.players[old.owner].discard.append(old.card)
            ctx.emit("stadium_discarded", old.owner, card=old.card.instance_id)
        state.stadium = StadiumInPlay(card=card, owner=seat, turn_played=state.turn_number)
        player.stadiums_played_this_turn += 1
        _fire(ctx, "on_play", seat, card.instance_id)
        return
    if subtype is TrainerSubtype.SUPPORTER:
        player.supporters_played_this_turn += 1
    player.discard.append(card)
    run = EffectRun(ChoiceSource.TRAINER, seat, card.instance_id, target=action.target)
    executor = hooks.executor()
    if executor is None:
        raise EngineError("trainer effects need the effects executor")
    if executor.run(ctx, run, trainer_steps(ctx, card.definition_id)):
        _settle(ctx)


def do_use_ability(ctx: Ctx, seat: PlayerIndex, action: Action) -> None:
    """Use an activated ability (or the stadium's); marked used before its steps run."""
    executor = hooks.executor()
    if executor is None:
        raise EngineError("abilities need the effects executor")
    index = action.index or 0
    stadium = ctx.state.stadium
    if stadium is not None and action.card == stadium.card.instance_id:
        ctx.state.players[seat].stadium_used_this_turn = True
        trigger = ctx.index.trainers[stadium.card.definition_id].triggers[index]
        ctx.emit("used_stadium", seat, card=stadium.card.instance_id, index=index)
        run = EffectRun(ChoiceSource.ABILITY, seat, stadium.card.instance_id, index)
        if executor.run(ctx, run, trigger.steps):
            _settle(ctx)
        return
    creature = _creature(ctx, seat, action.card)
    ctx.state.players[seat].abilities_used_this_turn.append(f"{creature.instance_id}:{index}")
    ability = ctx.index.creature(creature.definition_id).abilities[index]
    ctx.emit("used_ability", seat, card=creature.instance_id, index=index, ability=ability.name)
    steps: Sequence[Any] = ability.steps
    run = EffectRun(ChoiceSource.ABILITY, seat, creature.instance_id, index)
    if executor.run(ctx, run, steps):
        _settle(ctx)


def do_retreat(ctx: Ctx, seat: PlayerIndex, action: Action) -> None:
    """Discard the named energy (or the canonical pick) and swap with the benched creature."""
    player = ctx.state.players[seat]
    active = player.active
    if active is None:
        raise EngineError("retreat without an active creature")
    for energy_id in action.choice:
        ops.discard_energy(ctx, seat, active, energy_id)
    player.retreats_this_turn += 1
    ops.switch_active(ctx, seat, action.target or "")
    ctx.emit("retreated", seat, card=active.instance_id)


def do_attack(ctx: Ctx, seat: PlayerIndex, action: Action) -> None:
    """Attack; the turn ends after it (see `app.engine.combat`)."""
    combat.use_attack(ctx, seat, action.index or 0)


def do_end_turn(ctx: Ctx, _seat: PlayerIndex, _action: Action) -> None:
    """End the turn without attacking."""
    turn.end_turn(ctx)


def do_choose(ctx: Ctx, seat: PlayerIndex, action: Action) -> None:
    """Answer the pending choice: rule choices here, effect choices by the executor."""
    state = ctx.state
    choice = state.pending_choice
    if choice is None:
        raise EngineError("no pending choice to answer")
    state.pending_choice = None
    ctx.emit("chose", seat, prompt_kind=choice.kind, choice=list(action.choice))
    continuation = choice.continuation
    if continuation.source_kind is ChoiceSource.RULE:
        if choice.kind == "promote":
            ops.promote(ctx, seat, action.choice[0])
        elif choice.kind == "discard":
            for card_id in action.choice:
                ops.discard_from_hand(ctx, seat, card_id)
        else:
            raise EngineError(f"unknown rule choice {choice.kind!r}")
        turn.continue_rule(ctx, continuation.then)
        return
    executor = hooks.executor()
    if executor is None:
        raise EngineError("an effect choice is pending but no effects executor is installed")
    run = executor.resume(ctx, choice, action.choice)
    if run is None or state.phase is TurnPhase.ENDED:
        return
    if run.source_kind is ChoiceSource.ATTACK:
        combat.finish_attack(ctx, run)
    elif state.phase is TurnPhase.MAIN:
        _settle(ctx)
    elif state.phase is TurnPhase.ATTACK:
        combat.after_attack(ctx)
    elif state.phase is TurnPhase.BETWEEN_TURNS:
        turn.checkup(ctx)


PERFORM: dict[ActionKind, Callable[[Ctx, PlayerIndex, Action], None]] = {
    ActionKind.PLACE_ACTIVE: do_place_active,
    ActionKind.PLACE_BENCH: do_place_bench,
    ActionKind.FINISH_SETUP: do_finish_setup,
    ActionKind.PLAY_CREATURE: do_play_creature,
    ActionKind.EVOLVE: do_evolve,
    ActionKind.ATTACH_ENERGY: do_attach_energy,
    ActionKind.PLAY_TRAINER: do_play_trainer,
    ActionKind.USE_ABILITY: do_use_ability,
    ActionKind.RETREAT: do_retreat,
    ActionKind.ATTACK: do_attack,
    ActionKind.END_TURN: do_end_turn,
    ActionKind.CHOOSE: do_choose,
}


def canonical_retreat(ctx: Ctx, seat: PlayerIndex, action: Action) -> Action:
    """`action` with the energy to discard filled in when the caller named none."""
    if action.kind is not ActionKind.RETREAT or action.choice:
        return action
    active = ctx.state.players[seat].active
    if active is None:
        return action
    cost = query.retreat_cost(ctx, seat, active)
    choice = query.retreat_choice(ctx.index, active, cost)
    if not choice:
        return action
    return Action(action.kind, action.card, action.target, action.index, choice, action.player)
