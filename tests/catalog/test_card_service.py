"""CardService (DB-017): the bundled catalog, lookups, search, bad data and the shared instance."""

from __future__ import annotations

import copy
import functools
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from app.catalog import card_service as card_service_module
from app.catalog.card_service import (
    CardNotFoundError,
    CardPage,
    CardSearchFilters,
    CardService,
    CatalogLoadError,
    CatalogProblem,
    SetNotFoundError,
    get_card_service,
    init_card_service,
    override_card_service,
    set_card_service,
)
from app.core.cards import (
    CardDefinition,
    CardType,
    CreatureCard,
    CreatureVariant,
    EnergyCard,
    EnergyKind,
    EnergyType,
    Rarity,
    Stage,
    TrainerCard,
    TrainerSubtype,
)

REPO = Path(__file__).resolve().parents[2]
CARDS_DIR = REPO / "data" / "cards"


@functools.cache
def bundled() -> CardService:
    return CardService.load(CARDS_DIR)


@pytest.fixture
def catalog() -> CardService:
    return bundled()


# --------------------------------------------------------------------- loading


def test_the_whole_catalog_loads_with_372_cards(catalog: CardService) -> None:
    assert len(catalog) == 372
    assert len(catalog.all_cards()) == 372
    assert [info.id for info in catalog.sets] == ["mv1", "mv2"]
    assert sum(info.card_count for info in catalog.sets) == 372


def test_cards_are_ordered_by_set_then_number(catalog: CardService) -> None:
    order = {info.id: i for i, info in enumerate(catalog.sets)}
    keys = [(order[c.set_id], c.number) for c in catalog]
    assert keys == sorted(keys)


# ------------------------------------------------------- the catalog is playable


def creatures(catalog: CardService) -> list[CreatureCard]:
    return [c for c in catalog if isinstance(c, CreatureCard)]


def test_every_evolution_line_is_complete(catalog: CardService) -> None:
    by_name: dict[str, set[Stage]] = {}
    for card in creatures(catalog):
        by_name.setdefault(card.name, set()).add(card.stage)
    for card in creatures(catalog):
        if card.stage is Stage.BASIC:
            assert card.evolves_from is None
        else:
            assert card.stage.previous in by_name[card.evolves_from or ""], card.id


def test_evolutions_have_more_hp_than_what_they_evolve_from(catalog: CardService) -> None:
    lowest: dict[str, int] = {}
    for card in creatures(catalog):
        lowest[card.name] = min(lowest.get(card.name, 10**6), card.hp)
    for card in creatures(catalog):
        if card.evolves_from is not None:
            assert card.hp > lowest[card.evolves_from], card.id


def test_hp_and_damage_grow_with_stage(catalog: CardService) -> None:
    normal = [c for c in creatures(catalog) if c.variant is CreatureVariant.NORMAL]

    def mean(values: list[int]) -> float:
        return sum(values) / len(values)

    hp = [mean([c.hp for c in normal if c.stage is stage]) for stage in Stage]
    top = [
        mean([max(a.damage for a in c.attacks) for c in normal if c.stage is stage and c.attacks])
        for stage in Stage
    ]
    assert hp[0] < hp[1] < hp[2]
    assert top[0] < top[1] < top[2]
    ex = [c for c in creatures(catalog) if c.is_apex]
    assert mean([c.hp for c in ex]) > hp[-1]


def test_plain_damage_grows_with_energy_cost(catalog: CardService) -> None:
    by_cost: dict[tuple[Stage, CreatureVariant, int], list[int]] = {}
    for card in creatures(catalog):
        for attack in card.attacks:
            if not attack.effects:
                key = (card.stage, card.variant, attack.converted_cost)
                by_cost.setdefault(key, []).append(attack.damage)
    for (stage, variant, cost), damages in by_cost.items():
        cheaper = by_cost.get((stage, variant, cost - 1))
        if cheaper:
            assert min(damages) > max(cheaper), (stage, variant, cost)


def test_every_energy_type_is_represented(catalog: CardService) -> None:
    elements = {c.element for c in creatures(catalog)}
    assert elements == set(EnergyType)
    basic_energy = {
        c.energy_type
        for c in catalog
        if isinstance(c, EnergyCard) and c.energy_kind is EnergyKind.BASIC
    }
    assert basic_energy == set(EnergyType) - {EnergyType.COLORLESS}
    assert any(isinstance(c, EnergyCard) and c.energy_kind is EnergyKind.SPECIAL for c in catalog)


def test_trainers_of_every_subtype(catalog: CardService) -> None:
    subtypes = Counter(c.trainer_subtype for c in catalog if isinstance(c, TrainerCard))
    assert set(subtypes) == set(TrainerSubtype)
    assert min(subtypes.values()) >= 5


def test_every_rarity_is_used(catalog: CardService) -> None:
    assert {c.rarity for c in catalog} == set(Rarity)


def test_higher_rarity_reprints_share_name_and_play_the_same(catalog: CardService) -> None:
    reprints = [c for c in catalog if c.rarity.rank >= Rarity.ART_RARE.rank]
    assert len(reprints) >= 40
    regular: dict[tuple[str, str], CardDefinition] = {}
    for card in catalog:
        if card.rarity.rank < Rarity.ART_RARE.rank:
            regular.setdefault((card.set_id, card.name), card)
    ignored = {"id", "number", "rarity", "illustrator", "image_path"}
    for card in reprints:
        original = regular[(card.set_id, card.name)]
        assert card.model_dump(exclude=ignored) == original.model_dump(exclude=ignored), card.id
        assert card.illustrator != original.illustrator


def test_a_creature_name_always_means_the_same_creature(catalog: CardService) -> None:
    seen: dict[str, set[tuple[Stage, EnergyType, CreatureVariant]]] = {}
    for card in creatures(catalog):
        seen.setdefault(card.name, set()).add((card.stage, card.element, card.variant))
    assert all(len(kinds) == 1 for kinds in seen.values())


def test_names_are_unique_per_kind_of_card(catalog: CardService) -> None:
    """A name means one thing: a trainer never shares a name with a creature."""
    kinds: dict[str, set[CardType]] = {}
    for card in catalog:
        kinds.setdefault(card.name, set()).add(card.card_type)
    assert all(len(k) == 1 for k in kinds.values())


# --------------------------------------------------------------------- lookups


def test_get_card(catalog: CardService) -> None:
    card = catalog.get_card("mv1-001")
    assert isinstance(card, CreatureCard)
    assert (card.name, card.stage, card.hp) == ("Mossnip", Stage.BASIC, 60)
    assert "mv1-001" in catalog
    assert "mv9-001" not in catalog


def test_unknown_card_names_the_id_and_suggests_close_ones(catalog: CardService) -> None:
    with pytest.raises(CardNotFoundError) as caught:
        catalog.get_card("mv1-0011")
    error = caught.value
    assert error.card_ids == ("mv1-0011",)
    assert "mv1-001" in error.suggestions["mv1-0011"]
    assert str(error).startswith("unknown card id: 'mv1-0011' (did you mean ")
    assert "'mv1-001'" in str(error)


def test_unknown_card_without_anything_close(catalog: CardService) -> None:
    with pytest.raises(CardNotFoundError) as caught:
        catalog.get_card("zzzzzzzzzzzzzzzz")
    assert str(caught.value) == "unknown card id: 'zzzzzzzzzzzzzzzz'"


def test_get_cards_batch(catalog: CardService) -> None:
    found = catalog.get_cards(["mv2-010", "mv1-001", "mv2-010"])
    assert list(found) == ["mv2-010", "mv1-001"]
    assert found["mv1-001"].name == "Mossnip"


def test_get_cards_lists_every_missing_id(catalog: CardService) -> None:
    with pytest.raises(CardNotFoundError) as caught:
        catalog.get_cards(["mv1-001", "nope-1", "mv1-999", "nope-1"])
    assert caught.value.card_ids == ("nope-1", "mv1-999")
    assert "unknown card ids:" in str(caught.value)


def test_get_cards_by_set(catalog: CardService) -> None:
    cards = catalog.get_cards_by_set("mv2")
    assert len(cards) == 164
    assert [c.number for c in cards] == list(range(1, 165))
    assert catalog.get_cards_by_set("MV2") == cards
    assert catalog.get_set("MV1").name == "Wildroot Origins"


def test_unknown_set(catalog: CardService) -> None:
    with pytest.raises(SetNotFoundError, match=r"unknown set 'xx9'; known sets: mv1, mv2"):
        catalog.get_cards_by_set("xx9")
    with pytest.raises(SetNotFoundError):
        catalog.get_set("xx9")


# ---------------------------------------------------------------------- search


def linear(catalog: CardService, filters: CardSearchFilters) -> list[str]:
    """The obvious scan the indexes must agree with."""
    result = []
    for card in catalog:
        if filters.card_type is not None and card.card_type is not filters.card_type:
            continue
        if filters.set_id is not None and card.set_id != filters.set_id.lower():
            continue
        if filters.rarity is not None and card.rarity is not filters.rarity:
            continue
        if filters.element is not None:
            element = (
                card.element
                if isinstance(card, CreatureCard)
                else card.energy_type
                if isinstance(card, EnergyCard)
                else None
            )
            if element is not filters.element:
                continue
        if filters.stage is not None and (
            not isinstance(card, CreatureCard) or card.stage is not filters.stage
        ):
            continue
        if filters.trainer_subtype is not None and (
            not isinstance(card, TrainerCard) or card.trainer_subtype is not filters.trainer_subtype
        ):
            continue
        if filters.hp_min is not None or filters.hp_max is not None:
            if not isinstance(card, CreatureCard):
                continue
            if filters.hp_min is not None and card.hp < filters.hp_min:
                continue
            if filters.hp_max is not None and card.hp > filters.hp_max:
                continue
        if filters.name_contains is not None and (
            filters.name_contains.casefold() not in card.name.casefold()
        ):
            continue
        result.append(card.id)
    return result


def search_ids(catalog: CardService, **filters: Any) -> list[str]:
    page = catalog.search_cards(CardSearchFilters(limit=500, **filters))
    assert page.total == len(page.items)
    return [c.id for c in page.items]


SINGLE_FILTERS: list[dict[str, Any]] = [
    {"card_type": CardType.CREATURE},
    {"card_type": CardType.TRAINER},
    {"card_type": CardType.ENERGY},
    {"set_id": "mv2"},
    {"set_id": "MV1"},
    {"set_id": "nope"},
    {"rarity": Rarity.ART_RARE},
    {"rarity": Rarity.GILDED_RARE},
    {"element": EnergyType.FIRE},
    {"element": EnergyType.COLORLESS},
    {"stage": Stage.STAGE_2},
    {"trainer_subtype": TrainerSubtype.STADIUM},
    {"hp_min": 150},
    {"hp_max": 50},
    {"hp_min": 100, "hp_max": 100},
    {"name_contains": "ex"},
    {"name_contains": "E"},
    {"name_contains": "FANG"},
    {"name_contains": "energy"},
    {"name_contains": "zzz"},
    {"name_contains": "qqqqq"},
]


@pytest.mark.parametrize(
    "filters", SINGLE_FILTERS, ids=lambda f: ",".join(f"{k}={v}" for k, v in f.items())
)
def test_every_filter_alone_matches_a_linear_scan(
    catalog: CardService, filters: dict[str, Any]
) -> None:
    expected = linear(catalog, CardSearchFilters(**filters))
    assert search_ids(catalog, **filters) == expected


def test_single_filters_find_what_they_should(catalog: CardService) -> None:
    assert len(search_ids(catalog, set_id="mv2")) == 164
    stadiums = search_ids(catalog, trainer_subtype=TrainerSubtype.STADIUM)
    assert stadiums
    assert all(
        isinstance(c, TrainerCard) and c.trainer_subtype is TrainerSubtype.STADIUM
        for c in catalog.get_cards(stadiums).values()
    )
    fire = catalog.get_cards(search_ids(catalog, element=EnergyType.FIRE)).values()
    assert any(isinstance(c, EnergyCard) for c in fire)
    assert any(isinstance(c, CreatureCard) for c in fire)
    assert search_ids(catalog, name_contains="mossnip")[0] == "mv1-001"
    assert search_ids(catalog, set_id="nope") == []


COMBINED_FILTERS: list[dict[str, Any]] = [
    {"card_type": CardType.CREATURE, "element": EnergyType.WATER, "stage": Stage.BASIC},
    {"set_id": "mv1", "rarity": Rarity.SUPER_RARE, "element": EnergyType.FIRE},
    {"element": EnergyType.METAL, "hp_min": 100, "hp_max": 150},
    {"name_contains": "ex", "stage": Stage.STAGE_2, "set_id": "mv2"},
    {"trainer_subtype": TrainerSubtype.SUPPORTER, "rarity": Rarity.SPECIAL_ART_RARE},
    {"card_type": CardType.TRAINER, "stage": Stage.BASIC},
    {"card_type": CardType.ENERGY, "hp_min": 10},
    {"name_contains": "wing", "element": EnergyType.FIRE, "hp_max": 80},
    {"rarity": Rarity.COMMON, "set_id": "mv2", "name_contains": "kit"},
    {"name_contains": "o", "hp_min": 100},
    {"name_contains": "mane", "hp_max": 170},
    {"hp_min": 200, "set_id": "mv2"},
]


@pytest.mark.parametrize("filters", COMBINED_FILTERS)
def test_combined_filters_are_anded(catalog: CardService, filters: dict[str, Any]) -> None:
    expected = linear(catalog, CardSearchFilters(**filters))
    assert search_ids(catalog, **filters) == expected


# Each filter narrows the cards before the hp range is checked card by card, a code
# path the hp range alone (its own index) never takes.
FILTERS_BESIDE_AN_HP_RANGE: list[dict[str, Any]] = [
    {"element": EnergyType.FIRE},
    {"stage": Stage.STAGE_1},
    {"set_id": "mv2"},
    {"rarity": Rarity.COMMON},
    {"card_type": CardType.CREATURE},
    {"name_contains": "o"},
]


@pytest.mark.parametrize(
    "other", FILTERS_BESIDE_AN_HP_RANGE, ids=lambda f: ",".join(f"{k}={v}" for k, v in f.items())
)
def test_an_hp_range_beside_another_filter_includes_both_ends(
    catalog: CardService, other: dict[str, Any]
) -> None:
    creatures = [
        card
        for card in catalog.get_cards(linear(catalog, CardSearchFilters(**other))).values()
        if isinstance(card, CreatureCard)
    ]
    hps = sorted({card.hp for card in creatures})
    assert len(hps) >= 4, "pick a filter whose creatures have varied hp"
    low, high = hps[1], hps[-2]
    found = search_ids(catalog, **other, hp_min=low, hp_max=high)
    assert found == linear(catalog, CardSearchFilters(**other, hp_min=low, hp_max=high))
    found_hps = {
        card.hp for card in catalog.get_cards(found).values() if isinstance(card, CreatureCard)
    }
    assert low in found_hps
    assert high in found_hps
    assert hps[0] not in found_hps
    assert hps[-1] not in found_hps


def test_contradictory_filters_find_nothing(catalog: CardService) -> None:
    assert search_ids(catalog, card_type=CardType.TRAINER, stage=Stage.BASIC) == []
    assert search_ids(catalog, card_type=CardType.ENERGY, hp_min=10) == []


@settings(max_examples=150, deadline=None)
@given(
    card_type=st.none() | st.sampled_from(CardType),
    set_id=st.none() | st.sampled_from(["mv1", "mv2", "x"]),
    rarity=st.none() | st.sampled_from(Rarity),
    element=st.none() | st.sampled_from(EnergyType),
    stage=st.none() | st.sampled_from(Stage),
    subtype=st.none() | st.sampled_from(TrainerSubtype),
    hp_min=st.none() | st.integers(0, 250),
    name=st.none() | st.sampled_from(["a", "ex", "ling", "ow", "Energy", "mane", "q"]),
)
def test_search_agrees_with_linear_scan(
    card_type: CardType | None,
    set_id: str | None,
    rarity: Rarity | None,
    element: EnergyType | None,
    stage: Stage | None,
    subtype: TrainerSubtype | None,
    hp_min: int | None,
    name: str | None,
) -> None:
    catalog = bundled()
    filters = CardSearchFilters(
        card_type=card_type,
        set_id=set_id,
        rarity=rarity,
        element=element,
        stage=stage,
        trainer_subtype=subtype,
        hp_min=hp_min,
        name_contains=name,
        limit=500,
    )
    assert [c.id for c in catalog.search_cards(filters).items] == linear(catalog, filters)


def test_no_filter_pages_through_everything(catalog: CardService) -> None:
    page = catalog.search_cards(CardSearchFilters())
    assert page.total == 372
    assert len(page.items) == 50
    assert page.items[0].id == "mv1-001"
    assert page.has_more


def test_paging_walks_every_match_once_in_order(catalog: CardService) -> None:
    filters: dict[str, Any] = {"card_type": CardType.CREATURE, "element": EnergyType.GRASS}
    expected = linear(catalog, CardSearchFilters(**filters))
    seen: list[str] = []
    offset = 0
    while True:
        page = catalog.search_cards(CardSearchFilters(limit=7, offset=offset, **filters))
        assert page.total == len(expected)
        assert (page.limit, page.offset) == (7, offset)
        seen.extend(c.id for c in page.items)
        if not page.has_more:
            break
        offset += 7
    assert seen == expected


def test_offset_past_the_end_is_an_empty_page(catalog: CardService) -> None:
    page = catalog.search_cards(CardSearchFilters(set_id="mv1", offset=1000))
    assert page.items == []
    assert page.total == 208
    assert not page.has_more
    everything = catalog.search_cards(CardSearchFilters(offset=1000))
    assert (everything.items, everything.total) == ([], 372)


def test_results_order_by_set_then_number(catalog: CardService) -> None:
    ids = search_ids(catalog, name_contains="Mossnip")
    assert ids == ["mv1-001", "mv1-164", "mv2-009"]


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"hp_min": 100, "hp_max": 50}, "hp_min (100) is greater than hp_max (50)"),
        ({"limit": 0}, "greater than or equal to 1"),
        ({"limit": 501}, "less than or equal to 500"),
        ({"offset": -1}, "greater than or equal to 0"),
        ({"name_contains": "   "}, "at least 1 character"),
        ({"colour": "red"}, "Extra inputs are not permitted"),
        ({"element": "plasma"}, "Input should be"),
    ],
)
def test_invalid_filters_are_refused(data: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValidationError) as caught:
        CardSearchFilters.model_validate(data)
    assert fragment in str(caught.value)


def test_filters_and_pages_serialize_cleanly(catalog: CardService) -> None:
    filters = CardSearchFilters(element=EnergyType.FIRE, stage=Stage.BASIC, limit=2)
    assert CardSearchFilters.model_validate_json(filters.model_dump_json()) == filters
    page = catalog.search_cards(filters)
    data = json.loads(page.model_dump_json())
    assert data["total"] == page.total
    assert data["items"][0]["card_type"] == "creature"
    assert CardPage.model_validate(data) == page


# -------------------------------------------------------------------- bad data

Writer = Callable[..., Path]


def good_cards() -> dict[str, list[dict[str, Any]]]:
    def card(set_id: str, number: int, **fields: Any) -> dict[str, Any]:
        return {
            "id": f"{set_id}-{number:03d}",
            "set_id": set_id,
            "number": number,
            "rarity": "common",
            "illustrator": "Test Artist",
            "image_path": f"cards/{set_id}/{number:03d}.webp",
        } | fields

    def attack() -> list[dict[str, Any]]:
        return [{"name": "Poke", "cost": ["grass"], "damage": 10}]

    return {
        "aa1": [
            card("aa1", 1, name="Seedy", card_type="creature", stage="basic", hp=50,
                 element="grass", attacks=attack()),
            card("aa1", 2, name="Sprouty", card_type="creature", stage="stage_1", hp=80,
                 element="grass", evolves_from="Seedy", attacks=attack()),
            card("aa1", 3, name="Draw Stick", card_type="trainer", trainer_subtype="item",
                 text="Draw a card.", effects=[{"kind": "draw", "count": {"value": 1}}]),
        ],
        "bb2": [
            card("bb2", 1, name="Treey", card_type="creature", stage="stage_2", hp=140,
                 element="grass", evolves_from="Sprouty", attacks=attack()),
            card("bb2", 2, name="Grass Energy", card_type="energy", energy_type="grass",
                 energy_kind="basic", provides=["grass"]),
        ],
    }  # fmt: skip


@pytest.fixture
def write_catalog(tmp_path: Path) -> Writer:
    """Write a small catalog; `mutate(sets)` edits the card lists before writing."""

    def write(
        mutate: Callable[[dict[str, list[dict[str, Any]]]], None] | None = None,
        counts: dict[str, int] | None = None,
    ) -> Path:
        sets = good_cards()
        declared = {set_id: len(cards) for set_id, cards in sets.items()} | (counts or {})
        if mutate is not None:
            mutate(sets)
        index = {
            "sets": [
                {
                    "id": set_id,
                    "name": f"Set {set_id}",
                    "card_count": declared[set_id],
                    "release_date": "2026-01-01",
                    "file": f"{set_id}.json",
                }
                for set_id in sets
            ]
        }
        (tmp_path / "_index.json").write_text(json.dumps(index, indent=2))
        for set_id, cards in sets.items():
            text = json.dumps({"set_id": set_id, "cards": cards}, indent=2)
            (tmp_path / f"{set_id}.json").write_text(text)
        return tmp_path

    return write


def load_problems(directory: Path) -> CatalogLoadError:
    with pytest.raises(CatalogLoadError) as caught:
        CardService.load(directory)
    return caught.value


def test_small_catalog_loads(write_catalog: Writer) -> None:
    service = CardService.load(write_catalog())
    assert len(service) == 5
    assert service.get_card("bb2-001").name == "Treey"


def test_malformed_json_reports_line_and_column(write_catalog: Writer) -> None:
    directory = write_catalog()
    (directory / "aa1.json").write_text('{\n  "set_id": "aa1",\n  "cards": [,]\n}\n')
    error = load_problems(directory)
    assert len(error.problems) == 1
    problem = error.problems[0]
    assert problem.file == "aa1.json"
    assert "malformed JSON at line 3, column 13" in problem.message
    assert "aa1.json: malformed JSON at line 3, column 13" in str(error)


def test_malformed_index(tmp_path: Path) -> None:
    (tmp_path / "_index.json").write_text("{\n  sets: []\n}")
    error = load_problems(tmp_path)
    assert [p.file for p in error.problems] == ["_index.json"]
    assert "line 2, column 3" in error.problems[0].message


def test_missing_index(tmp_path: Path) -> None:
    error = load_problems(tmp_path)
    assert error.problems[0].file == "_index.json"
    assert "file not found" in error.problems[0].message
    assert str(tmp_path) in str(error)


def test_missing_set_file(write_catalog: Writer) -> None:
    directory = write_catalog()
    (directory / "bb2.json").unlink()
    error = load_problems(directory)
    assert len(error.problems) == 1
    assert str(error.problems[0]) == (
        f"bb2.json: file not found: {directory / 'bb2.json'} (listed in _index.json for set 'bb2')"
    )


def test_unreadable_set_file(write_catalog: Writer) -> None:
    directory = write_catalog()
    (directory / "bb2.json").write_bytes(b"\xff\xfe\x00bad")
    error = load_problems(directory)
    assert error.problems[0].file == "bb2.json"
    assert "cannot read" in error.problems[0].message


def test_unknown_field(write_catalog: Writer) -> None:
    error = load_problems(write_catalog(lambda s: s["aa1"][0].update(colour="green")))
    assert error.problems == (
        CatalogProblem(file="aa1.json", card_id="aa1-001", field="colour", message="unknown field"),
    )
    assert "aa1.json: card aa1-001: field colour: unknown field" in str(error)


def test_missing_field(write_catalog: Writer) -> None:
    error = load_problems(write_catalog(lambda s: s["aa1"][1].pop("hp")))
    assert error.problems == (
        CatalogProblem(file="aa1.json", card_id="aa1-002", field="hp", message="missing field"),
    )


def test_missing_card_type(write_catalog: Writer) -> None:
    error = load_problems(write_catalog(lambda s: s["aa1"][2].pop("card_type")))
    (problem,) = error.problems
    assert (problem.card_id, problem.field) == ("aa1-003", "card_type")
    assert "missing field" in problem.message


def test_unknown_card_type(write_catalog: Writer) -> None:
    error = load_problems(write_catalog(lambda s: s["aa1"][2].update(card_type="spell")))
    (problem,) = error.problems
    assert problem.field == "card_type"
    assert "unknown card_type 'spell'" in problem.message


def test_wrong_type(write_catalog: Writer) -> None:
    error = load_problems(write_catalog(lambda s: s["aa1"][0].update(hp="50")))
    (problem,) = error.problems
    assert (problem.card_id, problem.field) == ("aa1-001", "hp")
    assert "valid integer" in problem.message
    assert "(got '50')" in problem.message


def test_out_of_range_value_in_a_nested_field(write_catalog: Writer) -> None:
    def mutate(sets: dict[str, list[dict[str, Any]]]) -> None:
        sets["aa1"][0]["attacks"][0]["damage"] = 510

    error = load_problems(write_catalog(mutate))
    (problem,) = error.problems
    assert (problem.card_id, problem.field) == ("aa1-001", "attacks[0].damage")
    assert "less than or equal to 500" in problem.message


def test_invalid_enum_value(write_catalog: Writer) -> None:
    error = load_problems(write_catalog(lambda s: s["aa1"][0].update(element="plasma")))
    (problem,) = error.problems
    assert problem.field == "element"
    assert "'plasma'" in problem.message


def test_inconsistent_card_explains_itself(write_catalog: Writer) -> None:
    error = load_problems(write_catalog(lambda s: s["aa1"][0].update(evolves_from="Seedy")))
    (problem,) = error.problems
    assert (problem.card_id, problem.field) == ("aa1-001", None)
    assert problem.message == "evolves_from must be null for a basic creature"


def test_card_without_id_is_located_by_position(write_catalog: Writer) -> None:
    error = load_problems(write_catalog(lambda s: s["aa1"][2].pop("id")))
    (problem,) = error.problems
    assert (problem.card_id, problem.field, problem.message) == ("#3", "id", "missing field")


def test_card_that_is_not_an_object(write_catalog: Writer) -> None:
    error = load_problems(write_catalog(lambda s: s["aa1"].append("oops")))
    messages = [str(p) for p in error.problems]
    assert "aa1.json: card #4: expected a card object, got a string" in messages


def test_duplicate_card_id(write_catalog: Writer) -> None:
    def mutate(sets: dict[str, list[dict[str, Any]]]) -> None:
        sets["aa1"].append(copy.deepcopy(sets["aa1"][0]))

    error = load_problems(write_catalog(mutate, counts={"aa1": 4}))
    (problem,) = error.problems
    assert (problem.file, problem.card_id, problem.field) == ("aa1.json", "aa1-001", "id")
    assert problem.message == "duplicate card id, first defined in aa1.json"


def test_evolves_from_a_missing_creature(write_catalog: Writer) -> None:
    error = load_problems(write_catalog(lambda s: s["aa1"][1].update(evolves_from="Nobody")))
    (problem,) = error.problems
    assert (problem.file, problem.card_id, problem.field) == ("aa1.json", "aa1-002", "evolves_from")
    assert "no creature named 'Nobody'" in problem.message


def test_an_invalid_card_is_not_reported_again_through_its_evolutions(
    write_catalog: Writer,
) -> None:
    error = load_problems(write_catalog(lambda s: s["aa1"][0].update(hp=-10)))
    assert [(p.card_id, p.field) for p in error.problems] == [("aa1-001", "hp")]


def test_a_lost_file_is_not_reported_again_through_evolutions(write_catalog: Writer) -> None:
    directory = write_catalog()
    (directory / "aa1.json").write_text("not json")
    error = load_problems(directory)
    assert [p.file for p in error.problems] == ["aa1.json"]


def test_evolves_from_a_creature_of_the_wrong_stage(write_catalog: Writer) -> None:
    error = load_problems(write_catalog(lambda s: s["bb2"][0].update(evolves_from="Seedy")))
    (problem,) = error.problems
    assert (problem.file, problem.card_id, problem.field) == ("bb2.json", "bb2-001", "evolves_from")
    assert "must evolve from a stage_1 creature: 'Seedy' is a basic creature" in problem.message


def test_set_count_mismatch(write_catalog: Writer) -> None:
    error = load_problems(write_catalog(counts={"bb2": 3}))
    (problem,) = error.problems
    assert problem.file == "_index.json"
    assert problem.field == "sets[bb2].card_count"
    assert problem.message == "set 'bb2' declares card_count 3 but bb2.json holds 2 cards"


def test_collector_numbers_follow_the_file_order(write_catalog: Writer) -> None:
    def swap(sets: dict[str, list[dict[str, Any]]]) -> None:
        sets["aa1"][0], sets["aa1"][2] = sets["aa1"][2], sets["aa1"][0]

    messages = [str(p) for p in load_problems(write_catalog(swap)).problems]
    assert messages == [
        "aa1.json: card aa1-003: field number: number 3 but this is card #1 of the file;"
        " collector numbers run 1..3 in file order",
        "aa1.json: card aa1-001: field number: number 1 but this is card #3 of the file;"
        " collector numbers run 1..3 in file order",
    ]


def test_a_gap_in_collector_numbers_is_refused(write_catalog: Writer) -> None:
    def gap(sets: dict[str, list[dict[str, Any]]]) -> None:
        sets["bb2"][1].update(id="bb2-003", number=3, image_path="cards/bb2/003.webp")

    (problem,) = load_problems(write_catalog(gap)).problems
    assert (problem.card_id, problem.field) == ("bb2-003", "number")


def test_card_in_the_wrong_set_file(write_catalog: Writer) -> None:
    def mutate(sets: dict[str, list[dict[str, Any]]]) -> None:
        sets["bb2"][1].update(id="aa1-009", set_id="aa1", number=9)

    error = load_problems(write_catalog(mutate))
    (problem,) = error.problems
    assert (problem.file, problem.card_id, problem.field) == ("bb2.json", "aa1-009", "set_id")


def test_set_file_with_wrong_shape(write_catalog: Writer) -> None:
    directory = write_catalog()
    (directory / "aa1.json").write_text(json.dumps({"set_id": "zz", "cards": {}, "extra": 1}))
    (directory / "bb2.json").write_text("[]")
    messages = [str(p) for p in load_problems(directory).problems]
    assert messages == [
        "aa1.json: field extra: unknown field",
        "aa1.json: field set_id: set_id is 'zz' but _index.json lists this file for set 'aa1'",
        "aa1.json: field cards: expected a list of cards, got an object",
        "bb2.json: expected an object with set_id and cards, got a list",
    ]


def test_invalid_index_entries(write_catalog: Writer) -> None:
    directory = write_catalog()
    index = json.loads((directory / "_index.json").read_text())
    index["sets"].append(dict(index["sets"][0]))
    index["sets"].append(dict(index["sets"][1], id="cc3"))
    index["sets"].append({"id": "dd4", "file": "../etc/passwd"})
    (directory / "_index.json").write_text(json.dumps(index))
    messages = [str(p) for p in load_problems(directory).problems]
    assert "_index.json: field sets[2].id: duplicate set id 'aa1'" in messages
    assert "_index.json: field sets[3].file: file 'bb2.json' is listed twice" in messages
    assert any(
        m.startswith("_index.json: field sets[4].file: String should match") for m in messages
    )
    assert "_index.json: field sets[4].card_count: missing field" in messages


def test_index_without_sets(tmp_path: Path) -> None:
    (tmp_path / "_index.json").write_text(json.dumps({"sets": []}))
    (problem,) = load_problems(tmp_path).problems
    assert (problem.file, problem.field) == ("_index.json", "sets")


def test_every_problem_is_reported_in_one_error(write_catalog: Writer) -> None:
    def mutate(sets: dict[str, list[dict[str, Any]]]) -> None:
        sets["aa1"][0]["hp"] = "lots"
        sets["aa1"][1]["evolves_from"] = "Ghost"
        sets["aa1"][2]["surprise"] = True
        sets["bb2"].append(copy.deepcopy(sets["bb2"][0]))

    error = load_problems(write_catalog(mutate))
    located = [(p.file, p.card_id, p.field) for p in error.problems]
    assert located == [
        ("aa1.json", "aa1-001", "hp"),
        ("aa1.json", "aa1-003", "surprise"),
        ("_index.json", None, "sets[bb2].card_count"),
        ("bb2.json", "bb2-001", "id"),
        ("aa1.json", "aa1-002", "evolves_from"),
    ]
    assert str(error).startswith(
        f"card catalog in {error.directory} failed to load (5 problem(s)):"
    )


def test_the_bundled_catalog_survives_a_round_trip_of_its_own_dump(
    catalog: CardService, tmp_path: Path
) -> None:
    """Loading is a pure function of the files: copying them elsewhere gives the same catalog."""
    for path in CARDS_DIR.glob("*.json"):
        (tmp_path / path.name).write_text(path.read_text())
    assert CardService.load(tmp_path).all_cards() == catalog.all_cards()


def test_constructor_refuses_inconsistent_input(catalog: CardService) -> None:
    card = catalog.get_card("mv1-001")
    with pytest.raises(ValueError, match="unique"):
        CardService(catalog.sets, [card, card])
    with pytest.raises(ValueError, match="not listed: mv1"):
        CardService(catalog.sets[1:], [card])


# ------------------------------------------------------------ shared instance


@pytest.fixture
def restore_instance() -> Any:
    previous = set_card_service(None)
    yield
    set_card_service(previous)


@pytest.mark.usefixtures("restore_instance")
def test_get_card_service_loads_the_configured_catalog_once() -> None:
    first = get_card_service()
    assert len(first) == 372
    assert get_card_service() is first


@pytest.mark.usefixtures("restore_instance")
def test_override_and_restore(write_catalog: Writer) -> None:
    small = CardService.load(write_catalog())
    with override_card_service(small) as active:
        assert active is small
        assert get_card_service() is small
    assert card_service_module._instance is None


@pytest.mark.usefixtures("restore_instance")
def test_init_card_service_loads_eagerly(write_catalog: Writer) -> None:
    service = init_card_service(write_catalog())
    assert get_card_service() is service
    assert len(init_card_service()) == 372


@pytest.mark.usefixtures("restore_instance")
def test_init_card_service_keeps_the_previous_instance_on_bad_data(
    write_catalog: Writer, tmp_path: Path
) -> None:
    good = init_card_service(write_catalog())
    with pytest.raises(CatalogLoadError):
        init_card_service(tmp_path / "missing")
    assert get_card_service() is good
