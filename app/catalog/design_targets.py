"""``data/design/targets.json`` as a typed model, and the `Finding` every design check returns.

The targets are the designers' contract, as numbers and tables: HP bands, damage
per energy, caps, the type chart, the shape of an attack's cost, which rarity each
kind of card prints at and the order a set is printed in. Unknown keys are
refused, so a typo in the file is an error, not a target silently ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.catalog.attack_value import EffectValues, Typical
from app.core.cards import EnergyType, Rarity, Stage

DEFAULT_TARGETS = Path(__file__).resolve().parents[2] / "data" / "design" / "targets.json"
"""Where the bundled catalog's targets live."""

RARITY_KINDS = (
    "basic",
    "basic_with_ability",
    "stage_1",
    "stage_2",
    "apex",
    "item",
    "tool",
    "supporter",
    "stadium",
    "basic_energy",
    "special_energy",
)
"""The kinds a card prints under (`printing.rarity_kind`)."""

BLOCKS = ("creature", "item", "tool", "supporter", "stadium", "special_energy", "basic_energy")
"""The blocks a set is printed in (`PrintOrder.blocks` orders all of them)."""

EFFECT_TAGS = ("self_damage", "discard_own_energy", "source_cannot_attack", "damage_each_bench")
"""Attack effects `DesignTargets.effect_min_cost` may name (`attacks.effect_tag`)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TypeChart(_Strict):
    """Weakness and resistance per element, which stages resist, and the printed values.

    ``weakness_value`` None means the weakness prints no number (the rules'
    multiplier applies); ``resistance_value`` is the damage a resistance takes off.
    """

    weakness: dict[str, str]
    resistance: dict[str, str]
    resistance_stages: tuple[Stage, ...]
    weakness_value: int | None
    resistance_value: int


class WeaknessShare(_Strict):
    """Each element's share of creatures weak to it, and elements nothing is weak to."""

    min: float
    max: float
    none_for: tuple[str, ...]


class PrintOrder(_Strict):
    """How a set is numbered: blocks of first prints, then the reprints.

    ``blocks``: the card kinds in printing order (``creature``, the trainer
    subtypes, ``special_energy``, ``basic_energy``); creatures are grouped by
    element in the order of ``elements``. Reprints (a second card of a name
    already printed in the set) come after every first print, rarest last, and
    in the order of their originals within one rarity.
    """

    blocks: tuple[str, ...]
    elements: tuple[str, ...]

    @model_validator(mode="after")
    def _complete(self) -> Self:
        if sorted(self.blocks) != sorted(BLOCKS):
            raise ValueError(f"blocks must order exactly: {', '.join(BLOCKS)}")
        if sorted(self.elements) != sorted(e.value for e in EnergyType):
            raise ValueError(f"elements must order exactly: {', '.join(e for e in EnergyType)}")
        return self


class RarityException(_Strict):
    """A first print at another rarity than its kind's, and why (a bare rarity is refused)."""

    rarity: Rarity
    reason: str = Field(min_length=1)


class DesignTargets(_Strict):
    """``data/design/targets.json``: the designers' contract, as numbers.

    Kinds (keys of `hp` and `plain_damage`): ``basic`` (something evolves from
    it), ``basic_single`` (nothing does), ``stage_1``, ``stage_2``,
    ``basic_apex``, ``stage_2_apex``. Rarity kinds (keys of `rarity`, values of
    `reprint_rarity`): ``basic``, ``basic_with_ability``, ``stage_1``,
    ``stage_2``, ``apex``, the trainer subtypes, ``basic_energy`` and
    ``special_energy``. `effect_min_cost` maps an effect (`EFFECT_TAGS`: effects
    that buy damage with a drawback, or spread it) to the least energy an attack
    carrying it costs. `cost_own_energy` maps an attack's energy cost to the
    least and most symbols of the creature's own element in it (the rest is
    Colorless). `rarity_exceptions` maps a card id to the rarity it prints at
    instead of its kind's, with the reason. `why` (``_why`` in the file) maps a
    setting, as a dotted path (``hp.basic_apex``), to the reason for a value a
    reviewer would question; a path that names no setting is refused.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    version: int
    doc: str = Field("", alias="_doc")
    why: dict[str, str] = Field(default_factory=dict, alias="_why")
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
    cost_own_energy: dict[int, tuple[int, int]]
    effect_min_cost: dict[str, int]
    rarity: dict[str, Rarity]
    reprint_rarity: dict[Rarity, tuple[str, ...]]
    print_order: PrintOrder
    rarity_exceptions: dict[str, RarityException] = Field(default_factory=dict)

    @field_validator("rarity")
    @classmethod
    def _every_kind(cls, value: dict[str, Rarity]) -> dict[str, Rarity]:
        if sorted(value) != sorted(RARITY_KINDS):
            raise ValueError(f"rarity needs exactly the kinds: {', '.join(RARITY_KINDS)}")
        return value

    @field_validator("reprint_rarity")
    @classmethod
    def _known_kinds(cls, value: dict[Rarity, tuple[str, ...]]) -> dict[Rarity, tuple[str, ...]]:
        unknown = sorted({k for kinds in value.values() for k in kinds} - set(RARITY_KINDS))
        if unknown:
            raise ValueError(f"unknown kinds {unknown}; known: {', '.join(RARITY_KINDS)}")
        return value

    @field_validator("effect_min_cost")
    @classmethod
    def _known_effects(cls, value: dict[str, int]) -> dict[str, int]:
        unknown = sorted(set(value) - set(EFFECT_TAGS))
        if unknown:
            raise ValueError(f"unknown effects {unknown}; known: {', '.join(EFFECT_TAGS)}")
        return value

    @model_validator(mode="after")
    def _why_names_settings(self) -> Self:
        unknown = sorted(path for path in self.why if not _resolves(self, path.split(".")))
        if unknown:
            raise ValueError(f"_why names no setting: {', '.join(unknown)}")
        return self

    @classmethod
    def load(cls, path: Path = DEFAULT_TARGETS) -> DesignTargets:
        """Read and validate a targets file (pydantic's ValidationError if it is wrong)."""
        return cls.model_validate_json(path.read_text(encoding="utf-8"))


def _resolves(value: object, parts: list[str]) -> bool:
    """Whether the dotted path `parts` leads from `value` to a setting."""
    if not parts:
        return True
    head, rest = parts[0], parts[1:]
    if isinstance(value, BaseModel):
        fields = type(value).model_fields
        return head in fields and _resolves(getattr(value, head), rest)
    if isinstance(value, dict):
        keys = {str(key): item for key, item in value.items()}
        return head in keys and _resolves(keys[head], rest)
    return False


@dataclass(frozen=True, slots=True, order=True)
class Finding:
    """One card (or ``*`` for the catalog, ``<set>-*`` for a set) out of its targets."""

    card_id: str
    check: str
    message: str

    def __str__(self) -> str:
        return f"{self.card_id} {self.check}: {self.message}"
