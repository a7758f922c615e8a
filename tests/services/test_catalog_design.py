"""The catalog meets its design targets and contains nothing published; each check can fail.

The card JSON is the source of truth (no generator): these tests are its guard. One
test per check over the bundled catalog, so a failure names the check, and each
message names the card, the numbers and the band. Hand-built cards prove every
check refuses what it should.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest

from app.core.cards import CARD_DEFINITION_ADAPTER, CardDefinition
from app.services.card_service import CardService
from app.services.catalog_design import (
    CARD_CHECKS,
    CATALOG_CHECKS,
    DesignTargets,
    Finding,
    check_catalog,
)
from app.services.catalog_originality import ForbiddenList, check_originality

CARDS_DIR = Path(__file__).resolve().parents[2] / "data" / "cards"


@functools.cache
def bundled() -> tuple[CardDefinition, ...]:
    return CardService.load(CARDS_DIR).all_cards()


@functools.cache
def findings() -> tuple[Finding, ...]:
    return tuple(check_catalog(bundled(), DesignTargets.load()))


@pytest.mark.parametrize("check", CARD_CHECKS + CATALOG_CHECKS)
def test_the_catalog_meets_each_design_target(check: str) -> None:
    found = [str(f) for f in findings() if f.check == check]
    assert found == [], "\n".join(found)


def test_nothing_published_is_in_the_catalog() -> None:
    found = [str(f) for f in check_originality(bundled(), ForbiddenList.load())]
    assert found == [], "\n".join(found)


def test_card_json_is_kept_in_one_reviewable_format() -> None:
    for path in sorted(CARDS_DIR.glob("*.json")):
        text = path.read_text(encoding="utf-8")
        assert json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n" == text, path


# ----------------------------------------------------------- each check can fail


def mossnip(**changes: Any) -> dict[str, Any]:
    """mv1-001 (basic grass 60 HP, something evolves from it) as raw JSON, changed."""
    card = next(c for c in bundled() if c.id == "mv1-001")
    data: dict[str, Any] = CARD_DEFINITION_ADAPTER.dump_python(card, mode="json")
    data.update(changes)
    return data


def checks_failing(*raw: dict[str, Any]) -> dict[str, list[str]]:
    cards = [CARD_DEFINITION_ADAPTER.validate_python(r) for r in raw]
    stage_1 = next(c for c in bundled() if c.id == "mv1-002")  # keeps Mossnip a "basic"
    result: dict[str, list[str]] = {}
    for f in check_catalog([*cards, stage_1], DesignTargets.load()):
        if f.card_id == "mv1-001":
            result.setdefault(f.check, []).append(f.message)
    return result


def test_a_fine_card_passes() -> None:
    assert checks_failing(mossnip()) == {}


def test_hp_band_and_retreat_name_the_numbers() -> None:
    failing = checks_failing(mossnip(hp=40, retreat_cost=0))
    assert failing["hp_band"] == ["Mossnip: basic HP 40 outside band 60..90"]
    assert "retreat_cost" not in failing
    assert checks_failing(mossnip(retreat_cost=3))["retreat_cost"] == [
        "Mossnip: retreat cost 3 but 60 HP gives 1 (min(4, (HP - 10) // 50))"
    ]


def attack(cost: int, damage: int, effects: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "name": f"Hit {cost} {damage}",
        "cost": ["grass"] * cost,
        "damage": damage,
        **({"effects": effects, "effect_text": "Something."} if effects else {}),
    }


def test_value_band_burst_turn1_dearer_and_caps() -> None:
    strong = checks_failing(mossnip(attacks=[attack(1, 20), attack(2, 70)]))
    assert strong["value_band"] == ['Mossnip: "Hit 2 70" cost 2: value 70 above band 20..50']
    assert strong["burst"] == ['Mossnip: "Hit 2 70" cost 2: burst damage 70 above 60']
    per_energy = {
        "kind": "damage_bonus",
        "amount": {"per": "energy_beyond_cost", "per_value": 20, "cap": 3},
    }
    scaling = checks_failing(mossnip(attacks=[attack(1, 10, [per_energy])]))
    assert scaling["caps"] == [
        'Mossnip: "Hit 1 10" cost 1: scales per energy_beyond_cost up to 3 > 2'
    ]
    assert scaling["turn1"] == ['Mossnip: "Hit 1 10" cost 1: best case 70 damage above 30']
    flat = checks_failing(mossnip(attacks=[attack(1, 20), attack(2, 30)]))
    assert flat["dearer"] == [
        "Mossnip: \"Hit 2 30\" cost 2: value 30 below 40 ('Hit 1 20' 20 + 20 per extra energy)"
    ]
    assert checks_failing(mossnip(attacks=[attack(4, 60)]))["value_band"] == [
        'Mossnip: "Hit 4 60" cost 4: no target for a basic attack of this cost'
    ]


def test_type_chart_apex_name_and_presentation() -> None:
    failing = checks_failing(
        mossnip(
            weakness={"type": "water"},
            resistance={"type": "water", "value": 30},
            variant="apex",
            image_path="cards/mv1/999.webp",
        )
    )
    assert failing["weakness_chart"] == ["Mossnip: weakness water but the chart says fire"]
    assert failing["resistance_chart"] == ["Mossnip: resistance water but the chart says None"]
    assert failing["apex_name"] == ["Mossnip: variant apex but name 'Mossnip'"]
    assert failing["presentation"] == [
        "Mossnip: image_path 'cards/mv1/999.webp', expected 'cards/mv1/001.webp'"
    ]


def test_a_design_note_waives_exactly_its_checks_and_goes_stale() -> None:
    note = {"checks": ["hp_band"], "reason": "A fragile scout, on purpose."}
    assert checks_failing(mossnip(hp=40, retreat_cost=0, design_note=note)) == {}
    assert checks_failing(mossnip(design_note=note))["design_note"] == [
        "waives 'hp_band', which the card passes"
    ]
    odd = {"checks": ["vibes"], "reason": "?"}
    assert checks_failing(mossnip(design_note=odd))["design_note"] == [
        "waives unknown check 'vibes'"
    ]


def test_catalog_wide_checks_fail_on_a_lopsided_set() -> None:
    cards = [
        CARD_DEFINITION_ADAPTER.validate_python(
            mossnip(number=n, id=f"mv1-{n:03d}", image_path=f"cards/mv1/{n:03d}.webp")
        )
        for n in (1, 3)
    ]
    found = {f.check: str(f) for f in check_catalog(cards, DesignTargets.load())}
    assert found["numbering"] == "mv1-* numbering: numbers of set mv1 are not 1..2"
    assert found["weakness_share"].startswith("* weakness_share: water is the weakness of 0 of 2")
    assert "element_hp_spread" not in found


def test_targets_refuse_unknown_keys(tmp_path: Path) -> None:
    raw = json.loads((CARDS_DIR.parent / "design" / "targets.json").read_text())
    raw["hp_bands"] = raw["hp"]
    path = tmp_path / "targets.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(ValueError, match="hp_bands"):
        DesignTargets.load(path)


def test_originality_catches_a_copied_sentence_with_our_nouns() -> None:
    sabrina_ours = (
        "After the damage, switch out your opponent's Front creature to the Bench."
        " (Your opponent chooses the new Front creature.)"
    )
    card = CARD_DEFINITION_ADAPTER.validate_python(
        mossnip(
            name="Mossnip ex",
            attacks=[
                attack(1, 20, [{"kind": "switch", "side": "opponent", "chooser": "opponent"}])
            ],
        )
    )
    data = CARD_DEFINITION_ADAPTER.dump_python(card, mode="json")
    data["attacks"][0]["effect_text"] = sabrina_ours
    data["attacks"][0]["name"] = "Tailwind"
    found = [
        str(f)
        for f in check_originality(
            [CARD_DEFINITION_ADAPTER.validate_python(data)], ForbiddenList.load()
        )
    ]
    assert "mv1-001 originality: name: published name suffix ' ex'" in found
    assert "mv1-001 originality: attack 'Tailwind' name: published name 'Tailwind'" in found
    assert any("published sentence" in f and "Switch out your opponent" in f for f in found)
