"""Derived values: the one place rules and effects ask "how much" and "may it".

Printed numbers (HP, retreat cost, attack cost, energy provided) are adjusted
here by the modifiers in force: lasting effects today; tools, the stadium,
abilities and special energy join through `modifiers_for` once the effect
vocabulary gives those cards typed modifiers. Nothing here mutates the state.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from app.core.cards import Attack, CreatureCard, EnergyType
from app.core.game_state import CardInstance, GameState, PlayerIndex, StatusCondition
from app.engine.index import CardIndex, Unit

COLORLESS = EnergyType.COLORLESS
_NO_ATTACK = (StatusCondition.ASLEEP, StatusCondition.PARALYZED)


def modifiers_for(
    state: GameState, seat: PlayerIndex, creature: CardInstance, kind: str
) -> Iterator[dict[str, Any]]:
    """Every modifier of `kind` in force on `creature` (owned by `seat`)."""
    for effect in state.lasting_effects:
        if effect.modifier.get("kind") != kind:
            continue
        if effect.target == creature.instance_id or (
            effect.target is None and effect.player == seat
        ):
            yield effect.modifier


def sum_amounts(state: GameState, seat: PlayerIndex, creature: CardInstance, kind: str) -> int:
    """The total ``amount`` of the modifiers of `kind` on `creature`."""
    total = 0
    for modifier in modifiers_for(state, seat, creature, kind):
        amount = modifier.get("amount", 0)
        if isinstance(amount, int):
            total += amount
    return total


def has_modifier(state: GameState, seat: PlayerIndex, creature: CardInstance, kind: str) -> bool:
    """Whether any modifier of `kind` applies to `creature`."""
    return next(modifiers_for(state, seat, creature, kind), None) is not None


def max_hp(index: CardIndex, state: GameState, seat: PlayerIndex, creature: CardInstance) -> int:
    """Printed HP plus HP modifiers."""
    hp = index.creature(creature.definition_id).hp
    if state.lasting_effects:
        hp += sum_amounts(state, seat, creature, "hp")
    return hp


def remaining_hp(
    index: CardIndex, state: GameState, seat: PlayerIndex, creature: CardInstance
) -> int:
    """HP left before a knockout (0 or less: knocked out)."""
    return max_hp(index, state, seat, creature) - creature.damage


def retreat_cost(
    index: CardIndex, state: GameState, seat: PlayerIndex, creature: CardInstance
) -> int:
    """Energy to discard to retreat, after modifiers (never below 0)."""
    cost = index.creature(creature.definition_id).retreat_cost
    if state.lasting_effects:
        if has_modifier(state, seat, creature, "free_retreat"):
            return 0
        cost += sum_amounts(state, seat, creature, "retreat_cost")
    return max(0, cost)


def attack_cost(
    state: GameState, seat: PlayerIndex, creature: CardInstance, attack: Attack
) -> tuple[EnergyType, ...]:
    """What the attack costs now (printed cost; attack-cost modifiers remove colorless first)."""
    cost = attack.cost
    if state.lasting_effects:
        reduction = sum_amounts(state, seat, creature, "attack_cost")
        if reduction > 0:
            trimmed = list(cost)
            for _ in range(reduction):
                if COLORLESS in trimmed:
                    trimmed.remove(COLORLESS)
                elif trimmed:
                    trimmed.pop()
            cost = tuple(trimmed)
    return cost


def units_of(index: CardIndex, creature: CardInstance) -> list[Unit]:
    """The energy units attached to `creature` (one per energy provided)."""
    units: list[Unit] = []
    table = index.units
    for energy in creature.attached_energy:
        units.extend(table[energy.definition_id])
    return units


def can_pay(units: Sequence[Unit], cost: Sequence[EnergyType]) -> bool:
    """Whether these units pay `cost` (typed costs need a matching unit; colorless any)."""
    if len(units) < len(cost):
        return False
    typed = [t for t in cost if t is not COLORLESS]
    if not typed:
        return True
    return _match(typed, list(units))


def _match(typed: list[EnergyType], units: list[Unit]) -> bool:
    if not typed:
        return True
    need = typed[-1]
    tried: set[Unit] = set()
    for position, unit in enumerate(units):
        if need in unit and unit not in tried:
            tried.add(unit)
            rest = units[:position] + units[position + 1 :]
            if _match(typed[:-1], rest):
                return True
    return False


def can_attack_with(creature: CardInstance) -> str | None:
    """Why the status of `creature` forbids attacking, or None."""
    for status in _NO_ATTACK:
        if status in creature.status_conditions:
            return f"the active creature is {status.value}"
    return None


def can_retreat(state: GameState, seat: PlayerIndex, creature: CardInstance) -> str | None:
    """Why `creature` cannot retreat now (status or an effect), or None."""
    reason = can_attack_with(creature)
    if reason is not None:
        return reason
    if state.lasting_effects and has_modifier(state, seat, creature, "cannot_retreat"):
        return "an effect prevents the active creature from retreating"
    return None


def attack_blocked(state: GameState, seat: PlayerIndex, creature: CardInstance) -> str | None:
    """Why an effect forbids `creature` to attack, or None."""
    if state.lasting_effects and has_modifier(state, seat, creature, "cannot_attack"):
        return "an effect prevents the active creature from attacking this turn"
    return None


def is_ex(index: CardIndex, creature: CardInstance) -> bool:
    """Whether knocking `creature` out scores the ex reward."""
    return index.creature(creature.definition_id).is_ex


def definition(index: CardIndex, creature: CardInstance) -> CreatureCard:
    """Shorthand for the creature's definition."""
    return index.creature(creature.definition_id)
