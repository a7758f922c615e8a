"""The design targets of the catalog, checked card by card.

The card JSON under ``data/cards`` is the reviewed source of truth (there is no
generator); this module is its guard. It checks every rule the old generator
guaranteed by construction and the balance targets of
``data/design/targets.json`` (`DesignTargets`), and returns `Finding` s that
name the card, the check and the numbers, e.g.
``mv1-047 value_band: Dynamoth "Skybreaker" cost 3: value 120 above band 70..100``.
`mantimon cards validate` prints them; the tests assert there are none.

A card may carry a `DesignNote` waiving named checks with a reason; the checker
then skips exactly those and reports a note that waives nothing (stale) or names
an unknown check. Pure: the caller loads the catalog and the targets.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from app.core.cards import CardDefinition, CreatureCard, CreatureVariant, Stage
from app.services.attack_value import EffectValues, Typical, value_of

DEFAULT_TARGETS = Path(__file__).resolve().parents[2] / "data" / "design" / "targets.json"
"""Where the bundled catalog's targets live."""

CARD_CHECKS = (
    "hp_band",
    "turn1",
    "value_band",
    "burst",
    "dearer",
    "caps",
    "weakness_chart",
    "resistance_chart",
    "retreat_cost",
    "apex_name",
    "presentation",
)
"""Checks made card by card: the ones a `DesignNote` may waive."""

CATALOG_CHECKS = ("weakness_share", "element_hp_spread", "numbering", "design_note")
"""Checks over the whole catalog (no card can be exempt)."""


class TypeChart(BaseModel):
    """Weakness per element, resistance per element and which stages resist."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    weakness: dict[str, str]
    resistance: dict[str, str]
    resistance_stages: tuple[Stage, ...]


class WeaknessShare(BaseModel):
    """Each element's share of creatures weak to it, and elements nothing is weak to."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min: float
    max: float
    none_for: tuple[str, ...]


class DesignTargets(BaseModel):
    """``data/design/targets.json``: the designers' contract, as numbers.

    Kinds (keys of `hp` and `plain_damage`): ``basic`` (something evolves from
    it), ``basic_single`` (nothing does), ``stage_1``, ``stage_2``,
    ``basic_apex``, ``stage_2_apex``. Unknown keys are refused, so a typo in
    the file is an error, not a target silently ignored.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    version: int
    doc: str = Field("", alias="_doc")
    typical: Typical
    hp: dict[str, tuple[int, int]]
    element_hp_spread: int
    one_cost_max_damage: int
    dearer_attack_gain_per_energy: int
    caps: dict[str, int]
    effect_values: EffectValues
    weakness_share: WeaknessShare
    type_chart: TypeChart
    plain_damage: dict[str, dict[int, int]]
    band_below_plain: int
    band_above_plain: int
    burst_above_plain: int
    retreat_hp_step: int
    retreat_max: int
    rarity_exceptions: dict[str, str] = Field(default_factory=dict)

    @classmethod
    def load(cls, path: Path = DEFAULT_TARGETS) -> DesignTargets:
        """Read and validate a targets file (pydantic's ValidationError if it is wrong)."""
        return cls.model_validate_json(path.read_text(encoding="utf-8"))


@dataclass(frozen=True, slots=True, order=True)
class Finding:
    """One card (or ``*`` for the catalog) out of its targets."""

    card_id: str
    check: str
    message: str

    def __str__(self) -> str:
        return f"{self.card_id} {self.check}: {self.message}"


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
    findings: list[Finding] = []
    for card in creatures:
        raw = list(_creature_findings(card, design_kind(card, evolving), targets))
        waived = set(card.design_note.checks) if card.design_note else set()
        findings += [f for f in raw if f.check not in waived]
        findings += _note_findings(card, waived, {f.check for f in raw})
    findings += _weakness_share(creatures, targets)
    findings += _element_hp_spread(creatures, targets)
    findings += _numbering(cards)
    return sorted(findings)


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
    weak = card.weakness.type.value if card.weakness else None
    if weak != t.type_chart.weakness.get(card.element.value):
        expected = t.type_chart.weakness.get(card.element.value)
        yield found("weakness_chart", f"weakness {weak} but the chart says {expected}")
    resists = card.resistance.type.value if card.resistance else None
    chart = t.type_chart.resistance.get(card.element.value)
    expected_res = chart if card.stage in t.type_chart.resistance_stages else None
    if resists != expected_res:
        yield found("resistance_chart", f"resistance {resists} but the chart says {expected_res}")
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
    image = f"cards/{card.set_id}/{card.number:03d}.webp"
    if card.image_path != image:
        yield found("presentation", f"image_path {card.image_path!r}, expected {image!r}")
    yield from _attack_findings(card, kind, t, found)


def _attack_findings(
    card: CreatureCard, kind: str, t: DesignTargets, found: Callable[[str, str], Finding]
) -> Iterator[Finding]:
    cheaper: tuple[str, int, float] | None = None
    for attack in sorted(card.attacks, key=lambda a: len(a.cost)):
        cost = len(attack.cost)
        label = f'"{attack.name}" cost {cost}'
        for step in attack.effects:
            amount = getattr(step, "amount", None)
            per = getattr(getattr(amount, "per", None), "value", None)
            cap = getattr(amount, "cap", None)
            limit = t.caps.get(per) if per is not None else None
            if limit is not None and cap is not None and cap > limit:
                yield found("caps", f"{label}: scales per {per} up to {cap} > {limit}")
        numbers = value_of(attack, t.typical, t.effect_values)
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


def _numbering(cards: Sequence[CardDefinition]) -> Iterator[Finding]:
    numbers: dict[str, list[int]] = defaultdict(list)
    for card in cards:
        numbers[card.set_id].append(card.number)
    for set_id, found in sorted(numbers.items()):
        if sorted(found) != list(range(1, len(found) + 1)):
            yield Finding(
                f"{set_id}-*", "numbering", f"numbers of set {set_id} are not 1..{len(found)}"
            )
