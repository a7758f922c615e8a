"""Attacks: confusion, effects, the damage pipeline, and what follows an attack.

Damage pipeline for the main damage of an attack on the opponent's active:
base (printed, changed by the attack's own effect steps) -> damage-dealt
modifiers of the attacker (``vs_apex`` ones only against an Apex) -> weakness
[combat.weakness_mode/weakness_value, the card's printed value when it has one;
none under a ``no_weakness`` modifier] -> resistance [combat.resistance_enabled]
-> damage-taken modifiers of the defender -> prevention; never below 0. A
defender at full HP with ``survive_at_full_hp`` keeps that many HP. Damage to
benched creatures (effect steps) skips the attacker's modifiers, weakness and
resistance.

Confusion [status.confusion_self_damage]: a confused attacker flips a coin;
tails, the attack does nothing and the attacker takes the self-damage.

After an attack the turn ends: knockouts are scored, empty active spots filled,
then `app.engine.turn.end_turn`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.core.cards import Attack
from app.core.game_state import CardInstance, ChoiceSource, PlayerIndex, StatusCondition, TurnPhase
from app.core.rules import WeaknessMode
from app.engine import hooks, knockout, ops, query, turn
from app.engine.context import Ctx
from app.engine.errors import EngineError
from app.engine.hooks import EffectRun


def attack_steps(attack: Attack) -> Sequence[Any]:
    """The effect steps of an attack (empty for plain damage)."""
    return attack.effects


def modified_damage(
    ctx: Ctx,
    seat: PlayerIndex,
    attacker: CardInstance,
    defender: CardInstance,
    base: int,
    *,
    to_active: bool = True,
) -> int:
    """The damage `attacker` (of `seat`) deals to `defender` for `base` (see the pipeline)."""
    state, index = ctx.state, ctx.index
    other = ops.opponent(seat)
    damage = base
    if base <= 0:
        return 0
    effects = bool(index.modifiers or state.lasting_effects)
    target = index.creature(defender.definition_id)
    if effects and to_active:
        for modifier in query.modifiers_for(ctx, seat, attacker, "damage_dealt"):
            if not modifier.get("vs_apex") or target.is_apex:
                damage += modifier.get("amount", 0)
    if to_active:
        source = index.creature(attacker.definition_id)
        combat = state.rules.combat
        weakness = target.weakness
        if (
            weakness is not None
            and weakness.type is source.element
            and not (effects and query.has_modifier(ctx, other, defender, "no_weakness"))
        ):
            if combat.weakness_mode is WeaknessMode.MULTIPLY:
                damage *= weakness.value or combat.weakness_value
            else:
                damage += weakness.value or combat.weakness_value
        resistance = target.resistance
        if (
            combat.resistance_enabled
            and resistance is not None
            and resistance.type is source.element
        ):
            damage -= resistance.value
    if effects:
        damage += query.sum_amounts(ctx, other, defender, "damage_taken")
        if query.has_modifier(ctx, other, defender, "prevent_damage"):
            return 0
    return max(0, damage)


def survive_cap(ctx: Ctx, seat: PlayerIndex, defender: CardInstance, amount: int) -> int:
    """`amount`, lowered so a full-HP defender with ``survive_at_full_hp`` keeps its HP left."""
    if defender.damage or not (ctx.index.modifiers or ctx.state.lasting_effects):
        return amount
    hp = query.max_hp(ctx, seat, defender)
    if amount < hp:
        return amount
    for modifier in query.modifiers_for(ctx, seat, defender, "survive_at_full_hp"):
        return min(amount, hp - int(modifier.get("remaining_hp", 10)))
    return amount


def deal_attack_damage(ctx: Ctx, run: EffectRun) -> int:
    """Deal the attack's main damage (``run.damage``) to the opponent's active, once."""
    if run.main_damage_done:
        raise EngineError("the main damage of this attack was already dealt")
    run.main_damage_done = True
    state = ctx.state
    seat = run.player
    attacker = state.players[seat].active
    defender = state.players[ops.opponent(seat)].active
    if attacker is None or defender is None or run.damage <= 0:
        return 0
    amount = modified_damage(ctx, seat, attacker, defender, run.damage)
    amount = survive_cap(ctx, ops.opponent(seat), defender, amount)
    dealt = ops.deal_damage(ctx, ops.opponent(seat), defender, amount)
    executor = hooks.executor()
    if dealt and executor is not None:
        executor.fire(
            ctx,
            "on_damaged_by_attack",
            ops.opponent(seat),
            defender.instance_id,
            attacker=attacker.instance_id,
        )
    return dealt


def use_attack(ctx: Ctx, seat: PlayerIndex, index: int) -> None:
    """Attack with the active creature's attack `index` (already validated)."""
    state = ctx.state
    attacker = state.players[seat].active
    if attacker is None:
        raise EngineError("attack without an active creature")
    attack = ctx.index.creature(attacker.definition_id).attacks[index]
    state.phase = TurnPhase.ATTACK
    ctx.attacker = attacker.instance_id
    ctx.emit("attacked", seat, card=attacker.instance_id, index=index, attack=attack.name)
    if StatusCondition.CONFUSED in attacker.status_conditions and not ops.flip_coin(
        ctx, seat, "confusion"
    ):
        ops.deal_damage(ctx, seat, attacker, state.rules.status.confusion_self_damage)
        ctx.emit("attack_failed", seat, card=attacker.instance_id, why="confused")
        after_attack(ctx)
        return
    run = EffectRun(ChoiceSource.ATTACK, seat, attacker.instance_id, index, damage=attack.damage)
    steps = attack_steps(attack)
    executor = hooks.executor()
    if steps and executor is not None and not executor.run(ctx, run, steps):
        return
    finish_attack(ctx, run)


def finish_attack(ctx: Ctx, run: EffectRun) -> None:
    """Deal the main damage if the effects did not, then end the turn."""
    ctx.attacker = run.source
    if not run.main_damage_done:
        deal_attack_damage(ctx, run)
    after_attack(ctx)


def after_attack(ctx: Ctx) -> None:
    """Score knockouts, fill active spots, end the turn."""
    if knockout.resolve(ctx):
        return
    ctx.attacker = None
    if knockout.request_promotions(ctx, then="end_turn"):
        turn.end_turn(ctx)
