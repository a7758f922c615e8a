"""`legal_actions`: every action the player who must act may take now.

Candidates are generated per kind and kept when `app.engine.checks` allows them,
so the list and `apply` never disagree. To keep the list short and the hot path
cheap:
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

from collections.abc import Iterator, Mapping
from itertools import combinations
from math import comb

from app.core.cards import CardDefinition, Stage, TrainerSubtype
from app.core.game_state import GameState, PendingChoice, PlayerIndex, TurnPhase
from app.core.rules import EnergySource
from app.engine import query
from app.engine.actions import Action, ActionKind
from app.engine.checks import (
    MAIN_CHECKS,
    SETUP_CHECKS,
    acting_player,
    retreat_choice,
)
from app.engine.context import Ctx
from app.engine.index import index_for
from app.engine.ops import in_play
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


def _main_candidates(ctx: Ctx, seat: PlayerIndex) -> Iterator[Action]:
    state, index = ctx.state, ctx.index
    player = state.players[seat]
    creatures = in_play(player)
    targets = [c.instance_id for c in creatures]
    zone = state.rules.energy.source is EnergySource.ENERGY_ZONE
    for card_id, definition_id in _first_of_each(state, seat):
        creature = index.creatures.get(definition_id)
        if creature is not None:
            if creature.stage is Stage.BASIC:
                yield Action(ActionKind.PLAY_CREATURE, card=card_id)
            else:
                for target in targets:
                    yield Action(ActionKind.EVOLVE, card=card_id, target=target)
        elif definition_id in index.energies:
            if not zone:
                for target in targets:
                    yield Action(ActionKind.ATTACH_ENERGY, card=card_id, target=target)
        else:
            trainer = index.trainers[definition_id]
            if trainer.trainer_subtype is TrainerSubtype.TOOL:
                for target in targets:
                    yield Action(ActionKind.PLAY_TRAINER, card=card_id, target=target)
            else:
                yield Action(ActionKind.PLAY_TRAINER, card=card_id)
    if zone and player.zone_current is not None:
        for target in targets:
            yield Action(ActionKind.ATTACH_ENERGY, target=target)
    for holder in creatures:
        for ability_index in range(len(index.creature(holder.definition_id).abilities)):
            yield Action(ActionKind.USE_ABILITY, card=holder.instance_id, index=ability_index)
    active = player.active
    if active is not None:
        if player.bench:
            cost = query.retreat_cost(index, state, seat, active)
            energy = retreat_choice(index, active, cost)
            if energy is not None:
                for benched in player.bench:
                    yield Action(ActionKind.RETREAT, target=benched.instance_id, choice=energy)
        for attack_index in range(len(index.creature(active.definition_id).attacks)):
            yield Action(ActionKind.ATTACK, index=attack_index)
    yield Action(ActionKind.END_TURN)


def legal_actions(state: GameState, cards: Mapping[str, CardDefinition]) -> list[Action]:
    """Every action `acting_player(state)` may take now; empty once the game has ended."""
    if state.phase is TurnPhase.ENDED:
        return []
    if state.pending_choice is not None:
        return choice_actions(state.pending_choice)
    ctx = Ctx(state, index_for(cards), Rng(state.rng_seed, state.version), state.last_action_at)
    seat = acting_player(state)
    if state.phase is TurnPhase.SETUP:
        return [
            a for a in _setup_candidates(state, seat) if SETUP_CHECKS[a.kind](ctx, seat, a) is None
        ]
    if state.phase is not TurnPhase.MAIN:
        return []
    return [a for a in _main_candidates(ctx, seat) if MAIN_CHECKS[a.kind](ctx, seat, a) is None]
