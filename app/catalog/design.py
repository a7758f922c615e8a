"""The design targets of the catalog, checked card by card and over the whole catalog.

The card JSON under ``data/cards`` is the reviewed source of truth (there is no
generator); this module and its helpers are its guard. They check every rule the
old generator guaranteed by construction and the balance targets of
``data/design/targets.json`` (`DesignTargets`), and return `Finding` s that name
the card, the check and the numbers, e.g.
``mv1-047 value_band: Dynamoth "Skybreaker" cost 3: value 120 above band 70..100``.
`mantimon cards validate` prints them; the tests assert there are none.

Here: a creature's numbers and type chart, its Apex twin and evolution line, and
the catalog-wide spreads and ability names. Attacks: `attacks`; printing (order, reprints,
rarity, images, basic energy): `printing`.

A creature may carry a `DesignNote` waiving named `CARD_CHECKS` with a reason; the
checker then skips exactly those and reports a note that waives nothing (stale)
or names an unknown check. Pure: the caller loads the catalog and the targets.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence

from app.catalog.attacks import attack_findings
from app.catalog.card_text import card_text_findings
from app.catalog.design_targets import DEFAULT_TARGETS, DesignTargets, Finding
from app.catalog.printing import PRINTING_CHECKS, printing_findings
from app.core.cards import CardDefinition, CreatureCard, CreatureVariant, Stage

__all__ = [
    "CARD_CHECKS",
    "CATALOG_CHECKS",
    "DEFAULT_TARGETS",
    "DesignTargets",
    "Finding",
    "check_catalog",
    "design_kind",
]

Found = Callable[[str, str], Finding]

CARD_CHECKS = (
    "hp_band",
    "turn1",
    "value_band",
    "burst",
    "dearer",
    "caps",
    "cost_shape",
    "effect_cost",
    "rules_text",
    "weakness_chart",
    "resistance_chart",
    "retreat_cost",
    "apex_name",
    "apex_twin",
    "evolution_line",
    "flavor_text",
    "stat_line",
    "dominated",
)
"""Checks made creature by creature: the ones a `DesignNote` may waive."""

CATALOG_CHECKS = (
    "weakness_share",
    "element_hp_spread",
    "ability_name",
    "card_text",
    "design_note",
    *PRINTING_CHECKS,
)
"""Checks over the whole catalog or a set (no card can be exempt)."""


def design_kind(card: CreatureCard, evolving: set[str]) -> str:
    """The target kind of a creature (`evolving`: names something evolves from)."""
    apex = card.variant is not CreatureVariant.NORMAL
    if card.stage is Stage.BASIC:
        if apex:
            return "basic_apex"
        return "basic" if card.name in evolving else "basic_single"
    return f"{card.stage.value}_apex" if apex else card.stage.value


def check_catalog(cards: Sequence[CardDefinition], targets: DesignTargets) -> list[Finding]:
    """Every finding over `cards` (an empty list: the catalog is in its targets)."""
    creatures = [c for c in cards if isinstance(c, CreatureCard)]
    evolving = {c.evolves_from for c in creatures if c.evolves_from}
    in_set: dict[tuple[str, str], CreatureCard] = {}
    for c in sorted(creatures, key=lambda c: (c.set_id, c.number)):
        in_set.setdefault((c.set_id, c.name), c)
    findings: list[Finding] = []
    distinct = _distinct_findings(list(in_set.values()))
    for card in creatures:
        raw = [
            *_creature_findings(card, design_kind(card, evolving), targets),
            *_line_findings(card, in_set),
            *distinct.get(card.id, ()),
        ]
        waived = set(card.design_note.checks) if card.design_note else set()
        findings += [f for f in raw if f.check not in waived]
        findings += _note_findings(card, waived, {f.check for f in raw})
    findings += _weakness_share(creatures, targets)
    findings += _element_hp_spread(creatures, targets)
    findings += _ability_names(creatures)
    findings += card_text_findings(cards)
    findings += printing_findings(cards, targets)
    return sorted(findings)


def _role(card: CreatureCard) -> tuple[object, ...]:
    """A creature's role: everything that plays but its HP and its attacks' damage."""
    return (
        card.stage,
        card.element,
        card.variant,
        tuple((a.cost, a.damage_modifier, a.effects) for a in card.attacks),
        card.abilities,
        card.weakness,
        card.resistance,
    )


def _numbers(card: CreatureCard) -> tuple[int, ...]:
    return (card.hp, *(a.damage for a in card.attacks))


def _distinct_findings(firsts: Sequence[CreatureCard]) -> dict[str, list[Finding]]:
    """``stat_line`` and ``dominated``, by the card they are reported on.

    Over the first print of every name in every set (a reprint is the same card by
    design), within a role (`_role`: stage, element, variant, attack costs and
    effects, abilities, weakness and resistance). ``stat_line``: the same HP and
    damage too, so one design under two names; reported on the later one.
    ``dominated``: no more HP and no more damage from any attack, and less of one,
    so never the better pick; reported on the weaker one. Retreat cost is left out:
    it follows HP by rule (``retreat_cost``), so a lower-HP twin's cheaper retreat
    does not make it a design of its own.
    """
    by_role: dict[tuple[object, ...], list[CreatureCard]] = defaultdict(list)
    for card in sorted(firsts, key=lambda c: (c.set_id, c.number)):
        by_role[_role(card)].append(card)
    found: dict[str, list[Finding]] = defaultdict(list)
    for group in by_role.values():
        for position, card in enumerate(group):
            mine = _numbers(card)
            for other_position, other in enumerate(group):
                theirs = _numbers(other)
                if theirs == mine and other_position < position:
                    message = f"{card.name}: same stat line as {other.name} ({other.id})"
                    found[card.id].append(Finding(card.id, "stat_line", message))
                elif theirs != mine and all(a <= b for a, b in zip(mine, theirs, strict=True)):
                    message = (
                        f"{card.name}: strictly dominated by {other.name} ({other.id}):"
                        f" same role, HP and damage {mine} against {theirs}"
                    )
                    found[card.id].append(Finding(card.id, "dominated", message))
    return found


def _note_findings(card: CreatureCard, waived: set[str], failing: set[str]) -> Iterator[Finding]:
    for check in sorted(waived):
        if check not in CARD_CHECKS:
            yield Finding(card.id, "design_note", f"waives unknown check {check!r}")
        elif check not in failing:
            yield Finding(card.id, "design_note", f"waives {check!r}, which the card passes")


def _creature_findings(card: CreatureCard, kind: str, t: DesignTargets) -> Iterator[Finding]:
    def found(check: str, message: str) -> Finding:
        return Finding(card.id, check, f"{card.name}: {message}")

    low, high = t.hp[kind]
    if not low <= card.hp <= high:
        yield found("hp_band", f"{kind} HP {card.hp} outside band {low}..{high}")
    yield from _chart_findings(card, t, found)
    retreat = min(t.retreat_max, (card.hp - 10) // t.retreat_hp_step)
    if card.retreat_cost != retreat:
        yield found(
            "retreat_cost",
            f"retreat cost {card.retreat_cost} but {card.hp} HP gives {retreat}"
            f" (min({t.retreat_max}, (HP - 10) // {t.retreat_hp_step}))",
        )
    apex = card.variant is not CreatureVariant.NORMAL
    if apex != card.name.endswith(" Apex"):
        yield found("apex_name", f"variant {card.variant} but name {card.name!r}")
    if not apex and not card.flavor_text:
        yield found("flavor_text", "a creature's first design needs its flavor_text (lore)")
    yield from attack_findings(card, kind, t, found)


def _chart_findings(card: CreatureCard, t: DesignTargets, found: Found) -> Iterator[Finding]:
    chart = t.type_chart
    weak = (card.weakness.type.value, card.weakness.value) if card.weakness else None
    expected_weak = chart.weakness.get(card.element.value)
    if weak != (None if expected_weak is None else (expected_weak, chart.weakness_value)):
        yield found(
            "weakness_chart",
            f"weakness {weak} but the chart says {(expected_weak, chart.weakness_value)}",
        )
    resists = (card.resistance.type.value, card.resistance.value) if card.resistance else None
    expected_res = chart.resistance.get(card.element.value)
    if card.stage not in chart.resistance_stages:
        expected_res = None
    wanted = None if expected_res is None else (expected_res, chart.resistance_value)
    if resists != wanted:
        yield found("resistance_chart", f"resistance {resists} but the chart says {wanted}")


def _line_findings(
    card: CreatureCard, in_set: dict[tuple[str, str], CreatureCard]
) -> Iterator[Finding]:
    """An Apex has a normal twin in its set; a line stays in one set and one element.

    (The loader already refuses an evolution from a missing name or the wrong stage.)
    """
    if card.is_apex:
        base = card.name.removesuffix(" Apex")
        twin = in_set.get((card.set_id, base))
        same = ("stage", "element", "evolves_from")
        if twin is None or twin.is_apex:
            yield Finding(card.id, "apex_twin", f"{card.name}: no {base!r} in set {card.set_id}")
        elif any(getattr(twin, f) != getattr(card, f) for f in same):
            yield Finding(
                card.id,
                "apex_twin",
                f"{card.name}: differs from its twin {twin.id} in stage, element or evolves_from",
            )
    if card.evolves_from is not None:
        parent = in_set.get((card.set_id, card.evolves_from))
        if parent is None:
            yield Finding(
                card.id,
                "evolution_line",
                f"{card.name}: evolves from {card.evolves_from!r},"
                f" not printed in set {card.set_id}",
            )
        elif parent.element is not card.element:
            yield Finding(
                card.id,
                "evolution_line",
                f"{card.name}: a {card.element} creature evolving from a {parent.element} one"
                f" ({parent.id})",
            )


def _ability_names(creatures: Sequence[CreatureCard]) -> Iterator[Finding]:
    """One ability name, one rule: every card printing it has the same ability."""
    first: dict[str, tuple[str, object]] = {}
    for card in creatures:
        for ability in card.abilities:
            seen = first.setdefault(ability.name, (card.id, ability))
            if seen[1] != ability:
                yield Finding(
                    card.id,
                    "ability_name",
                    f"{card.name}: ability {ability.name!r} differs from the one on {seen[0]}",
                )


def _weakness_share(creatures: Sequence[CreatureCard], t: DesignTargets) -> Iterator[Finding]:
    counts = Counter(c.weakness.type.value for c in creatures if c.weakness)
    total = len(creatures) or 1
    share = t.weakness_share
    for element in t.type_chart.weakness:
        if element in share.none_for:
            if counts[element]:
                yield Finding(
                    "*", "weakness_share", f"{counts[element]} creatures weak to {element}"
                )
            continue
        rate = counts[element] / total
        if not share.min <= rate <= share.max:
            yield Finding(
                "*",
                "weakness_share",
                f"{element} is the weakness of {counts[element]} of {total} creatures"
                f" ({rate:.0%}), outside {share.min:.0%}..{share.max:.0%}",
            )


def _element_hp_spread(creatures: Sequence[CreatureCard], t: DesignTargets) -> Iterator[Finding]:
    for stage in Stage:
        normal = [c for c in creatures if c.stage is stage and c.variant is CreatureVariant.NORMAL]
        if not normal:
            continue
        mean = statistics.fmean(c.hp for c in normal)
        per_element: dict[str, list[int]] = defaultdict(list)
        for c in normal:
            per_element[c.element.value].append(c.hp)
        for element, hps in sorted(per_element.items()):
            if abs(statistics.fmean(hps) - mean) > t.element_hp_spread:
                yield Finding(
                    "*",
                    "element_hp_spread",
                    f"{stage.value} {element} mean HP {statistics.fmean(hps):.0f} is more than"
                    f" {t.element_hp_spread} from the mean of all elements ({mean:.0f})",
                )
