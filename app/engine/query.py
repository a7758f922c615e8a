"""Derived values: the one place rules and effects ask "how much" and "may it".

Printed numbers (HP, retreat cost, attack cost, energy provided) are adjusted
here by the modifiers in force (`app.engine.modifiers`: tools, the stadium,
passive abilities, special energy and lasting effects). Every function takes the
action's `Ctx` (state plus catalog index) and never mutates anything.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from app.core.cards import Attack, CreatureCard, EnergyType
from app.core.game_state import CardInstance, GameState, PlayerIndex, StatusCondition
from app.engine.context import Ctx
from app.engine.index import CardIndex, Unit
from app.engine.modifiers import in_force

COLORLESS = EnergyType.COLORLESS
_NO_ATTACK = (StatusCondition.ASLEEP, StatusCondition.PARALYZED)


def none_in_force(ctx: Ctx, kind: str) -> bool:
    """A cheap proof that no modifier of `kind` applies to any creature now.

    True when there are no lasting effects and no printed modifier of that kind is
    in play (`Ctx.held`) or, when the board was not scanned, in the whole catalog.
    False means "look" (`modifiers_for`), not that one applies.
    """
    if ctx.state.lasting_effects:
        return False
    held = ctx.held
    if held is not None:
        return kind not in held
    return kind not in ctx.index.modifier_kinds


def modifiers_for(
    ctx: Ctx, seat: PlayerIndex, creature: CardInstance, kind: str
) -> Iterator[dict[str, Any]]:
    """Every modifier of `kind` in force on `creature` (owned by `seat`), as JSON dicts."""
    if none_in_force(ctx, kind):
        return
    yield from in_force(ctx.state, ctx.index, seat, creature, kind, ctx.held)


def sum_amounts(ctx: Ctx, seat: PlayerIndex, creature: CardInstance, kind: str) -> int:
    """The total ``amount`` of the modifiers of `kind` on `creature`."""
    if none_in_force(ctx, kind):
        return 0
    total = 0
    for modifier in modifiers_for(ctx, seat, creature, kind):
        amount = modifier.get("amount", 0)
        if isinstance(amount, int):
            total += amount
    return total


def has_modifier(ctx: Ctx, seat: PlayerIndex, creature: CardInstance, kind: str) -> bool:
    """Whether any modifier of `kind` applies to `creature`."""
    if none_in_force(ctx, kind):
        return False
    return next(modifiers_for(ctx, seat, creature, kind), None) is not None


def max_hp(ctx: Ctx, seat: PlayerIndex, creature: CardInstance) -> int:
    """Printed HP plus HP modifiers."""
    return ctx.index.creature(creature.definition_id).hp + sum_amounts(ctx, seat, creature, "hp")


def remaining_hp(ctx: Ctx, seat: PlayerIndex, creature: CardInstance) -> int:
    """HP left before a knockout (0 or less: knocked out)."""
    return max_hp(ctx, seat, creature) - creature.damage


def knocked_out(ctx: Ctx, seat: PlayerIndex, creature: CardInstance) -> bool:
    """Whether `creature` has no HP left (HP modifiers only add, so most checks are one read)."""
    damage = creature.damage
    if not damage or damage < ctx.index.creatures[creature.definition_id].hp:
        return False
    return remaining_hp(ctx, seat, creature) <= 0


def retreat_cost(ctx: Ctx, seat: PlayerIndex, creature: CardInstance) -> int:
    """Energy to discard to retreat, after modifiers (``free_retreat`` wins; never below 0)."""
    cost = ctx.index.creature(creature.definition_id).retreat_cost
    if has_modifier(ctx, seat, creature, "free_retreat"):
        return 0
    return max(0, cost + sum_amounts(ctx, seat, creature, "retreat_cost"))


def attack_cost(
    ctx: Ctx, seat: PlayerIndex, creature: CardInstance, attack: Attack
) -> tuple[EnergyType, ...]:
    """What the attack costs now: ``attack_cost`` modifiers add or remove energy of a type.

    A reduction removes energy of the named type (colorless: colorless ones), never
    below none of that type.
    """
    cost = attack.cost
    if none_in_force(ctx, "attack_cost"):
        return cost
    for modifier in modifiers_for(ctx, seat, creature, "attack_cost"):
        amount = modifier.get("amount", 0)
        energy = EnergyType(modifier.get("energy", COLORLESS))
        trimmed = list(cost)
        if amount > 0:
            trimmed.extend([energy] * amount)
        for _ in range(-amount):
            if energy in trimmed:
                trimmed.remove(energy)
        cost = tuple(trimmed)
    return cost


def units_of(index: CardIndex, creature: CardInstance) -> list[Unit]:
    """The energy units attached to `creature` (one per energy provided)."""
    units: list[Unit] = []
    table = index.units
    for energy in creature.attached_energy:
        units.extend(table[energy.definition_id])
    return units


def retreat_choice(index: CardIndex, creature: CardInstance, cost: int) -> tuple[str, ...] | None:
    """A minimal set of attached energy paying `cost`, or None when they cannot.

    Basic energy first (newest first), then energy providing more; then any card
    the rest can do without is put back, so no named card is superfluous (what
    `app.engine.checks.check_retreat` requires).
    """
    if cost <= 0:
        return ()
    units = index.units
    held = creature.attached_energy
    if all(len(units[energy.definition_id]) == 1 for energy in held):
        # Every card pays one: the newest `cost` cards, none superfluous.
        if len(held) < cost:
            return None
        return tuple(held[i].instance_id for i in range(len(held) - 1, len(held) - 1 - cost, -1))
    order = sorted(range(len(held)), key=lambda i: (len(units[held[i].definition_id]), -i))
    chosen: list[tuple[str, int]] = []
    paid = 0
    for position in order:
        if paid >= cost:
            break
        size = len(units[held[position].definition_id])
        chosen.append((held[position].instance_id, size))
        paid += size
    if paid < cost:
        return None
    for entry in sorted(chosen, key=lambda e: e[1]):
        if paid - entry[1] >= cost:
            chosen.remove(entry)
            paid -= entry[1]
    return tuple(instance_id for instance_id, _ in chosen)


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
    """Why the status of `creature` forbids attacking (or retreating), or None."""
    for status in _NO_ATTACK:
        if status in creature.status_conditions:
            return f"the Front creature is {status.value}"
    return None


def can_retreat(ctx: Ctx, seat: PlayerIndex, creature: CardInstance) -> str | None:
    """Why `creature` cannot retreat now (status or an effect), or None."""
    reason = can_attack_with(creature)
    if reason is not None:
        return reason
    if has_modifier(ctx, seat, creature, "cannot_retreat"):
        return "an effect prevents the Front creature from retreating"
    return None


def attack_blocked(ctx: Ctx, seat: PlayerIndex, creature: CardInstance) -> str | None:
    """Why an effect forbids `creature` to attack, or None."""
    if has_modifier(ctx, seat, creature, "cannot_attack"):
        return "an effect prevents the Front creature from attacking this turn"
    return None


def is_apex(index: CardIndex, creature: CardInstance) -> bool:
    """Whether knocking `creature` out scores the Apex reward."""
    return index.creature(creature.definition_id).is_apex


def definition(index: CardIndex, creature: CardInstance) -> CreatureCard:
    """Shorthand for the creature's definition."""
    return index.creature(creature.definition_id)


def attachments_allowed(state: GameState) -> int:
    """Energy attachments the turn player may make this turn.

    One more per [first_turn.second_player_extra_energy] on the second player's first turn.
    """
    rules = state.rules
    extra = rules.first_turn.second_player_extra_energy if state.turn_number == 2 else 0
    return rules.energy.attachments_per_turn + extra
