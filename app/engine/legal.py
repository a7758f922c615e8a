"""`legal_actions`: every action the player who must act may take now.

Main-phase actions are generated directly from the same conditions as
`app.engine.checks` (batched, since this runs before every decision); a test
holds every listed action to the checks `apply` runs. To keep the list short and
the hot path cheap:
- hand cards are listed once per definition (the first copy); `apply` accepts
  any copy;
- a retreat is listed once per benched creature, with a canonical set of energy
  to discard (basic energy first); `apply` accepts any minimal set;
- ``resign`` is never listed (it is always allowed, see `checks`);
- a pending choice lists every subset of the allowed sizes when there are at
  most 64 of them, otherwise, for each allowed size k, the n windows of k
  consecutive options (wrapping), which always includes every single option.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from itertools import combinations
from math import comb

from app.core.cards import CardDefinition, TrainerSubtype
from app.core.game_state import CardInstance, GameState, PendingChoice, PlayerIndex, TurnPhase
from app.core.rules import EnergySource
from app.engine import hooks, query
from app.engine.actions import Action, ActionKind
from app.engine.checks import (
    SETUP_CHECKS,
    acting_player,
    check_play_trainer,
    check_use_ability,
)
from app.engine.context import Ctx
from app.engine.index import index_for
from app.engine.integrity import ensure_checked
from app.engine.modifiers import matches, sources
from app.engine.rng import Rng

_MAX_SUBSETS = 64


def choice_actions(choice: PendingChoice) -> list[Action]:
    """The answers offered for a pending choice (see the module docstring)."""
    options = choice.options
    n = len(options)
    sizes = range(choice.min_count, min(choice.max_count, n) + 1)
    if sum(comb(n, k) for k in sizes) <= _MAX_SUBSETS:
        return [
            Action(ActionKind.CHOOSE, choice=subset)
            for k in sizes
            for subset in combinations(options, k)
        ]
    actions: list[Action] = []
    seen: set[tuple[str, ...]] = set()
    for k in sizes:
        for start in range(n if k else 1):
            window = tuple(options[(start + i) % n] for i in range(k))
            if window not in seen:
                seen.add(window)
                actions.append(Action(ActionKind.CHOOSE, choice=window))
    return actions


def _first_of_each(state: GameState, seat: PlayerIndex) -> Iterator[tuple[str, str]]:
    seen: set[str] = set()
    for card in state.players[seat].hand:
        if card.definition_id not in seen:
            seen.add(card.definition_id)
            yield card.instance_id, card.definition_id


def _setup_candidates(state: GameState, seat: PlayerIndex) -> Iterator[Action]:
    player = state.players[seat]
    kind = ActionKind.PLACE_ACTIVE if player.active is None else ActionKind.PLACE_BENCH
    for card_id, _ in _first_of_each(state, seat):
        yield Action(kind, card=card_id)
    yield Action(ActionKind.FINISH_SETUP)


_END_TURN = Action(ActionKind.END_TURN)
_ATTACKS = tuple(Action(ActionKind.ATTACK, index=i) for i in range(8))
# Enum members bound once: reading ``Enum.MEMBER`` goes through the enum metaclass
# (several times slower than a global read) and these run per hand card per decision.
_TOOL, _STADIUM, _SUPPORTER = TrainerSubtype.TOOL, TrainerSubtype.STADIUM, TrainerSubtype.SUPPORTER
_PLAY_CREATURE, _EVOLVE = ActionKind.PLAY_CREATURE, ActionKind.EVOLVE
_ATTACH_ENERGY, _PLAY_TRAINER = ActionKind.ATTACH_ENERGY, ActionKind.PLAY_TRAINER
_USE_ABILITY, _RETREAT = ActionKind.USE_ABILITY, ActionKind.RETREAT
_ENERGY_ZONE = EnergySource.ENERGY_ZONE


def _main_actions(ctx: Ctx, seat: PlayerIndex) -> list[Action]:
    """The legal main-phase actions, generated directly (the checks' rules, batched).

    Equivalent to filtering every candidate through `MAIN_CHECKS` (a test holds
    them to it) but computes each shared condition once instead of per candidate,
    and reads card data from the index's plain dicts (see `app.engine.index`).
    """
    state, index = ctx.state, ctx.index
    rules = state.rules
    player = state.players[seat]
    active, bench = player.active, player.bench
    creatures = [active, *bench] if active is not None else list(bench)
    turn_number = state.turn_number
    first_turn = turn_number == 1
    first_rules = rules.first_turn
    evolution = rules.evolution
    bench_room = len(bench) < rules.board_bench_size
    can_evolve = not (evolution.not_on_first_turn and player.turns_taken <= 1)
    fresh_blocked = evolution.not_on_turn_played
    energy_ok = not (
        first_turn and not first_rules.can_attach_energy
    ) and player.energy_attached_this_turn < query.attachments_allowed(state)
    zone = rules.energy.source is _ENERGY_ZONE
    executor = hooks.executor()
    supporter_ok = player.supporters_played_this_turn < rules.turn.supporters_per_turn and not (
        first_turn and not first_rules.can_play_supporter
    )
    basics, evolves_from, names = index.basics, index.evolves_from, index.names
    energy_defs, requirements = index.energies, index.attach_requirements
    subtypes, free_trainers = index.trainer_subtypes, index.free_trainers
    refuse_idle = rules.trainers.refuse_without_effect
    actions: list[Action] = []
    add = actions.append
    seen: set[str] = set()
    creature_names: list[str] | None = None
    for card in player.hand:
        definition_id = card.definition_id
        if definition_id in seen:
            continue
        seen.add(definition_id)
        card_id = card.instance_id
        if definition_id in basics:
            if bench_room:
                add(Action(_PLAY_CREATURE, card=card_id))
            continue
        if definition_id in evolves_from:
            if not can_evolve:
                continue
            wanted = evolves_from[definition_id]
            if creature_names is None:
                creature_names = [names[c.definition_id] for c in creatures]
            if wanted not in creature_names:
                continue
            for target, name in zip(creatures, creature_names, strict=True):
                if name == wanted and not (fresh_blocked and target.turn_played == turn_number):
                    add(Action(_EVOLVE, card=card_id, target=target.instance_id))
            continue
        if definition_id in energy_defs:
            if energy_ok and not zone:
                requirement = requirements.get(definition_id)
                for target in creatures:
                    if requirement is None or matches(state, index, target, requirement):
                        add(Action(_ATTACH_ENERGY, card=card_id, target=target.instance_id))
            continue
        subtype = subtypes[definition_id]
        if subtype is _TOOL:
            for target in creatures:
                if target.attached_tool is None:
                    add(Action(_PLAY_TRAINER, card=card_id, target=target.instance_id))
        elif subtype is _STADIUM or (
            executor is not None and (subtype is not _SUPPORTER or supporter_ok)
        ):
            action = Action(_PLAY_TRAINER, card=card_id)
            # The limits checked above are all an unconditional item or supporter needs.
            if (definition_id in free_trainers and not refuse_idle) or check_play_trainer(
                ctx, seat, action
            ) is None:
                add(action)
    if zone and energy_ok and player.zone_current is not None:
        for target in creatures:
            add(Action(_ATTACH_ENERGY, target=target.instance_id))
    if executor is not None:
        activated = index.activated
        for holder in creatures:
            for ability_index in activated.get(holder.definition_id, ()):
                action = Action(_USE_ABILITY, card=holder.instance_id, index=ability_index)
                if check_use_ability(ctx, seat, action) is None:
                    add(action)
        stadium = state.stadium
        if stadium is not None and not player.stadium_used_this_turn:
            for trigger_index in activated.get(stadium.card.definition_id, ()):
                action = Action(_USE_ABILITY, card=stadium.card.instance_id, index=trigger_index)
                if check_use_ability(ctx, seat, action) is None:
                    add(action)
    if active is not None:
        if (
            bench
            and player.retreats_this_turn < rules.turn.retreats_per_turn
            and query.can_retreat(ctx, seat, active) is None
        ):
            cost = query.retreat_cost(ctx, seat, active)
            energy_ids = query.retreat_choice(index, active, cost)
            if energy_ids is not None:
                for benched in bench:
                    add(Action(_RETREAT, target=benched.instance_id, choice=energy_ids))
        if (
            not (first_turn and not first_rules.can_attack)
            and not (turn_number == 2 and not first_rules.second_player_can_attack)
            and (query.can_attack_with(active) or query.attack_blocked(ctx, seat, active)) is None
        ):
            _add_attacks(ctx, seat, active, add)
    add(_END_TURN)
    return actions


def _add_attacks(
    ctx: Ctx, seat: PlayerIndex, active: CardInstance, add: Callable[[Action], None]
) -> None:
    """The attacks the active creature's energy pays for (printed costs when nothing modifies)."""
    index = ctx.index
    units = query.units_of(index, active)
    definition_id = active.definition_id
    if query.none_in_force(ctx, "attack_cost"):
        costs = index.attack_costs[definition_id]
    else:
        attacks = index.creatures[definition_id].attacks
        costs = tuple(query.attack_cost(ctx, seat, active, attack) for attack in attacks)
    for attack_index, cost in enumerate(costs):
        if query.can_pay(units, cost):
            add(_ATTACKS[attack_index])


_offered: tuple[GameState | None, int, list[Action]] = (None, -1, [])
"""The last list `legal_actions` returned, with the state object and version it was for."""


def was_offered(state: GameState, action: Action) -> bool:
    """Whether `action` is in the last list `legal_actions` returned, for this very state.

    Every action in that list passed the checks `apply` runs (a test holds them to
    it), on this same state object at this same version, and legality depends only
    on the state and the action's values; `apply` changes the version on every
    action, so such an action needs no second check. That re-validation is what a
    bot loop would otherwise pay on every decision. This memo never changes a
    result: any other action (one not offered, or offered for another state object
    or version) is checked as usual. Only a state edited by hand without `apply`
    could fool it, and nothing but a test edits a state by hand.
    """
    offered_state, version, actions = _offered
    return offered_state is state and version == state.version and action in actions


def legal_actions(state: GameState, cards: Mapping[str, CardDefinition]) -> list[Action]:
    """Every action `acting_player(state)` may take now; empty once the game has ended.

    Never empty before the end: a state with nothing to do is refused.

    Raises:
        CorruptStateError: the state is not one the engine can play on (see
            `app.engine.integrity`).
    """
    global _offered  # see `was_offered`
    ensure_checked(state, cards)
    if state.phase is TurnPhase.ENDED:
        return []
    if state.pending_choice is not None:
        actions = choice_actions(state.pending_choice)
    else:
        index = index_for(cards)
        ctx = Ctx(state, index, Rng(state.rng_seed, state.version), state.last_action_at)
        ctx.held = sources(state, index)
        seat = acting_player(state)
        if state.phase is TurnPhase.SETUP:
            actions = [
                a
                for a in _setup_candidates(state, seat)
                if SETUP_CHECKS[a.kind](ctx, seat, a) is None
            ]
        elif state.phase is TurnPhase.MAIN:
            actions = _main_actions(ctx, seat)
        else:
            return []
    _offered = (state, state.version, actions)
    return actions
