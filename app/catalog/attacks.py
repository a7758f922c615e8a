"""The design checks on a creature's attacks: cost shape, value, caps and rules text.

Checks (each a `Finding` check name a `DesignNote` may waive):

- ``cost_shape``: attacks are listed cheapest first; a cost holds only the
  creature's element and Colorless, element symbols first, with as many element
  symbols as ``cost_own_energy`` allows for that cost (a Colorless creature's
  costs are all Colorless);
- ``effect_cost``: an effect of ``effect_min_cost`` (recoil, discarding the
  attacker's energy, resting, damage to the whole bench) only on an attack
  costing at least that much: they pay for damage a 1-energy attack must not have;
- ``value_band``, ``burst``, ``turn1``: the attack's value, burst and best-case
  damage against ``plain_damage`` of its kind and cost (`attack_value`); an effect
  the value model has no price for is a ``value_band`` finding naming its field;
- ``dearer``: a dearer attack is worth ``dearer_attack_gain_per_energy`` more per
  extra energy than the cheaper one;
- ``caps``: a scaling amount stops at its ``caps`` entry;
- ``rules_text``: the printed text and ``+`` / ``x`` are what the effects do
  (`attack_text`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from app.catalog.attack_text import expected_modifier, expected_text
from app.catalog.attack_value import UnpricedEffectError, value_of
from app.catalog.design_targets import DesignTargets, Finding
from app.core.cards import Attack, CreatureCard, EnergyType
from app.core.effects import (
    AddLasting,
    CannotAttack,
    Damage,
    DiscardEnergy,
    Select,
    SelfDamage,
    Step,
    Zone,
    walk_steps,
)

Found = Callable[[str, str], Finding]


def attack_findings(
    card: CreatureCard, kind: str, t: DesignTargets, found: Found
) -> Iterator[Finding]:
    """Every finding on `card`'s attacks (`kind`: its `design_kind`)."""
    costs = [len(a.cost) for a in card.attacks]
    if costs != sorted(costs):
        yield found("cost_shape", f"attacks costing {costs}: list them cheapest first")
    cheaper: tuple[str, int, float] | None = None
    for attack in sorted(card.attacks, key=lambda a: len(a.cost)):
        cost = len(attack.cost)
        label = f'"{attack.name}" cost {cost}'
        yield from _cost_shape(card.element, attack, label, t, found)
        for step in walk_steps(attack.effects):
            tag = effect_tag(step)
            least = t.effect_min_cost.get(tag, 0) if tag else 0
            if cost < least:
                yield found("effect_cost", f"{label}: {tag} needs an attack costing {least}+")
        yield from _rules_text(attack, label, found)
        yield from _caps(attack, label, t, found)
        try:
            numbers = value_of(attack, t.typical, t.effect_values)
        except UnpricedEffectError as unpriced:
            where = f"attacks[{card.attacks.index(attack)}].{unpriced.field}"
            yield found(
                "value_band",
                f"{label}: {where}: {unpriced.what} has no price (add one to"
                " app/catalog/attack_value.py and effect_values in targets.json)",
            )
            continue
        plain = t.plain_damage[kind].get(cost)
        if plain is None:
            yield found("value_band", f"{label}: no target for a {kind} attack of this cost")
            continue
        low, high = max(10, plain - t.band_below_plain), plain + t.band_above_plain
        if not low <= numbers.value <= high:
            side = "below" if numbers.value < low else "above"
            yield found("value_band", f"{label}: value {numbers.value:g} {side} band {low}..{high}")
        if numbers.burst > plain + t.burst_above_plain:
            limit = plain + t.burst_above_plain
            yield found("burst", f"{label}: burst damage {numbers.burst:g} above {limit}")
        if cost == 1 and numbers.maximum > t.one_cost_max_damage:
            limit = t.one_cost_max_damage
            yield found("turn1", f"{label}: best case {numbers.maximum:g} damage above {limit}")
        if cheaper is not None and cheaper[1] < cost:
            need = cheaper[2] + t.dearer_attack_gain_per_energy * (cost - cheaper[1])
            if numbers.value < need:
                yield found(
                    "dearer",
                    f"{label}: value {numbers.value:g} below {need:g}"
                    f" ({cheaper[0]!r} {cheaper[2]:g} + {t.dearer_attack_gain_per_energy}"
                    f" per extra energy)",
                )
        cheaper = (attack.name, cost, numbers.value)


def effect_tag(step: Step) -> str | None:
    """The `EFFECT_TAGS` entry `step` is, if any."""
    if isinstance(step, SelfDamage):
        return "self_damage"
    if isinstance(step, DiscardEnergy) and step.target.select is Select.SOURCE:
        return "discard_own_energy"
    if isinstance(step, AddLasting) and isinstance(step.modifier, CannotAttack):
        return "source_cannot_attack"
    target = getattr(step, "target", None)
    if isinstance(step, Damage) and target is not None and target.select is Select.ALL:
        return "damage_each_bench" if target.zone is Zone.BENCH else None
    return None


def _cost_shape(
    element: EnergyType, attack: Attack, label: str, t: DesignTargets, found: Found
) -> Iterator[Finding]:
    cost = attack.cost
    colorless = EnergyType.COLORLESS
    strays = sorted({e.value for e in cost} - {element.value, colorless.value})
    if strays:
        where = f"in the cost of a {element} creature"
        yield found("cost_shape", f"{label}: {', '.join(strays)} {where}")
        return
    if list(cost) != sorted(cost, key=lambda e: e is colorless):
        yield found("cost_shape", f"{label}: {element} symbols must come before Colorless ones")
    if element is colorless or not cost:
        return
    own = sum(1 for e in cost if e is element)
    least, most = t.cost_own_energy.get(len(cost), (len(cost), len(cost)))
    if not least <= own <= most:
        yield found(
            "cost_shape",
            f"{label}: {own} {element} symbol(s), expected {least}..{most} (cost_own_energy)",
        )


def _rules_text(attack: Attack, label: str, found: Found) -> Iterator[Finding]:
    modifier = expected_modifier(attack)
    if attack.damage_modifier is not modifier:
        yield found(
            "rules_text",
            f"{label}: damage_modifier {attack.damage_modifier} but its effects make it {modifier}",
        )
    if not attack.effects:
        return
    text = expected_text(attack)
    if text is None:
        yield found(
            "rules_text",
            f"{label}: no sentence template for these effects; add one to"
            " app/catalog/attack_text.py",
        )
    elif attack.effect_text != text:
        yield found("rules_text", f"{label}: text {attack.effect_text!r}, effects say {text!r}")


def _caps(attack: Attack, label: str, t: DesignTargets, found: Found) -> Iterator[Finding]:
    for step in walk_steps(attack.effects):  # a capped bonus may sit in a coin branch
        amount = getattr(step, "amount", None)
        per = getattr(getattr(amount, "per", None), "value", None)
        cap = getattr(amount, "cap", None)
        limit = t.caps.get(per) if per is not None else None
        if limit is not None and cap is not None and cap > limit:
            yield found("caps", f"{label}: scales per {per} up to {cap} > {limit}")
