"""The catalog meets its design targets and contains nothing published; each check can fail.

The card JSON is the source of truth (no generator): these tests are its guard. One
test per check over the bundled catalog, so a failure names the check, and each
message names the card, the numbers and the band. Hand-built cards prove every
check refuses what it should.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any

import pytest

from app.catalog.attack_text import expected_text
from app.catalog.card_service import CardService
from app.catalog.card_text import expected_ability_text, expected_card_text
from app.catalog.design import (
    CARD_CHECKS,
    CATALOG_CHECKS,
    DesignTargets,
    Finding,
    check_catalog,
)
from app.catalog.originality import ForbiddenList, check_originality
from app.core.cards import CARD_DEFINITION_ADAPTER, CardDefinition, CreatureCard, TrainerCard

CARDS_DIR = Path(__file__).resolve().parents[2] / "data" / "cards"
TARGETS = CARDS_DIR.parent / "design" / "targets.json"


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


def test_an_effect_without_a_price_is_a_finding_naming_its_field() -> None:
    reveal = {"kind": "reveal_hand"}
    front = {"select": "all", "side": "opponent", "zone": "active"}
    poison = {"kind": "apply_status", "target": front, "status": "poisoned"}
    flip = {"kind": "coin_flip", "on_heads": [poison, reveal]}
    failing = checks_failing(mossnip(attacks=[attack(1, 20), attack(2, 30, [flip])]))
    assert failing["value_band"] == [
        'Mossnip: "Hit 2 30" cost 2: attacks[1].effects[0].on_heads[1].kind:'
        " step kind 'reveal_hand' has no price (add one to app/catalog/attack_value.py"
        " and effect_values in targets.json)"
    ]


def test_type_chart_apex_name_and_flavor() -> None:
    failing = checks_failing(
        mossnip(
            weakness={"type": "water"},
            resistance={"type": "water", "value": 30},
            variant="apex",
        )
    )
    assert failing["weakness_chart"] == [
        "Mossnip: weakness ('water', None) but the chart says ('fire', None)"
    ]
    assert failing["resistance_chart"] == [
        "Mossnip: resistance ('water', 30) but the chart says None"
    ]
    assert failing["apex_name"] == ["Mossnip: variant apex but name 'Mossnip'"]
    assert failing["apex_twin"] == ["Mossnip: no 'Mossnip' in set mv1"]
    assert checks_failing(mossnip(weakness={"type": "fire", "value": 20}))["weakness_chart"]
    assert checks_failing(mossnip(flavor_text=None))["flavor_text"] == [
        "Mossnip: a creature's first design needs its flavor_text (lore)"
    ]


def test_resistance_prints_the_chart_value() -> None:
    verdantusk = next(c for c in bundled() if c.id == "mv1-003")
    data = CARD_DEFINITION_ADAPTER.dump_python(verdantusk, mode="json")
    data["resistance"]["value"] = 20
    found = [str(f) for f in check_catalog(replaced(data), DesignTargets.load())]
    assert found == [
        "mv1-003 resistance_chart: Verdantusk: resistance ('water', 20) but the chart says"
        " ('water', 30)"
    ]


def test_cost_shape() -> None:
    def cost_of(*cost: str) -> dict[str, list[str]]:
        return checks_failing(mossnip(attacks=[{"name": "Hit", "cost": list(cost), "damage": 20}]))

    assert cost_of("grass") == {}
    assert cost_of("fire")["cost_shape"] == [
        'Mossnip: "Hit" cost 1: fire in the cost of a grass creature'
    ]
    assert cost_of("colorless")["cost_shape"] == [
        'Mossnip: "Hit" cost 1: 0 grass symbol(s), expected 1..1 (cost_own_energy)'
    ]
    two = checks_failing(
        mossnip(attacks=[{"name": "Hit", "cost": ["colorless", "grass"], "damage": 40}])
    )
    assert two["cost_shape"] == [
        'Mossnip: "Hit" cost 2: grass symbols must come before Colorless ones'
    ]


def test_attacks_go_cheapest_first_and_drawback_effects_cost_two() -> None:
    dearer = attack(2, 40) | {"cost": ["grass", "colorless"]}
    assert checks_failing(mossnip(attacks=[attack(1, 20), dearer])) == {}
    swapped = checks_failing(mossnip(attacks=[dearer, attack(1, 20)]))
    assert swapped["cost_shape"] == ["Mossnip: attacks costing [2, 1]: list them cheapest first"]
    recoil = attack(1, 30, [{"kind": "self_damage", "amount": 10}])
    recoil["effect_text"] = "This creature takes 10 recoil damage."
    assert checks_failing(mossnip(attacks=[recoil]))["effect_cost"] == [
        'Mossnip: "Hit 1 30" cost 1: self_damage needs an attack costing 2+'
    ]
    each_bench = {
        "kind": "damage",
        "target": {"select": "all", "side": "opponent", "zone": "bench"},
        "amount": {"value": 10},
    }
    spread = checks_failing(mossnip(attacks=[attack(1, 10, [each_bench])]))
    assert spread["effect_cost"] == [
        'Mossnip: "Hit 1 10" cost 1: damage_each_bench needs an attack costing 2+'
    ]
    assert "effect_cost" not in checks_failing(mossnip(attacks=[attack(2, 10, [each_bench])]))


def test_one_ability_name_means_one_rule() -> None:
    holder = next(c for c in bundled() if isinstance(c, CreatureCard) and c.abilities)
    data = CARD_DEFINITION_ADAPTER.dump_python(holder, mode="json")
    name = data["abilities"][0]["name"]
    other = raw_card("mv2-001")
    other["abilities"] = [data["abilities"][0] | {"text": data["abilities"][0]["text"] + "!"}]
    found = [str(f) for f in check_catalog(replaced(other), DesignTargets.load())]
    assert (
        f"mv2-001 ability_name: Sapkit: ability {name!r} differs from the one on {holder.id}"
        in found
    )


def test_rules_text_must_say_what_the_effects_do() -> None:
    heal = [{"kind": "heal", "target": {"select": "source"}, "amount": {"value": 20}}]
    right = attack(1, 10, heal) | {"effect_text": "This creature heals 20 damage."}
    assert "rules_text" not in checks_failing(mossnip(attacks=[right]))
    wrong = right | {"effect_text": "This creature heals 30 damage."}
    assert checks_failing(mossnip(attacks=[wrong]))["rules_text"] == [
        "Mossnip: \"Hit 1 10\" cost 1: text 'This creature heals 30 damage.',"
        " effects say 'This creature heals 20 damage.'"
    ]
    plus = right | {"damage_modifier": "plus"}
    assert checks_failing(mossnip(attacks=[plus]))["rules_text"] == [
        'Mossnip: "Hit 1 10" cost 1: damage_modifier plus but its effects make it none'
    ]
    unknown = attack(1, 10, [{"kind": "draw", "count": {"value": 1}, "player": "opponent"}])
    assert checks_failing(mossnip(attacks=[unknown]))["rules_text"] == [
        'Mossnip: "Hit 1 10" cost 1: no sentence template for these effects; add one to'
        " app/catalog/attack_text.py"
    ]


def test_every_bundled_attack_text_is_rendered_from_its_effects() -> None:
    """The renderer is not vacuous: it reproduces each printed text exactly."""
    texts = [
        (a.effect_text, expected_text(a))
        for c in bundled()
        if isinstance(c, CreatureCard)
        for a in c.attacks
        if a.effects
    ]
    assert len(texts) > 300
    assert [t for t in texts if t[0] != t[1]] == []


def test_an_evolution_line_stays_in_its_set_and_element() -> None:
    fernclaw = next(c for c in bundled() if c.id == "mv2-010")  # evolves from mv2's Mossnip
    moved = CARD_DEFINITION_ADAPTER.dump_python(fernclaw, mode="json")
    moved["evolves_from"] = "Cindercub"
    found = [str(f) for f in check_catalog(replaced(moved), DesignTargets.load())]
    assert found == [
        "mv2-010 evolution_line: Fernclaw: a grass creature evolving from a fire one (mv2-019)"
    ]
    mossnip_mv2 = next(c for c in bundled() if c.id == "mv2-009")
    renamed = CARD_DEFINITION_ADAPTER.dump_python(mossnip_mv2, mode="json") | {"name": "Mossnap"}
    found = [str(f) for f in check_catalog(replaced(renamed), DesignTargets.load())]
    assert (
        "mv2-010 evolution_line: Fernclaw: evolves from 'Mossnip', not printed in set mv2" in found
    )


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
    assert found["weakness_share"].startswith("* weakness_share: water is the weakness of 0 of 2")
    assert "element_hp_spread" not in found
    fire = mossnip(element="fire", hp=100, weakness={"type": "water"}, retreat_cost=1)
    spread = [
        CARD_DEFINITION_ADAPTER.validate_python(mossnip()),
        CARD_DEFINITION_ADAPTER.validate_python(fire | {"id": "mv1-002", "number": 2}),
    ]
    spreads = [
        f.message
        for f in check_catalog(spread, DesignTargets.load())
        if f.check == "element_hp_spread"
    ]
    assert spreads == [
        "basic fire mean HP 100 is more than 15 from the mean of all elements (80)",
        "basic grass mean HP 60 is more than 15 from the mean of all elements (80)",
    ]


# ------------------------------------------------------------- printing checks


def replaced(*raw: dict[str, Any]) -> list[CardDefinition]:
    """The bundled catalog with the cards of the same ids replaced by `raw`."""
    new = {r["id"]: CARD_DEFINITION_ADAPTER.validate_python(r) for r in raw}
    return [new.get(c.id, c) for c in bundled()]


def raw_card(card_id: str, **changes: Any) -> dict[str, Any]:
    card = next(c for c in bundled() if c.id == card_id)
    data: dict[str, Any] = CARD_DEFINITION_ADAPTER.dump_python(card, mode="json")
    return data | changes


def found_in(cards: list[CardDefinition], check: str) -> list[str]:
    return [str(f) for f in check_catalog(cards, DesignTargets.load()) if f.check == check]


def renumbered(cards: list[CardDefinition], set_id: str, order: list[str]) -> list[CardDefinition]:
    """`cards` with set `set_id` reprinted in `order` (ids), numbers and images following."""
    by_id = {c.id: c for c in cards}
    others = [c for c in cards if c.set_id != set_id]
    moved = []
    for number, card_id in enumerate(order, start=1):
        data = CARD_DEFINITION_ADAPTER.dump_python(by_id[card_id], mode="json")
        data.update(
            id=f"{set_id}-{number:03d}",
            number=number,
            image_path=f"cards/{set_id}/{number:03d}.webp",
        )
        moved.append(CARD_DEFINITION_ADAPTER.validate_python(data))
    return others + moved


def mv2_ids() -> list[str]:
    return [c.id for c in bundled() if c.set_id == "mv2"]


def test_print_order_blocks_elements_and_reprints() -> None:
    ids = mv2_ids()
    trainer_first = [ids[90], *ids[:90], *ids[91:]]  # an item before the creatures
    assert found_in(renumbered(list(bundled()), "mv2", trainer_first), "print_order") == [
        "mv2-002 print_order: Sapkit: a grass creature printed right after a later block (order:"
        " creature, item, tool, supporter, stadium, special_energy, basic_energy; creatures by"
        " element: grass, fire, water, lightning, psychic, fighting, darkness, metal, colorless)"
    ]
    late_basic = [*ids[:124], ids[125], ids[124], *ids[126:]]  # 2 reprints swapped
    assert found_in(renumbered(list(bundled()), "mv2", late_basic), "print_order") == [
        "mv2-126 print_order: Sapkit: reprints go by rarity, then their originals' order;"
        " this one belongs before mv2-125"
    ]
    first_after = [*ids[:123], *ids[124:], ids[123]]  # a special energy after the reprints
    found = found_in(renumbered(list(bundled()), "mv2", first_after), "print_order")
    assert found == [
        "mv2-164 print_order: Anchor Energy: a first print after the reprints (from mv2-124)"
    ]


def test_a_reprint_is_the_same_card_by_another_artist_at_a_reprint_rarity() -> None:
    original = raw_card("mv1-001")
    changed = raw_card("mv1-164", hp=70, illustrator=original["illustrator"], rarity="rare")
    assert found_in(replaced(changed), "reprint") == [
        "mv1-164 reprint: Mossnip (reprint of mv1-001): differs from it in hp",
        "mv1-164 reprint: Mossnip (reprint of mv1-001): rare is not a reprint rarity for a"
        " basic (allowed: art_rare)",
        f"mv1-164 reprint: Mossnip (reprint of mv1-001): same illustrator"
        f" {original['illustrator']!r}; an alternate art is a new artist's",
    ]


def test_rarity_follows_the_kind_with_listed_exceptions() -> None:
    assert found_in(replaced(raw_card("mv1-001", rarity="rare")), "rarity") == [
        "mv1-001 rarity: Mossnip: rare but a basic prints at common"
    ]
    assert found_in(replaced(raw_card("mv1-127", rarity="common")), "rarity") == [
        "mv1-127 rarity: Quickening Dew: common but a item prints at uncommon"
    ]
    raw = json.loads(TARGETS.read_text())
    because = "a reason"
    raw["rarity_exceptions"] |= {
        "mv1-118": {"rarity": "common", "reason": because},
        "zz1-001": {"rarity": "rare", "reason": because},
    }
    targets = DesignTargets.model_validate(raw)
    found = [str(f) for f in check_catalog(bundled(), targets) if f.check == "rarity"]
    assert found == [
        "mv1-118 rarity: Salvage Coil: rarity_exceptions repeats its kind's common",
        "zz1-001 rarity: rarity_exceptions names a card not in the catalog",
    ]


def test_every_card_has_its_image_and_each_element_its_basic_energy() -> None:
    trainer = raw_card("mv1-118", image_path="cards/mv1/118.png")
    energy = raw_card("mv1-156", name="Leaf Energy")
    found = [
        str(f)
        for f in check_catalog(replaced(trainer, energy), DesignTargets.load())
        if f.check in ("presentation", "basic_energy")
    ]
    assert found == [
        "* basic_energy: grass: expected one 'Grass Energy', found mv1-156 'Leaf Energy'",
        "mv1-118 presentation: image_path 'cards/mv1/118.png', expected 'cards/mv1/118.webp'",
    ]


def test_targets_refuse_unknown_keys(tmp_path: Path) -> None:
    raw = json.loads((CARDS_DIR.parent / "design" / "targets.json").read_text())
    raw["hp_bands"] = raw["hp"]
    path = tmp_path / "targets.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(ValueError, match="hp_bands"):
        DesignTargets.load(path)
    for key, bad, error in [
        ("rarity", {"basic": "common"}, "rarity needs exactly the kinds"),
        ("reprint_rarity", {"art_rare": ["legend"]}, "unknown kinds \\['legend'\\]"),
        ("print_order", {"blocks": ["creature"], "elements": []}, "blocks must order exactly"),
    ]:
        raw = json.loads(TARGETS.read_text()) | {key: bad}
        with pytest.raises(ValueError, match=error):
            DesignTargets.model_validate(raw)
    raw = json.loads(TARGETS.read_text())
    raw["effect_min_cost"]["recoil"] = 2
    with pytest.raises(ValueError, match="unknown effects \\['recoil'\\]"):
        DesignTargets.model_validate(raw)


def test_every_exception_and_odd_target_carries_its_reason() -> None:
    targets = DesignTargets.load()
    assert all(e.reason for e in targets.rarity_exceptions.values())
    assert {"hp.basic_apex", "type_chart.weakness", "typical.benched"} <= set(targets.why)
    assert "effect_values.switch_opponent_they_choose" in targets.why
    for bare in ("uncommon", {"rarity": "uncommon"}, {"rarity": "uncommon", "reason": ""}):
        raw = json.loads(TARGETS.read_text())
        raw["rarity_exceptions"]["mv1-127"] = bare
        with pytest.raises(ValueError, match=r"rarity_exceptions\.mv1-127"):
            DesignTargets.model_validate(raw)
    raw = json.loads(TARGETS.read_text())
    raw["_why"] |= {"hp.basic_ex": "stale", "caps.own_benched": "fine", "typical.benched.x": "no"}
    with pytest.raises(
        ValueError, match=re.escape("_why names no setting: hp.basic_ex, typical.benched.x")
    ):
        DesignTargets.model_validate(raw)


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


def test_a_retired_name_cannot_come_back() -> None:
    forbidden = ForbiddenList.load()
    assert {"Bastiron", "Mimikit", "Coach Tamsin", "Twin Core Energy"} <= set(
        forbidden.retired_names
    )
    tamsin = raw_card("mv1-139", name="Coach Tamsin")
    bastiron = mossnip(attacks=[attack(1, 20) | {"name": "Bastiron Bash"}])
    found = [str(f) for f in check_originality(replaced(tamsin, bastiron), forbidden)]
    assert "mv1-139 originality: name: retired name 'Coach Tamsin'" in found
    assert "mv1-001 originality: attack 'Bastiron Bash' name: retired name 'Bastiron'" in found
    assert len(found) == 2, found


def test_originality_catches_a_lightly_edited_copy() -> None:
    """Numbers masked, then a close run of clauses: the v2 texts that slipped past are caught."""
    forbidden = ForbiddenList.load()
    isolde = raw_card(
        "mv1-139",
        text="Shuffle your hand into your deck. Then draw 5 cards, and your opponent draws a card.",
    )
    mira = raw_card(
        "mv2-111",
        text="Search your deck for an Item card and a Tool card, reveal them, and put them into"
        " your hand. Then, shuffle your deck.",
    )
    ines = raw_card("mv2-112", text="Draw cards until you have 5 cards in your hand.")
    found = [str(f) for f in check_originality(replaced(isolde, mira, ines), forbidden)]
    assert (
        "mv1-139 originality: text: published sentence"
        " 'Shuffle your hand into your deck. Then, draw 6 cards.'" in found
    )
    assert any(
        f.startswith("mv2-111 originality: text: text 'search your deck for an item card")
        and "similar to published sentence 'Search your deck for an Item card and a Pokémon Tool"
        in f
        for f in found
    ), found
    assert (
        "mv2-112 originality: text: published sentence"
        " 'Draw cards until you have 6 cards in your hand.'" in found
    )
    assert len(found) == 3, found


def test_only_whole_published_sentences_are_matched_loosely() -> None:
    forbidden = ForbiddenList.load()
    assert forbidden.similarity.applies_to("Draw cards until you have 6 cards in your hand.")
    assert not forbidden.similarity.applies_to("Your opponent's Active Pokémon is now")
    assert not forbidden.similarity.applies_to("Discard your hand.")
    # A published fragment inside a longer sentence of ours, worded our way, is no finding.
    bangle = raw_card("mv1-135")
    assert "the creature this card is attached to" in forbidden.normal(bangle["text"])
    assert check_originality(replaced(bangle), forbidden) == []


def _distinct(*raw: dict[str, Any]) -> list[str]:
    cards = [CARD_DEFINITION_ADAPTER.validate_python(r) for r in raw]
    stage_1 = next(c for c in bundled() if c.id == "mv1-002")
    return [
        str(f)
        for f in check_catalog([*cards, stage_1], DesignTargets.load())
        if f.check in ("stat_line", "dominated")
    ]


def _twin(**changes: Any) -> dict[str, Any]:
    """Mossnip under another name and number, changed."""
    twin = mossnip(id="mv1-090", number=90, name="Mossnap", image_path="cards/mv1/090.webp")
    twin.update(changes)
    return twin


def test_two_names_for_one_stat_line_are_a_finding_on_the_later_one() -> None:
    assert _distinct(mossnip(), _twin()) == [
        "mv1-090 stat_line: Mossnap: same stat line as Mossnip (mv1-001)"
    ]
    renamed_attack = _twin()
    renamed_attack["attacks"][0]["name"] = "Leaf Tap"
    assert _distinct(mossnip(), renamed_attack) != []  # names alone do not make a design
    trade = _twin(hp=70, retreat_cost=1)
    trade["attacks"][0]["damage"] = 10
    assert _distinct(mossnip(), trade) == []


def test_less_of_everything_in_the_same_role_is_dominated() -> None:
    bigger = _twin(hp=70, retreat_cost=1)
    assert _distinct(mossnip(), bigger) == [
        "mv1-001 dominated: Mossnip: strictly dominated by Mossnap (mv1-090): same role,"
        " HP and damage (60, 20, 30) against (70, 20, 30)"
    ]
    harder = _twin()
    harder["attacks"][1]["damage"] = 40
    assert [f.split(":")[0] for f in _distinct(mossnip(), harder)] == ["mv1-001 dominated"]
    other_role = _twin(hp=70, retreat_cost=1, weakness={"type": "water"})
    assert "dominated" not in " ".join(_distinct(mossnip(), other_role))
    note = {"checks": ["dominated"], "reason": "A cheaper common for new players."}
    assert _distinct(mossnip(design_note=note), bigger) == []


def test_a_name_a_few_letters_from_a_published_creature_is_a_finding() -> None:
    forbidden = ForbiddenList.load()
    assert {"Rowlet", "Magnemite"} <= set(forbidden.creature_names)
    assert {"Crowlet", "Magmite"} <= set(forbidden.retired_names)
    found = [
        str(f)
        for f in check_originality(
            replaced(mossnip(name="Crowlet"), raw_card("mv1-002", name="Magmite Apex")),
            forbidden,
        )
        if "edit" in str(f)
    ]
    assert found == [
        "mv1-001 originality: name: 1 edit(s) from the published creature name 'Rowlet'",
        "mv1-002 originality: name: 2 edit(s) from the published creature name 'Magnemite'",
    ]
    short = ForbiddenList.load().edit_distance
    assert short.too_close("Zubit", "Zubat") == 1
    assert short.too_close("Zobit", "Zubat") is None  # 2 edits: a short name needs 1
    assert short.too_close("Mossnip", "Rowlet") is None


def test_a_retired_text_cannot_come_back_lightly_edited() -> None:
    forbidden = ForbiddenList.load()
    spyglass = raw_card(
        "mv2-100",
        text="Look at the top 2 cards of your opponent's deck and put them back in order.",
    )
    found = [str(f) for f in check_originality(replaced(spyglass), forbidden)]
    assert len(found) == 1
    assert "similar to retired text sentence" in found[0], found


def test_trainer_texts_in_the_house_style_read_as_their_templates_render() -> None:
    compass = next(c for c in bundled() if c.id == "mv1-120")
    assert isinstance(compass, TrainerCard)
    assert expected_card_text(compass) == (
        "Scan the top 4 cards of your deck. Keep 1 of them in your hand, then shuffle your deck."
    )
    drifted = raw_card("mv1-120", text="Look at the top 4 cards of your deck. Keep 1.")
    found = [str(f) for f in check_catalog(replaced(drifted), DesignTargets.load())]
    assert found == [
        "mv1-120 card_text: Lucky Compass: text should read 'Scan the top 4 cards of your deck."
        " Keep 1 of them in your hand, then shuffle your deck.'"
    ]
    rally = next(c for c in bundled() if c.id == "mv1-122")  # a conditional draw: no template
    assert isinstance(rally, TrainerCard)
    assert expected_card_text(rally) is None
    raft = next(c for c in bundled() if c.id == "mv2-093")
    assert isinstance(raft, TrainerCard)
    text = expected_card_text(raft)
    assert text is not None
    assert text.startswith("Play this card only while your Front creature is damaged. ")
    trundlehog = next(c for c in bundled() if c.id == "mv1-116")
    assert isinstance(trundlehog, CreatureCard)
    assert expected_ability_text(trundlehog.abilities[0]) == trundlehog.abilities[0].text
