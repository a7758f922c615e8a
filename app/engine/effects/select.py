"""Reading the vocabulary against the state: targets, amounts, conditions and card filters.

Sides are relative to the acting player (``ex.seat``). Choosing targets goes through
`app.engine.effects.runtime.choose`, so a target picked by a player is a pending
choice like any other; a choice with nothing to decide (as many candidates as
needed, or fewer) is taken without asking.

Decision (the vocabulary leaves it open): a ``choose`` target that is not ``up_to``
must pick ``count`` creatures when that many qualify, else all that qualify; an
``up_to`` target may pick none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from app.core.cards import CardType, CreatureCard, EnergyCard, EnergyKind, TrainerCard
from app.core.effects import (
    Amount,
    CardFilter,
    Condition,
    CreatureFilter,
    CreatureInPlay,
    EnergyFilter,
    NotFirstTurn,
    OwnBenchEmpty,
    Per,
    Select,
    Side,
    SourceActive,
    Target,
    TargetDamaged,
    Zone,
)
from app.core.game_state import AttachedCard, CardInstance, PlayerIndex
from app.engine import ops, query
from app.engine.context import Ctx
from app.engine.effects.runtime import ATTACKER, HEADS, SAME, Exec, choose
from app.engine.errors import EngineError
from app.engine.modifiers import matches

Creature = tuple[PlayerIndex, CardInstance]
"""A creature in play with its owner's seat."""

CreatureTest = Callable[[Creature], bool]
"""An extra test a handler puts on target candidates."""


def seat_of(ex: Exec, side: Side) -> PlayerIndex:
    """The seat `side` names for the acting player."""
    return ex.seat if side is Side.OWN else ex.other


def source_creature(ctx: Ctx, ex: Exec) -> Creature | None:
    """The effect's source creature in play (attacker, ability holder, tool holder)."""
    if ex.run.source is None:
        return None
    return ops.locate(ctx, ex.run.source)


def creatures(ctx: Ctx, seat: PlayerIndex, zone: Zone) -> list[CardInstance]:
    """`seat`'s creatures in `zone`, active first."""
    player = ctx.state.players[seat]
    if zone is Zone.ACTIVE:
        return [player.active] if player.active is not None else []
    if zone is Zone.BENCH:
        return list(player.bench)
    return ops.in_play(player)


def creature_matches(ctx: Ctx, creature: CardInstance, wanted: CreatureFilter | None) -> bool:
    """Whether `creature` passes `wanted` (None passes everything); the engine's one filter."""
    return wanted is None or matches(ctx.state, ctx.index, creature, wanted)


def candidates(ctx: Ctx, ex: Exec, target: Target) -> list[Creature]:
    """Every creature `target` may pick from (for ``all``/``choose``)."""
    if target.side is None or target.zone is None:
        raise EngineError(f"target {target.select.value!r} has no side or zone")
    seat = seat_of(ex, target.side)
    return [
        (seat, creature)
        for creature in creatures(ctx, seat, target.zone)
        if creature_matches(ctx, creature, target.filter)
    ]


def resolve(
    ctx: Ctx,
    ex: Exec,
    target: Target,
    slot: str = "target",
    *,
    extra: CreatureTest | None = None,
    extra_is_hidden: bool = False,
) -> list[Creature] | None:
    """The creatures `target` names now; None when a choice was requested.

    The result is bound as ``same`` for later steps. `extra` narrows ``choose``/``all``
    candidates further (e.g. only creatures that have an energy to move);
    `extra_is_hidden`: it reads cards only the chooser sees (its hand), so the choice is
    asked even when forced (see `choose`).
    """
    select = target.select
    found: list[Creature]
    if select is Select.SOURCE:
        source = source_creature(ctx, ex)
        found = [source] if source is not None else []
    elif select is Select.ATTACKER:
        attacker = ex.run.bound.get(ATTACKER)
        located = ops.locate(ctx, attacker) if isinstance(attacker, str) else None
        found = [located] if located is not None else []
    elif select is Select.SAME:
        same = ex.run.bound.get(SAME) or []
        found = [c for c in (ops.locate(ctx, i) for i in same) if c is not None]
    else:
        pool = candidates(ctx, ex, target)
        if extra is not None:
            pool = [c for c in pool if extra(c)]
        if select is Select.ALL:
            found = pool
        else:
            found_or_none = _pick(ctx, ex, target, pool, slot, extra_is_hidden and bool(pool))
            if found_or_none is None:
                return None
            found = found_or_none
    ex.run.bound[SAME] = [creature.instance_id for _, creature in found]
    return found


def _pick(
    ctx: Ctx, ex: Exec, target: Target, pool: list[Creature], slot: str, from_hidden: bool
) -> list[Creature] | None:
    by_id = {creature.instance_id: (seat, creature) for seat, creature in pool}
    chooser = seat_of(ex, target.chooser)
    count = min(target.count, len(pool))
    picked = choose(
        ctx,
        ex,
        slot,
        chooser=chooser,
        kind="target",
        options=list(by_id),
        min_count=0 if target.up_to else count,
        max_count=count,
        prompt=f"choose {'up to ' if target.up_to else ''}{count} creature(s)",
        from_hidden=from_hidden,
    )
    if picked is None:
        return None
    return [by_id[i] for i in picked if i in by_id]


def amount_of(ctx: Ctx, ex: Exec, amount: Amount) -> int:
    """The value of `amount` now (``value + per_value * min(units, cap)``)."""
    if amount.per is None or amount.per_value is None or amount.cap is None:
        return amount.value
    return amount.value + amount.per_value * min(_units(ctx, ex, amount.per), amount.cap)


def _units(ctx: Ctx, ex: Exec, per: Per) -> int:
    if per is Per.HEADS:
        heads = ex.run.bound.get(HEADS, 0)
        return heads if isinstance(heads, int) else 0
    if per is Per.OWN_BENCHED:
        return len(ctx.state.players[ex.seat].bench)
    source = source_creature(ctx, ex)
    if source is None:
        return 0
    seat, creature = source
    if per is Per.DAMAGE_COUNTERS_ON_SOURCE:
        return creature.damage // 10
    provided = len(query.units_of(ctx.index, creature))
    cost = 0
    card = ctx.index.creature(creature.definition_id)
    if ex.run.source_index is not None and ex.run.source_index < len(card.attacks):
        attack = card.attacks[ex.run.source_index]
        cost = len(query.attack_cost(ctx, seat, creature, attack))
    return max(0, provided - cost)


def condition_holds(ctx: Ctx, ex: Exec, condition: Condition) -> bool:
    """Whether `condition` holds now for the acting player (see `app.core.effects.amounts`)."""
    state = ctx.state
    if isinstance(condition, TargetDamaged):
        defender = state.players[ex.other].active
        return defender is not None and defender.damage > 0
    if isinstance(condition, OwnBenchEmpty):
        return not state.players[ex.seat].bench
    if isinstance(condition, SourceActive):
        source = source_creature(ctx, ex)
        if source is None:
            return False
        seat, creature = source
        return state.players[seat].active is creature
    if isinstance(condition, CreatureInPlay):
        seat = seat_of(ex, condition.side)
        found = sum(
            1
            for creature in creatures(ctx, seat, condition.zone)
            if creature_matches(ctx, creature, condition.filter)
        )
        return found >= condition.count
    if isinstance(condition, NotFirstTurn):
        return not is_first_turn(ctx, ex.seat)
    raise EngineError(f"unknown condition {condition!r}")  # pragma: no cover - closed union


def is_first_turn(ctx: Ctx, seat: PlayerIndex) -> bool:
    """Whether it is `seat`'s first turn of the game (turn 1 for the first player, 2 else)."""
    turn = ctx.state.turn_number
    first = ctx.state.first_player
    return turn <= (1 if seat == first else 2)


def card_matches(ctx: Ctx, definition_id: str, wanted: CardFilter | None) -> bool:
    """Whether a card (by definition) passes a `CardFilter`."""
    if wanted is None:
        return True
    card = ctx.index.cards[definition_id]
    if wanted.card_types is not None and card.card_type not in wanted.card_types:
        return False
    if isinstance(card, CreatureCard):
        return wanted.stages is None or card.stage in wanted.stages
    if isinstance(card, TrainerCard):
        return wanted.trainer_subtypes is None or card.trainer_subtype in wanted.trainer_subtypes
    assert isinstance(card, EnergyCard)
    return wanted.energy_kinds is None or card.energy_kind in wanted.energy_kinds


def energy_matches(ctx: Ctx, definition_id: str, wanted: EnergyFilter) -> bool:
    """Whether an energy card (by definition) passes an `EnergyFilter`."""
    card = ctx.index.energies.get(definition_id)
    if card is None:
        return False
    if wanted.basic_only and card.energy_kind is not EnergyKind.BASIC:
        return False
    if wanted.types is None:
        return True
    units = ctx.index.units[definition_id]
    return any(t in unit for unit in units for t in wanted.types)


def is_creature_card(ctx: Ctx, definition_id: str) -> bool:
    """Whether the definition is a creature card."""
    return ctx.index.cards[definition_id].card_type is CardType.CREATURE


def distinct(cards: Iterable[CardInstance | AttachedCard], per_definition: int) -> list[str]:
    """Instance ids keeping at most `per_definition` cards of each definition (in order).

    Identical cards are interchangeable, so offering one of each keeps choices small.
    """
    seen: dict[str, int] = {}
    picked: list[str] = []
    for card in cards:
        taken = seen.get(card.definition_id, 0)
        if taken < per_definition:
            seen[card.definition_id] = taken + 1
            picked.append(card.instance_id)
    return picked
