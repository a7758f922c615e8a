"""validate_deck under each rule, and the shipped starter decks."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from app.catalog.card_service import CardService
from app.catalog.deck_validation import (
    DeckValidationResult,
    StarterDeckError,
    load_starter_decks,
    validate_deck,
)
from app.core.cards import EnergyType, Rarity
from app.core.decks import StarterDeck
from app.core.rules import RulesConfig, RulesPreset

REPO = Path(__file__).resolve().parents[2]
DECKS_DIR = REPO / "data" / "decks"

MANTIMON = RulesConfig.preset(RulesPreset.MANTIMON)
POCKET = RulesConfig.preset(RulesPreset.POCKET)
CLASSIC = RulesConfig.preset(RulesPreset.CLASSIC)

# Cards of the bundled catalog used below.
MOSSNIP, MOSSNIP_ART, MOSSNIP_MV2 = "mv1-001", "mv1-164", "mv2-009"
FERNCLAW = "mv1-002"
SEEDLOP = "mv1-004"
PETALWISP = "mv1-007"
MULCHMOLE = "mv1-009"
THISTLEPUP = "mv1-011"
TRAIL_RATION = "mv1-130"
BURROW_CALL = "mv1-124"
SIGNAL_FLARE = "mv1-125"
ARCHIVIST = "mv1-138"
OFFSHOOT = "mv1-153"
GRASS_ENERGY, FIRE_ENERGY, WATER_ENERGY, METAL_ENERGY = "mv1-156", "mv1-157", "mv1-158", "mv1-163"


@functools.cache
def bundled() -> CardService:
    return CardService.load(REPO / "data" / "cards")


@pytest.fixture
def cards() -> CardService:
    return bundled()


def legal_main(size: int = 40) -> dict[str, int]:
    """A legal main deck of `size` cards: 4 copies each of basics and trainers."""
    pool = [
        MOSSNIP, SEEDLOP, PETALWISP, MULCHMOLE, THISTLEPUP, FERNCLAW,
        TRAIL_RATION, BURROW_CALL, ARCHIVIST, "mv1-120", "mv1-128", "mv1-131",
        "mv1-139", "mv1-143", "mv1-119",
    ]  # fmt: skip
    deck: dict[str, int] = {}
    remaining = size
    for card_id in pool:
        take = min(4, remaining)
        if take:
            deck[card_id] = take
        remaining -= take
    assert remaining == 0
    return deck


def check(
    cards: CardService,
    main: dict[str, Any],
    energy: dict[str, Any] | None = None,
    rules: RulesConfig = MANTIMON,
) -> list[str]:
    energy = {GRASS_ENERGY: 20} if energy is None else energy
    return validate_deck(main, energy, rules, cards).validation_errors


# ---------------------------------------------------------------- starter decks


def test_five_starter_decks_ship() -> None:
    decks = load_starter_decks(DECKS_DIR)
    assert sorted(decks) == ["fire", "grass", "lightning", "psychic", "water"]
    for starter_type, deck in decks.items():
        assert deck.element is EnergyType(starter_type)


@pytest.mark.parametrize("starter_type", ["grass", "fire", "water", "psychic", "lightning"])
def test_starter_deck_is_legal_under_the_default_rules(
    cards: CardService, starter_type: str
) -> None:
    deck = load_starter_decks(DECKS_DIR)[starter_type]
    result = validate_deck(deck.cards, deck.energy_cards, RulesConfig(), cards)
    assert result == DeckValidationResult(is_valid=True, validation_errors=[])
    assert (deck.card_total, deck.energy_total) == (40, 20)
    picked = cards.get_cards(deck.cards).values()
    elements = {getattr(card, "element", None) for card in picked} - {None}
    # One element, plus (catalog v2) a colorless support line that any energy pays for.
    assert EnergyType(starter_type) in elements
    assert elements <= {EnergyType(starter_type), EnergyType.COLORLESS}
    # Starters are built from the first set's regular printings (no reprint rarities).
    assert {card.set_id for card in picked} == {"mv1"}
    assert max(card.rarity.rank for card in picked) <= Rarity.DOUBLE_RARE.rank


def test_load_starter_decks_reports_the_file(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{\n oops")
    with pytest.raises(StarterDeckError, match=r"bad\.json: malformed JSON at line 2, column 2"):
        load_starter_decks(tmp_path)


def test_load_starter_decks_refuses_invalid_content(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text(json.dumps({"starter_type": "x"}))
    with pytest.raises(StarterDeckError, match=r"bad\.json: invalid starter deck"):
        load_starter_decks(tmp_path)


def test_load_starter_decks_refuses_duplicate_types(tmp_path: Path) -> None:
    deck = json.loads((DECKS_DIR / "fire.json").read_text())
    (tmp_path / "a.json").write_text(json.dumps(deck))
    (tmp_path / "b.json").write_text(json.dumps(deck))
    with pytest.raises(StarterDeckError, match="starter type 'fire' is defined twice"):
        load_starter_decks(tmp_path)


# ---------------------------------------------------------------------- rules


def test_a_legal_deck_has_no_errors(cards: CardService) -> None:
    result = validate_deck(legal_main(), {GRASS_ENERGY: 20}, MANTIMON, cards)
    assert result.is_valid
    assert result.validation_errors == []


def test_result_is_consistent_and_serializable() -> None:
    with pytest.raises(ValidationError):
        DeckValidationResult(is_valid=True, validation_errors=["x"])
    bad = DeckValidationResult.from_errors(["x"])
    assert bad.model_dump() == {"is_valid": False, "validation_errors": ["x"]}


def test_unknown_card_with_suggestion(cards: CardService) -> None:
    main = legal_main(36) | {"mv1-0011": 4}
    errors = check(cards, main)
    assert len(errors) == 1
    assert errors[0].startswith("unknown card id 'mv1-0011' in the main deck (did you mean ")


def test_unknown_card_in_energy_deck(cards: CardService) -> None:
    errors = check(cards, legal_main(), {GRASS_ENERGY: 19, "zz-999": 1})
    assert errors == ["unknown card id 'zz-999' in the energy deck"]


@pytest.mark.parametrize("count", [0, -2, "3", 1.5, True])
def test_bad_copy_counts(cards: CardService, count: Any) -> None:
    main = legal_main() | {SEEDLOP: count}
    errors = check(cards, main)
    assert f"'{SEEDLOP}' in the main deck has {count!r} copies" in errors[0]


def test_too_many_copies_of_a_card(cards: CardService) -> None:
    main = legal_main(36) | {MOSSNIP: 8}
    errors = check(cards, main)
    assert errors == [f"8 copies of 'Mossnip' ({MOSSNIP} x8); the rules allow at most 4 per name"]


def test_alternate_arts_and_reprints_share_the_name_limit(cards: CardService) -> None:
    main = legal_main(38)
    main[MOSSNIP] = 2
    main |= {MOSSNIP_ART: 2, MOSSNIP_MV2: 2}
    assert sum(main.values()) == 40
    errors = check(cards, main)
    assert errors == [
        f"6 copies of 'Mossnip' ({MOSSNIP} x2, {MOSSNIP_ART} x2, {MOSSNIP_MV2} x2); "
        "the rules allow at most 4 per name"
    ]


def test_wrong_deck_size(cards: CardService) -> None:
    assert check(cards, legal_main(38)) == [
        "the main deck has 38 cards; the rules require exactly 40"
    ]
    assert "the main deck has 1 card; the rules require exactly 40" in check(cards, {MOSSNIP: 1})


def test_wrong_energy_deck_size(cards: CardService) -> None:
    assert check(cards, legal_main(), {GRASS_ENERGY: 12, FIRE_ENERGY: 6}) == [
        "the energy deck has 18 cards; the rules require exactly 20"
    ]


def test_non_energy_card_in_energy_deck(cards: CardService) -> None:
    errors = check(cards, legal_main(), {GRASS_ENERGY: 19, SIGNAL_FLARE: 1})
    assert errors == [
        f"'{SIGNAL_FLARE}' (Molting Lamp) is a trainer card; only energy cards go in the "
        "energy deck"
    ]


def test_energy_in_main_deck_is_refused_with_an_energy_deck(cards: CardService) -> None:
    main = legal_main(36) | {GRASS_ENERGY: 4}
    assert check(cards, main) == [
        f"'{GRASS_ENERGY}' (Grass Energy) is an energy card; with energy source energy_deck "
        "energy does not go in the main deck"
    ]


def test_no_basic_creature(cards: CardService) -> None:
    main = {
        FERNCLAW: 4, TRAIL_RATION: 4, BURROW_CALL: 4, ARCHIVIST: 4, "mv1-120": 4,
        "mv1-128": 4, "mv1-131": 4, "mv1-139": 4, "mv1-143": 4, "mv1-119": 4,
    }  # fmt: skip
    assert check(cards, main) == [
        "the main deck has no basic creature; it needs at least 1 to start a game"
    ]


def test_minimum_basic_creatures_is_configurable(cards: CardService) -> None:
    rules = RulesConfig.model_validate({"deck": {"min_basic_creatures": 30}})
    errors = check(cards, legal_main(), rules=rules)
    assert errors == [
        "the main deck has 20 basic creature(s); it needs at least 30 to start a game"
    ]


def test_special_energy_counts_towards_the_copy_limit(cards: CardService) -> None:
    errors = check(cards, legal_main(), {GRASS_ENERGY: 15, OFFSHOOT: 5})
    assert errors == [
        f"5 copies of 'Offshoot Energy' ({OFFSHOOT} x5); the rules allow at most 4 per name"
    ]


def test_basic_energy_is_exempt_only_when_the_rules_say_so(cards: CardService) -> None:
    strict = RulesConfig.model_validate({"deck": {"basic_energy_exempt": False}})
    assert check(cards, legal_main()) == []
    errors = check(cards, legal_main(), rules=strict)
    assert errors == [
        f"20 copies of 'Grass Energy' ({GRASS_ENERGY} x20); the rules allow at most 4 per name"
    ]


def test_every_problem_is_reported_together(cards: CardService) -> None:
    main = {MOSSNIP: 6, "nope-001": 1, GRASS_ENERGY: 2}
    errors = check(cards, main, {TRAIL_RATION: 1})
    assert errors == [
        "unknown card id 'nope-001' in the main deck",
        "the main deck has 9 cards; the rules require exactly 40",
        f"'{GRASS_ENERGY}' (Grass Energy) is an energy card; with energy source energy_deck "
        "energy does not go in the main deck",
        f"'{TRAIL_RATION}' (Trail Ration) is a trainer card; only energy cards go in the energy "
        "deck",
        "the energy deck has 1 card; the rules require exactly 20",
        f"6 copies of 'Mossnip' ({MOSSNIP} x6); the rules allow at most 4 per name",
    ]


# ------------------------------------------------------------ other energy rules


def test_classic_rules_put_energy_in_the_main_deck(cards: CardService) -> None:
    main = legal_main(40) | {GRASS_ENERGY: 20}
    assert check(cards, main, {}, rules=CLASSIC) == []
    assert check(cards, main, {GRASS_ENERGY: 20}, rules=CLASSIC) == [
        "these rules put energy cards in the main deck; the energy deck must be empty "
        "(it lists 1 card id(s))"
    ]


def test_pocket_rules_use_an_energy_zone(cards: CardService) -> None:
    pool = [MOSSNIP, SEEDLOP, PETALWISP, MULCHMOLE, THISTLEPUP]
    pool += [TRAIL_RATION, BURROW_CALL, ARCHIVIST, "mv1-120", "mv1-128"]
    main = dict.fromkeys(pool, 2)
    assert check(cards, main, {GRASS_ENERGY: 1}, rules=POCKET) == []
    assert check(cards, main, {}, rules=POCKET) == [
        "the energy zone declares no energy type; list at least 1 basic energy"
    ]
    four = {GRASS_ENERGY: 1, FIRE_ENERGY: 1, WATER_ENERGY: 1, METAL_ENERGY: 1}
    assert check(cards, main, four, rules=POCKET) == [
        "the energy zone declares 4 energy types; the rules allow at most 3"
    ]
    assert check(cards, main, {OFFSHOOT: 1}, rules=POCKET) == [
        f"'{OFFSHOOT}' (Offshoot Energy) is not a basic energy card; an energy zone is "
        "declared with basic energy cards only"
    ]
    assert check(cards, main | {MOSSNIP: 3, SEEDLOP: 1}, {GRASS_ENERGY: 1}, rules=POCKET) == [
        f"3 copies of 'Mossnip' ({MOSSNIP} x3); the rules allow at most 2 per name"
    ]


def test_starter_deck_model_feeds_validation(cards: CardService) -> None:
    deck = StarterDeck.model_validate_json((DECKS_DIR / "water.json").read_text())
    assert validate_deck(deck.cards, deck.energy_cards, MANTIMON, cards).is_valid
