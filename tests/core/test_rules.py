"""RulesConfig: presets, JSON round trip, and refusal of invalid combinations."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from app.core.rules import (
    DEFAULT_RULES_PRESET,
    RULES_PRESETS,
    EnergySource,
    RulesConfig,
    RulesPreset,
    UnknownRulesPresetError,
    WeaknessMode,
    WinCondition,
)
from app.errors import MantimonError


@pytest.mark.parametrize("name", list(RulesPreset))
def test_every_preset_is_valid_and_round_trips_through_json(name: RulesPreset) -> None:
    rules = RulesConfig.preset(name)
    assert RulesConfig.model_validate(rules.model_dump(mode="json")) == rules
    assert RulesConfig.model_validate_json(rules.model_dump_json()) == rules


def test_default_rules_are_the_mantimon_preset() -> None:
    rules = RulesConfig()
    assert rules == RULES_PRESETS[DEFAULT_RULES_PRESET] == RulesConfig.preset("mantimon")
    assert rules.deck.size == 40
    assert rules.energy.source is EnergySource.ENERGY_DECK
    assert rules.energy.energy_deck_size == 20
    assert rules.win.condition is WinCondition.POINTS
    assert rules.win.points_to_win == 4
    assert rules.win.points_per_apex_knockout > rules.win.points_per_knockout
    first_round = rules.first_turn
    assert (first_round.can_attach_energy, first_round.can_attack) == (True, False)
    assert (first_round.second_player_can_attack, first_round.second_player_extra_energy) == (
        False,
        1,
    )
    assert (rules.combat.weakness_value, rules.combat.resistance_enabled) == (10, False)
    assert rules.win.turn_limit == 30
    assert not rules.energy_in_main_deck


def test_pocket_preset() -> None:
    rules = RulesConfig.preset(RulesPreset.POCKET)
    assert (rules.deck.size, rules.deck.max_copies_per_name) == (20, 2)
    assert rules.energy.source is EnergySource.ENERGY_ZONE
    assert rules.energy.energy_deck_size is None
    assert rules.energy.zone_max_types == 3
    assert rules.win.points_to_win == 3
    assert rules.board_bench_size == 3
    assert (rules.first_turn.can_attach_energy, rules.first_turn.can_attack) == (False, True)
    assert rules.first_turn.second_player_can_attack is True
    assert rules.first_turn.second_player_extra_energy == 0
    assert rules.combat.weakness_value == 20


def test_a_stored_config_without_the_second_player_fields_keeps_its_first_round() -> None:
    """An older game's rules lack the turn-2 fields: they read as the behaviour it started with."""
    stored = RulesConfig().model_dump(mode="json")
    stored["first_turn"] = {"can_attach_energy": False, "can_attack": True}
    rules = RulesConfig.model_validate(stored)
    assert rules.first_turn.second_player_can_attack is True
    assert rules.first_turn.second_player_extra_energy == 0


def test_classic_preset() -> None:
    rules = RulesConfig.preset("classic")
    assert (rules.deck.size, rules.deck.max_copies_per_name) == (60, 4)
    assert rules.energy_in_main_deck
    assert rules.win.condition is WinCondition.PRIZES
    assert rules.win.prize_count == 6
    assert rules.win.points_to_win is None
    assert rules.board_bench_size == 5
    assert rules.combat.weakness_mode is WeaknessMode.MULTIPLY


def test_unknown_preset_names_the_known_ones() -> None:
    with pytest.raises(UnknownRulesPresetError) as caught:
        RulesConfig.preset("speedrun")
    message = str(caught.value)
    assert "'speedrun'" in message
    assert "classic, mantimon, pocket" in message
    assert isinstance(caught.value, MantimonError)


def test_rules_are_immutable() -> None:
    rules = RulesConfig()
    with pytest.raises(ValidationError):
        rules.deck.size = 10  # type: ignore[misc]


def test_switching_energy_source_only_needs_the_source() -> None:
    rules = RulesConfig.model_validate({"energy": {"source": "main_deck"}})
    assert rules.energy.energy_deck_size is None
    zone = RulesConfig.model_validate({"energy": {"source": "energy_zone"}})
    assert zone.energy.zone_max_types == 3
    prizes = RulesConfig.model_validate({"win": {"condition": "prizes"}})
    assert (prizes.win.prize_count, prizes.win.points_to_win) == (6, None)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {"energy": {"source": "main_deck", "energy_deck_size": 20}},
            "energy.energy_deck_size must be null when energy.source is main_deck",
        ),
        (
            {"energy": {"source": "energy_deck", "energy_deck_size": None}},
            "energy.energy_deck_size is required when energy.source is energy_deck",
        ),
        (
            {"energy": {"source": "energy_zone", "zone_max_types": None}},
            "energy.zone_max_types is required when energy.source is energy_zone",
        ),
        (
            {"energy": {"source": "energy_deck", "zone_max_types": 2}},
            "energy.zone_max_types must be null when energy.source is energy_deck",
        ),
        (
            {"win": {"condition": "points", "points_to_win": None}},
            "win.points_to_win is required when win.condition is points",
        ),
        (
            {"win": {"condition": "points", "prize_count": 6}},
            "win.prize_count must be null when win.condition is points",
        ),
        (
            {"win": {"points_per_knockout": 2, "points_per_apex_knockout": 1}},
            "win.points_per_apex_knockout must be at least win.points_per_knockout",
        ),
        (
            {"win": {"condition": "prizes", "prize_count": None}},
            "win.prize_count is required when win.condition is prizes",
        ),
        (
            {"win": {"condition": "prizes", "points_to_win": 4}},
            "win.points_to_win must be null when win.condition is prizes",
        ),
        (
            {"deck": {"size": 10}, "win": {"condition": "prizes", "prize_count": 6}},
            "win.prize_count (6) plus hand.opening_size (7) exceeds deck.size (10)",
        ),
        (
            {"deck": {"size": 5}},
            "hand.opening_size (7) exceeds deck.size (5)",
        ),
        (
            {"hand": {"opening_size": 7, "max_size": 5}},
            "hand.max_size (5) is smaller than hand.opening_size (7)",
        ),
        (
            {"deck": {"size": 8, "min_basic_creatures": 9}, "hand": {"opening_size": 5}},
            "deck.min_basic_creatures (9) exceeds deck.size (8)",
        ),
        (
            {"combat": {"weakness_mode": "multiply", "weakness_value": 1}},
            "combat.weakness_value must be at least 2 when weakness_mode is multiply",
        ),
    ],
)
def test_invalid_combinations_are_refused(data: dict[str, Any], expected: str) -> None:
    with pytest.raises(ValidationError) as caught:
        RulesConfig.model_validate(data)
    assert expected in str(caught.value)


def test_every_invalid_combination_is_reported_at_once() -> None:
    with pytest.raises(ValidationError) as caught:
        RulesConfig.model_validate(
            {
                "energy": {"source": "main_deck", "energy_deck_size": 20},
                "win": {"condition": "prizes", "points_to_win": 3},
            }
        )
    message = str(caught.value)
    assert "energy.energy_deck_size must be null" in message
    assert "win.points_to_win must be null" in message


@pytest.mark.parametrize(
    "data",
    [
        {"deck": {"size": 0}},
        {"deck": {"max_copies_per_name": 0}},
        {"board_bench_size": 9},
        {"energy": {"source": "solar"}},
        {"unknown_rule": True},
        {"deck": {"sizes": 40}},
    ],
)
def test_out_of_range_and_unknown_settings_are_refused(data: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        RulesConfig.model_validate(data)


def test_configs_stored_before_the_apex_rename_still_load() -> None:
    stored = RulesConfig().model_dump(mode="json")
    win = stored["win"]
    win["points_per_ex_knockout"] = win.pop("points_per_apex_knockout") + 1
    win["prizes_per_ex_knockout"] = win.pop("prizes_per_apex_knockout") + 1
    loaded = RulesConfig.model_validate(stored)
    assert (loaded.win.points_per_apex_knockout, loaded.win.prizes_per_apex_knockout) == (3, 3)
    assert "points_per_ex_knockout" not in loaded.model_dump(mode="json")["win"]
