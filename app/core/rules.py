"""The rules a game is played under, as one immutable, JSON-round-trippable value.

A `RulesConfig` is stored with every active game (``ActiveGame.rules_config``), so a
game keeps the rules it started with even if the defaults change later. Build one
from a named preset (`RulesConfig.preset`), from `RulesConfig()` (the ``mantimon``
house rules) or from stored JSON (`RulesConfig.model_validate`); every path runs
the same validation, which refuses combinations no game could be played under.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Self

from pydantic import Field, model_validator

from app.core.rule_sections import (
    MANTIMON_FIRST_TURN,
    CombatRules,
    DeckRules,
    EnergyRules,
    EnergySource,
    EvolutionRules,
    FirstTurnRules,
    HandRules,
    MulliganMode,
    Rules,
    StatusRules,
    TrainerRules,
    TurnLimitOutcome,
    TurnRules,
    WeaknessMode,
    WinCondition,
    WinRules,
)
from app.errors import MantimonError


class UnknownRulesPresetError(MantimonError, KeyError):
    """A preset name that is not in `RULES_PRESETS`; the message lists the known ones."""

    def __init__(self, name: str) -> None:
        self.name = name
        known = ", ".join(sorted(RULES_PRESETS))
        super().__init__(f"unknown rules preset {name!r}; known presets: {known}")

    def __str__(self) -> str:
        return str(self.args[0])


class RulesPreset(StrEnum):
    """Names of the rule sets shipped with the game."""

    MANTIMON = "mantimon"
    POCKET = "pocket"
    CLASSIC = "classic"


class RulesConfig(Rules):
    """Every setting a game needs, grouped by concern; immutable once built.

    The defaults are the ``mantimon`` house rules: a 40-card deck with a separate
    20-card energy deck (one energy card drawn into the hand each turn), 4 points
    to win (2 for an Apex), a first round without attacks (the first player may attach
    energy on turn 1; the second player draws an extra energy card and may attach two
    on turn 2), weakness +10 and no resistance, an opening hand that always holds a
    basic, and a 30-turn limit after which more points wins (equal points: a draw).
    ``pocket`` differs in data only: 20 cards, an energy zone, 3 points, bench 3,
    hand limit 10, no deck-out loss, a draw at turn 30, no energy on turn 1,
    weakness +20, no resistance. ``classic``: 60 cards with energy inside, 6 prizes
    (2 for an Apex), redraw mulligans (the opponent draws 1 each), x2 weakness and
    resistance, 30 confusion self-damage, no turn limit, no attack or supporter on
    the first turn.

    Raises:
        pydantic.ValidationError: on construction or `model_validate`, listing every
            invalid combination (for example an energy deck size with energy in the
            main deck, or prize cards when the game is won by points).
    """

    board_bench_size: int = Field(default=5, ge=0, le=8, description="Benched creatures allowed.")
    deck: DeckRules = Field(default_factory=DeckRules)
    energy: EnergyRules = Field(default_factory=EnergyRules)
    hand: HandRules = Field(default_factory=HandRules)
    win: WinRules = Field(default_factory=WinRules)
    first_turn: FirstTurnRules = Field(default_factory=lambda: MANTIMON_FIRST_TURN)
    turn: TurnRules = Field(default_factory=TurnRules)
    combat: CombatRules = Field(default_factory=CombatRules)
    evolution: EvolutionRules = Field(default_factory=EvolutionRules)
    trainers: TrainerRules = Field(default_factory=TrainerRules)
    status: StatusRules = Field(default_factory=StatusRules)

    @model_validator(mode="after")
    def _refuse_invalid_combinations(self) -> Self:
        problems = list(_combination_problems(self))
        if problems:
            raise ValueError("invalid rules: " + "; ".join(problems))
        return self

    @property
    def energy_in_main_deck(self) -> bool:
        """Whether energy cards may be put in the main deck."""
        return self.energy.source is EnergySource.MAIN_DECK

    @classmethod
    def preset(cls, name: str | RulesPreset) -> RulesConfig:
        """Return the named preset (``mantimon``, ``pocket`` or ``classic``).

        Raises:
            UnknownRulesPresetError: `name` is not a preset; the message lists the presets.
        """
        try:
            return RULES_PRESETS[RulesPreset(name)]
        except ValueError:
            raise UnknownRulesPresetError(str(name)) from None


def _combination_problems(rules: RulesConfig) -> list[str]:
    problems: list[str] = []
    energy, win, deck, hand = rules.energy, rules.win, rules.deck, rules.hand

    if energy.source is EnergySource.ENERGY_DECK and energy.energy_deck_size is None:
        problems.append("energy.energy_deck_size is required when energy.source is energy_deck")
    if energy.source is not EnergySource.ENERGY_DECK and energy.energy_deck_size is not None:
        problems.append(
            f"energy.energy_deck_size must be null when energy.source is {energy.source}"
        )
    if energy.source is EnergySource.ENERGY_ZONE and energy.zone_max_types is None:
        problems.append("energy.zone_max_types is required when energy.source is energy_zone")
    if energy.source is not EnergySource.ENERGY_ZONE and energy.zone_max_types is not None:
        problems.append(f"energy.zone_max_types must be null when energy.source is {energy.source}")

    if win.condition is WinCondition.POINTS:
        if win.points_to_win is None:
            problems.append("win.points_to_win is required when win.condition is points")
        if win.prize_count is not None:
            problems.append("win.prize_count must be null when win.condition is points")
        if win.points_per_apex_knockout < win.points_per_knockout:
            problems.append("win.points_per_apex_knockout must be at least win.points_per_knockout")
    else:
        if win.prize_count is None:
            problems.append("win.prize_count is required when win.condition is prizes")
        elif win.prize_count + hand.opening_size > deck.size:
            problems.append(
                f"win.prize_count ({win.prize_count}) plus hand.opening_size "
                f"({hand.opening_size}) exceeds deck.size ({deck.size})"
            )
        if win.points_to_win is not None:
            problems.append("win.points_to_win must be null when win.condition is prizes")

    if win.prizes_per_apex_knockout < win.prizes_per_knockout:
        problems.append("win.prizes_per_apex_knockout must be at least win.prizes_per_knockout")
    if hand.mulligan_mode is MulliganMode.GUARANTEE_BASIC and hand.mulligan_extra_draw:
        problems.append(
            "hand.mulligan_extra_draw must be 0 when hand.mulligan_mode is guarantee_basic"
        )
    if hand.opening_size > deck.size:
        problems.append(f"hand.opening_size ({hand.opening_size}) exceeds deck.size ({deck.size})")
    if hand.max_size is not None and hand.max_size < hand.opening_size:
        problems.append(
            f"hand.max_size ({hand.max_size}) is smaller than hand.opening_size "
            f"({hand.opening_size})"
        )
    if deck.min_basic_creatures > deck.size:
        problems.append(
            f"deck.min_basic_creatures ({deck.min_basic_creatures}) exceeds deck.size ({deck.size})"
        )
    if rules.combat.weakness_mode is WeaknessMode.MULTIPLY and rules.combat.weakness_value < 2:
        problems.append("combat.weakness_value must be at least 2 when weakness_mode is multiply")
    return problems


def _build_presets() -> dict[RulesPreset, RulesConfig]:
    raw: dict[RulesPreset, dict[str, Any]] = {
        RulesPreset.MANTIMON: {},
        RulesPreset.POCKET: {
            "board_bench_size": 3,
            "deck": {"size": 20, "max_copies_per_name": 2},
            "energy": {"source": "energy_zone", "zone_max_types": 3},
            "hand": {"opening_size": 5, "max_size": 10},
            "win": {
                "points_to_win": 3,
                "turn_limit": 30,
                "deck_out_loses": False,
                "turn_limit_outcome": "draw",
            },
            "first_turn": {"can_attach_energy": False, "can_attack": True},
            "combat": {"weakness_mode": "add", "weakness_value": 20, "resistance_enabled": False},
        },
        RulesPreset.CLASSIC: {
            "board_bench_size": 5,
            "deck": {"size": 60, "max_copies_per_name": 4, "basic_energy_exempt": True},
            "energy": {"source": "main_deck"},
            "hand": {
                "opening_size": 7,
                "max_size": None,
                "mulligan_mode": "redraw",
                "mulligan_extra_draw": 1,
            },
            "win": {
                "condition": "prizes",
                "prize_count": 6,
                "turn_limit": None,
            },
            "status": {"confusion_self_damage": 30},
            "first_turn": {
                "can_draw": True,
                "can_attach_energy": True,
                "can_attack": False,
                "can_play_supporter": False,
            },
            "combat": {
                "weakness_mode": "multiply",
                "weakness_value": 2,
                "resistance_enabled": True,
            },
        },
    }
    return {name: RulesConfig.model_validate(data) for name, data in raw.items()}


RULES_PRESETS: dict[RulesPreset, RulesConfig] = _build_presets()
"""The shipped presets by name; `RulesConfig()` equals ``RULES_PRESETS["mantimon"]``."""

DEFAULT_RULES_PRESET = RulesPreset.MANTIMON

__all__ = [
    "DEFAULT_RULES_PRESET",
    "RULES_PRESETS",
    "CombatRules",
    "DeckRules",
    "EnergyRules",
    "EnergySource",
    "EvolutionRules",
    "FirstTurnRules",
    "HandRules",
    "MulliganMode",
    "RulesConfig",
    "RulesPreset",
    "StatusRules",
    "TrainerRules",
    "TurnLimitOutcome",
    "TurnRules",
    "UnknownRulesPresetError",
    "WeaknessMode",
    "WinCondition",
    "WinRules",
]
