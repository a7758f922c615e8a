"""Why an action is illegal now: one function per action kind, shared by legal and apply.

Each check returns None when the action is allowed, else a sentence saying why.
`apply` runs the check and raises `IllegalActionError` with its reason;
`legal_actions` generates the same conditions in batch (setup actions and
trainer/ability candidates go through these checks directly) and the random-game
tests hold every listed action to these checks, so the two cannot drift apart.

Decisions: trainers (items, supporters) and abilities with effects need the
effects executor (`app.engine.hooks`); without one they are refused rather than
played as if they did nothing. Tools and stadiums are passive and always
playable. ``resign`` is legal for either player at any time before the end but
is never listed by `legal_actions` (a random bot should not pick it).
"""

from __future__ import annotations

from collections.abc import Callable

from app.core.cards import Stage, TrainerCard, TrainerSubtype
from app.core.effects import TriggerKind
from app.core.game_state import CardInstance, GameState, PlayerIndex, PlayerState, TurnPhase
from app.core.rules import EnergySource
from app.engine import hooks, query
from app.engine.actions import ENDINGS, SEAT_ENDINGS, Action, ActionKind
from app.engine.context import Ctx
from app.engine.index import CardIndex, Unit
from app.engine.modifiers import matches

Check = Callable[[Ctx, PlayerIndex, Action], str | None]


def _in_hand(player: PlayerState, instance_id: str | None) -> CardInstance | None:
    if instance_id is None:
        return None
    for card in player.hand:
        if card.instance_id == instance_id:
            return card
    return None


def own_in_play(player: PlayerState, instance_id: str | None) -> CardInstance | None:
    """The player's creature in play with this id, or None."""
    if instance_id is None:
        return None
    if player.active is not None and player.active.instance_id == instance_id:
        return player.active
    for creature in player.bench:
        if creature.instance_id == instance_id:
            return creature
    return None


def _setup_basic(
    state: GameState, index: CardIndex, seat: PlayerIndex, action: Action
) -> str | None:
    player = state.players[seat]
    card = _in_hand(player, action.card)
    if card is None:
        return f"card {action.card} is not in your hand"
    if card.definition_id not in index.basics:
        return f"card {action.card} is not a basic creature"
    return None


def check_place_active(ctx: Ctx, seat: PlayerIndex, action: Action) -> str | None:
    """Setup: put a basic from the hand in the empty active spot."""
    state, index = ctx.state, ctx.index
    if state.players[seat].active is not None:
        return "you already placed a Front creature"
    return _setup_basic(state, index, seat, action)


def check_place_bench(ctx: Ctx, seat: PlayerIndex, action: Action) -> str | None:
    """Setup: bench a basic after the active is placed."""
    state, index = ctx.state, ctx.index
    player = state.players[seat]
    if player.active is None:
        return "place your Front creature first"
    if len(player.bench) >= state.rules.board_bench_size:
        return f"your bench is full ({state.rules.board_bench_size})"
    return _setup_basic(state, index, seat, action)


def check_finish_setup(ctx: Ctx, seat: PlayerIndex, _action: Action) -> str | None:
    """Setup: done placing; needs an active creature."""
    if ctx.state.players[seat].active is None:
        return "place a Front creature before finishing setup"
    return None


def check_play_creature(ctx: Ctx, seat: PlayerIndex, action: Action) -> str | None:
    """Put a basic creature from the hand onto the bench."""
    state, index = ctx.state, ctx.index
    player = state.players[seat]
    if len(player.bench) >= state.rules.board_bench_size:
        return f"your bench is full ({state.rules.board_bench_size})"
    return _setup_basic(state, index, seat, action)


def check_evolve(ctx: Ctx, seat: PlayerIndex, action: Action) -> str | None:
    """Evolve a creature in play with the next stage from the hand."""
    state, index = ctx.state, ctx.index
    player = state.players[seat]
    card = _in_hand(player, action.card)
    if card is None:
        return f"card {action.card} is not in your hand"
    evolution = index.creatures.get(card.definition_id)
    if evolution is None or evolution.stage is Stage.BASIC:
        return f"card {action.card} is not an evolution card"
    target = own_in_play(player, action.target)
    if target is None:
        return f"creature {action.target} is not one of your creatures in play"
    if index.creature(target.definition_id).name != evolution.evolves_from:
        return f"{evolution.name} evolves from {evolution.evolves_from}, not from this creature"
    rules = state.rules.evolution
    if rules.not_on_first_turn and player.turns_taken <= 1:
        return "creatures cannot evolve during your first turn"
    if rules.not_on_turn_played and target.turn_played == state.turn_number:
        return "this creature was put into play or evolved this turn"
    return None


def _energy_allowed(state: GameState, player: PlayerState) -> str | None:
    rules = state.rules
    if state.turn_number == 1 and not rules.first_turn.can_attach_energy:
        return "the first player cannot attach energy on the first turn"
    if player.energy_attached_this_turn >= query.attachments_allowed(state):
        return "you already attached energy this turn"
    return None


def check_attach_energy(ctx: Ctx, seat: PlayerIndex, action: Action) -> str | None:
    """Attach one energy (from the hand, or the zone's energy) to one of your creatures."""
    state, index = ctx.state, ctx.index
    player = state.players[seat]
    reason = _energy_allowed(state, player)
    if reason is not None:
        return reason
    if own_in_play(player, action.target) is None:
        return f"creature {action.target} is not one of your creatures in play"
    if state.rules.energy.source is EnergySource.ENERGY_ZONE:
        if action.card is not None:
            return "energy comes from the energy zone here; give no card"
        if player.zone_current is None:
            return "your energy zone has no energy this turn"
        return None
    card = _in_hand(player, action.card)
    if card is None:
        return f"card {action.card} is not in your hand"
    energy = index.energies.get(card.definition_id)
    if energy is None:
        return f"card {action.card} is not an energy card"
    target = own_in_play(player, action.target)
    requirement = energy.attach_requirement
    if (
        target is not None
        and requirement is not None
        and not matches(state, index, target, requirement)
    ):
        return f"{energy.name} cannot be attached to that creature"
    return None


def _trainer(index: CardIndex, card: CardInstance) -> TrainerCard | None:
    return index.trainers.get(card.definition_id)


def check_play_trainer(ctx: Ctx, seat: PlayerIndex, action: Action) -> str | None:
    """Play a trainer from the hand within the supporter, stadium and tool limits."""
    state, index = ctx.state, ctx.index
    player = state.players[seat]
    card = _in_hand(player, action.card)
    if card is None:
        return f"card {action.card} is not in your hand"
    trainer = _trainer(index, card)
    if trainer is None:
        return f"card {action.card} is not a trainer card"
    subtype = trainer.trainer_subtype
    if subtype is TrainerSubtype.TOOL:
        target = own_in_play(player, action.target)
        if target is None:
            return f"a tool needs one of your creatures in play as target, not {action.target}"
        if target.attached_tool is not None:
            return "that creature already holds a tool"
        return None
    if action.target is not None:
        return f"only a tool is played on a creature; {trainer.name} takes no target"
    if subtype is TrainerSubtype.STADIUM:
        if player.stadiums_played_this_turn >= state.rules.trainers.stadiums_per_turn:
            return "you already played a stadium this turn"
        stadium = state.stadium
        if stadium is not None and (
            stadium.card.definition_id == card.definition_id
            or (
                state.rules.trainers.stadium_same_name_blocked
                and index.trainers[stadium.card.definition_id].name == trainer.name
            )
        ):
            return f"{trainer.name} is already the stadium in play"
        return None
    if subtype is TrainerSubtype.SUPPORTER:
        if state.turn_number == 1 and not state.rules.first_turn.can_play_supporter:
            return "the first player cannot play a supporter on the first turn"
        if player.supporters_played_this_turn >= state.rules.turn.supporters_per_turn:
            return "you already played a supporter this turn"
    executor = hooks.executor()
    if executor is None:
        return f"{trainer.name} has effects and no effects executor is installed"
    if not executor.can_play(ctx, seat, card.instance_id):
        return f"the conditions to play {trainer.name} are not met, or it would change nothing"
    return None


def check_use_stadium(ctx: Ctx, seat: PlayerIndex, action: Action) -> str | None:
    """Use the stadium's activated trigger: each player once during their own turn."""
    state = ctx.state
    stadium = state.stadium
    if stadium is None:
        return "no stadium is in play"
    triggers = ctx.index.trainers[stadium.card.definition_id].triggers
    if (
        action.index is None
        or not 0 <= action.index < len(triggers)
        or triggers[action.index].kind is not TriggerKind.ACTIVATED
    ):
        return f"the stadium has no effect {action.index} a player can use"
    if state.players[seat].stadium_used_this_turn:
        return "you already used the stadium this turn"
    executor = hooks.executor()
    if executor is None:
        return "the stadium's effect needs the effects executor, which is not installed"
    return None


def check_use_ability(ctx: Ctx, seat: PlayerIndex, action: Action) -> str | None:
    """Use an activated ability of one of your creatures (once per turn each), or the stadium's."""
    state, index = ctx.state, ctx.index
    if state.stadium is not None and action.card == state.stadium.card.instance_id:
        return check_use_stadium(ctx, seat, action)
    player = state.players[seat]
    creature = own_in_play(player, action.card)
    if creature is None:
        return f"creature {action.card} is not one of your creatures in play"
    abilities = index.creature(creature.definition_id).abilities
    if action.index is None or not 0 <= action.index < len(abilities):
        return f"creature {action.card} has no ability {action.index}"
    if abilities[action.index].trigger is not TriggerKind.ACTIVATED:
        return f"{abilities[action.index].name} is not an ability a player uses"
    if f"{creature.instance_id}:{action.index}" in player.abilities_used_this_turn:
        return "this ability was already used this turn"
    executor = hooks.executor()
    if executor is None:
        return "abilities have effects and no effects executor is installed"
    if not executor.can_play(ctx, seat, f"{creature.instance_id}:{action.index}"):
        return f"{abilities[action.index].name} cannot be used now"
    return None


def check_retreat(ctx: Ctx, seat: PlayerIndex, action: Action) -> str | None:
    """Swap the active creature with a benched one, discarding energy for the retreat cost."""
    state, index = ctx.state, ctx.index
    player = state.players[seat]
    active = player.active
    if active is None:
        return "you have no Front creature"
    if player.retreats_this_turn >= state.rules.turn.retreats_per_turn:
        return "you already retreated this turn"
    if not any(c.instance_id == action.target for c in player.bench):
        return f"creature {action.target} is not on your bench"
    reason = query.can_retreat(ctx, seat, active)
    if reason is not None:
        return reason
    cost = query.retreat_cost(ctx, seat, active)
    attached = {e.instance_id: e.definition_id for e in active.attached_energy}
    if len(set(action.choice)) != len(action.choice):
        return "the same energy is named twice"
    if any(i not in attached for i in action.choice):
        return "the energy to discard must be attached to the Front creature"
    sizes = [len(index.units[attached[i]]) for i in action.choice]
    if sum(sizes) < cost:
        return f"the retreat cost is {cost} energy; the energy named pays {sum(sizes)}"
    if sizes and sum(sizes) - min(sizes) >= cost:
        return "name only the energy needed to pay the retreat cost"
    return None


def check_attack(ctx: Ctx, seat: PlayerIndex, action: Action) -> str | None:
    """Attack with the active creature: cost paid, first-turn rule, status and effects allow it."""
    state, index = ctx.state, ctx.index
    active = state.players[seat].active
    if active is None:
        return "you have no Front creature"
    if state.turn_number == 1 and not state.rules.first_turn.can_attack:
        return "the first player cannot attack on the first turn"
    if state.turn_number == 2 and not state.rules.first_turn.second_player_can_attack:
        return "the second player cannot attack on their first turn"
    attacks = index.creature(active.definition_id).attacks
    if action.index is None or not 0 <= action.index < len(attacks):
        return f"the Front creature has no attack {action.index}"
    reason = query.can_attack_with(active) or query.attack_blocked(ctx, seat, active)
    if reason is not None:
        return reason
    cost = query.attack_cost(ctx, seat, active, attacks[action.index])
    units: list[Unit] = query.units_of(index, active)
    if not query.can_pay(units, cost):
        return f"not enough energy for {attacks[action.index].name}"
    return None


def check_end_turn(_ctx: Ctx, _seat: PlayerIndex, _action: Action) -> str | None:
    """Ending the turn is always allowed in the main phase."""
    return None


def check_choose(ctx: Ctx, _seat: PlayerIndex, action: Action) -> str | None:
    """Answer the pending choice with between min and max distinct options."""
    choice = ctx.state.pending_choice
    if choice is None:
        return "no choice is pending"
    picked = action.choice
    if len(set(picked)) != len(picked):
        return "an option is chosen twice"
    options = set(choice.options)
    unknown = [p for p in picked if p not in options]
    if unknown:
        return f"not an option of this choice: {', '.join(unknown)}"
    if not choice.min_count <= len(picked) <= choice.max_count:
        if choice.min_count == choice.max_count:
            return f"choose exactly {choice.min_count} option(s), not {len(picked)}"
        return f"choose {choice.min_count} to {choice.max_count} options, not {len(picked)}"
    return None


MAIN_CHECKS: dict[ActionKind, Check] = {
    ActionKind.PLAY_CREATURE: check_play_creature,
    ActionKind.EVOLVE: check_evolve,
    ActionKind.ATTACH_ENERGY: check_attach_energy,
    ActionKind.PLAY_TRAINER: check_play_trainer,
    ActionKind.USE_ABILITY: check_use_ability,
    ActionKind.RETREAT: check_retreat,
    ActionKind.ATTACK: check_attack,
    ActionKind.END_TURN: check_end_turn,
}
SETUP_CHECKS: dict[ActionKind, Check] = {
    ActionKind.PLACE_ACTIVE: check_place_active,
    ActionKind.PLACE_BENCH: check_place_bench,
    ActionKind.FINISH_SETUP: check_finish_setup,
}


def acting_player(state: GameState) -> PlayerIndex:
    """Who must act now: the chooser of a pending choice, a setup seat, or the turn player."""
    if state.pending_choice is not None:
        return state.pending_choice.player
    if state.phase is TurnPhase.SETUP:
        first = state.first_player
        if not state.players[first].setup_done:
            return first
        return 1 if first == 0 else 0
    return state.current_player


def why_illegal(ctx: Ctx, action: Action) -> str | None:
    """The reason `action` may not be applied now, or None when it may."""
    state = ctx.state
    if state.phase is TurnPhase.ENDED:
        return "the game has ended"
    if action.kind in ENDINGS:
        if action.kind in SEAT_ENDINGS and action.player is None:
            return f"{action.kind.value} needs the losing player's seat"
        return None
    seat = acting_player(state)
    if action.player is not None and action.player != seat:
        return f"it is player {seat}'s turn to act, not player {action.player}'s"
    if state.pending_choice is not None:
        if action.kind is not ActionKind.CHOOSE:
            return f"answer the pending {state.pending_choice.kind} choice first"
        return check_choose(ctx, seat, action)
    if action.kind is ActionKind.CHOOSE:
        return "no choice is pending"
    if state.phase is TurnPhase.SETUP:
        check = SETUP_CHECKS.get(action.kind)
        if check is None:
            return f"{action.kind.value} is not allowed during setup"
        return check(ctx, seat, action)
    check = MAIN_CHECKS.get(action.kind)
    if check is None:
        return f"{action.kind.value} is not allowed now"
    if state.phase is not TurnPhase.MAIN:
        return f"actions are not allowed in the {state.phase.value} phase"
    return check(ctx, seat, action)
