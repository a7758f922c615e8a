"""Damage steps: the attack's own damage (bonus, set), damage to other creatures, counters.

``damage_bonus`` and ``set_damage`` change ``run.damage``, which the core combat
pipeline deals to the opponent's Active creature (weakness, resistance and modifiers
are combat's business). ``damage`` from an attack is attack damage without weakness
or resistance: the target's ``prevent_damage`` and ``damage_taken`` modifiers apply and
it fires ``on_damaged_by_attack``; from a trainer or trigger nothing modifies it.
``self_damage`` (recoil) and ``place_counters`` are never modified.
"""

from __future__ import annotations

from app.core.effects import Damage, DamageBonus, PlaceCounters, SelfDamage, SetDamage
from app.core.game_state import CardInstance, ChoiceSource, PlayerIndex
from app.engine import ops, query
from app.engine.context import Ctx
from app.engine.effects.runtime import Exec
from app.engine.effects.select import amount_of, resolve, source_creature


def damage_bonus(ctx: Ctx, ex: Exec, step: DamageBonus) -> bool:
    """The attack does more damage."""
    ex.run.damage += amount_of(ctx, ex, step.amount)
    return True


def set_damage(ctx: Ctx, ex: Exec, step: SetDamage) -> bool:
    """The attack's base damage becomes the amount (``20x``)."""
    ex.run.damage = amount_of(ctx, ex, step.amount)
    return True


def damage(ctx: Ctx, ex: Exec, step: Damage) -> bool:
    """Damage each target: attack damage (no weakness) from an attack, plain otherwise."""
    targets = resolve(ctx, ex, step.target)
    if targets is None:
        return False
    amount = amount_of(ctx, ex, step.amount)
    from_attack = ex.run.source_kind is ChoiceSource.ATTACK
    for seat, creature in targets:
        if from_attack:
            attack_damage_to(ctx, ex, seat, creature, amount)
        else:
            ops.deal_damage(ctx, seat, creature, amount)
    return True


def attack_damage_to(
    ctx: Ctx, ex: Exec, seat: PlayerIndex, creature: CardInstance, amount: int
) -> int:
    """Attack damage to a creature other than through the main hit: modifiers, no weakness.

    Damage to the attacker's own side (none in the catalog) is not modified.
    """
    if seat != ex.seat:
        if query.has_modifier(ctx, seat, creature, "prevent_damage"):
            ctx.emit("damage_prevented", seat, card=creature.instance_id)
            return 0
        amount += query.sum_amounts(ctx, seat, creature, "damage_taken")
    dealt = ops.deal_damage(ctx, seat, creature, amount)
    if dealt and seat != ex.seat and ex.run.source is not None:
        from app.engine.effects.triggers import fire_damaged

        fire_damaged(ctx, seat, creature, ex.run.source)
    return dealt


def place_counters(ctx: Ctx, ex: Exec, step: PlaceCounters) -> bool:
    """Put damage counters on each target."""
    targets = resolve(ctx, ex, step.target)
    if targets is None:
        return False
    for seat, creature in targets:
        ops.place_counters(ctx, seat, creature, step.count)
    return True


def self_damage(ctx: Ctx, ex: Exec, step: SelfDamage) -> bool:
    """The source creature damages itself (recoil), unmodified."""
    source = source_creature(ctx, ex)
    if source is not None:
        ops.deal_damage(ctx, source[0], source[1], step.amount)
    return True
