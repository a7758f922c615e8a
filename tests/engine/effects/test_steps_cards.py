"""Card steps on hand-built tables: draw, search, look, arrange, recover, reveal, stadium."""

from __future__ import annotations

from app.core.cards import EnergyType
from tests.engine.effects.table import ENERGY, FIRE_60, GRASS_60, WATER_60, Table

FIRE, WATER = ENERGY[EnergyType.FIRE], ENERGY[EnergyType.WATER]
SWAP_ROPE, HOMING_BELL, EMBER_QUARRY = "mv1-128", "mv1-134", "mv1-148"


def test_draw_counts_and_stops_at_an_empty_deck() -> None:
    table = Table()
    item = table.item_with(
        [
            {"kind": "draw", "count": {"value": 3}},
            {"kind": "draw", "player": "opponent", "count": {"value": 1}},
        ]
    )
    table.put(0, "deck", FIRE, WATER)
    table.put(1, "deck", FIRE)
    table.play(item)
    assert table.ids(0, "hand") == [WATER, FIRE]
    assert table.ids(1, "hand") == [FIRE]


def test_draw_to_hand_size_and_shuffle_hand_and_draw() -> None:
    table = Table()
    item = table.item_with([{"kind": "draw_to_hand_size", "size": 3}])
    table.put(0, "hand", FIRE)
    table.put(0, "deck", *[WATER] * 5)
    table.play(item)
    assert len(table.state.players[0].hand) == 3

    table = Table()
    item = table.item_with([{"kind": "shuffle_hand_and_draw", "count": 2}])
    table.put(0, "hand", FIRE, FIRE, FIRE)
    table.put(0, "deck", WATER)
    table.play(item)
    player = table.state.players[0]
    assert len(player.hand) == 2
    assert len(player.deck) == 2
    assert table.events("deck_shuffled")


def test_put_from_hand_to_the_discard_or_the_bottom_of_the_deck() -> None:
    table = Table()
    item = table.item_with([{"kind": "put_from_hand", "min_count": 0, "max_count": 2}])
    fire, _water, grass = table.put(0, "hand", FIRE, WATER, GRASS_60)
    table.play(item)
    choice = table.state.pending_choice
    assert choice is not None
    assert (choice.min_count, choice.max_count) == (0, 2)
    table.answer(fire.instance_id, grass.instance_id)
    assert table.ids(0, "hand") == [WATER]
    assert {FIRE, GRASS_60} <= set(table.ids(0, "discard"))

    table = Table()
    item = table.item_with([{"kind": "put_from_hand", "to": "deck_bottom"}])
    table.put(0, "deck", WATER)
    (card,) = table.put(0, "hand", FIRE)
    table.play(item)
    choice = table.state.pending_choice
    assert choice is not None, "asked even with one card: the hand is hidden"
    table.answer(card.instance_id)
    assert table.ids(0, "deck") == [FIRE, WATER], "the bottom is the start of the list"


def test_search_deck_to_hand_and_to_bench() -> None:
    table = Table()
    item = table.item_with(
        [
            {
                "kind": "search_deck",
                "filter": {"card_types": ["trainer"], "trainer_subtypes": ["tool"]},
            }
        ]
    )
    table.put(0, "deck", FIRE, HOMING_BELL, SWAP_ROPE, WATER)
    table.play(item)
    assert table.ids(0, "hand") == [HOMING_BELL], "one match: taken without a choice"
    assert table.events("deck_shuffled")

    table = Table()
    item = table.item_with(
        [
            {
                "kind": "search_deck",
                "filter": {"card_types": ["creature"], "stages": ["basic"]},
                "count": 2,
                "to": "bench",
            }
        ]
    )
    table.creature(0, WATER_60, active=True)
    table.put(0, "deck", FIRE_60, GRASS_60, FIRE)
    table.play(item)
    choice = table.state.pending_choice
    assert choice is not None
    assert (choice.min_count, choice.max_count) == (1, 2)
    table.answer(*choice.options)
    bench = table.state.players[0].bench
    assert sorted(c.definition_id for c in bench) == sorted([FIRE_60, GRASS_60])
    assert all(c.turn_played == table.state.turn_number for c in bench)


def test_look_top_pick_and_shuffle_or_order_the_rest_to_the_bottom() -> None:
    table = Table()
    item = table.item_with(
        [{"kind": "look_top", "count": 3, "pick": 1, "must_pick": True, "rest": "shuffle"}]
    )
    table.put(0, "deck", GRASS_60, FIRE, WATER, FIRE_60)
    table.play(item)
    choice = table.state.pending_choice
    assert choice is not None
    assert len(choice.revealed) == 3
    assert GRASS_60 not in [
        c.definition_id for c in table.state.players[0].deck if c.instance_id in choice.revealed
    ]
    table.answer(choice.options[0])
    assert table.ids(0, "hand") == [FIRE_60]

    table = Table()
    item = table.item_with([{"kind": "look_top", "count": 3, "pick": 1, "rest": "bottom"}])
    bottom, low, middle, top = table.put(0, "deck", GRASS_60, FIRE, WATER, FIRE_60)
    table.play(item)
    table.answer(top.instance_id)
    choice = table.state.pending_choice
    assert choice is not None
    assert choice.kind == "order"
    table.answer(low.instance_id, middle.instance_id)
    assert [c.instance_id for c in table.state.players[0].deck] == [
        middle.instance_id,
        low.instance_id,
        bottom.instance_id,
    ]


def test_a_look_at_the_top_asks_even_when_the_cards_leave_nothing_to_decide() -> None:
    """Everyone sees whether a choice is pending, so it must not depend on the hidden cards.

    Identical cards on top (one distinct option), no card the filter takes, identical
    cards to order: each is still a choice, as it is for cards that differ.
    """
    table = Table()
    item = table.item_with(
        [{"kind": "look_top", "count": 3, "pick": 1, "must_pick": True, "rest": "bottom"}]
    )
    table.put(0, "deck", GRASS_60, FIRE, FIRE, FIRE)
    table.play(item)
    choice = table.state.pending_choice
    assert choice is not None
    assert choice.kind == "look_top"
    assert len(choice.options) == 1
    assert len(choice.revealed) == 3
    table.answer(choice.options[0])
    choice = table.state.pending_choice
    assert choice is not None
    assert choice.kind == "order"
    table.answer(*choice.options)
    assert table.ids(0, "hand") == [FIRE]

    table = Table()
    item = table.item_with(
        [
            {
                "kind": "look_top",
                "count": 2,
                "pick": 1,
                "filter": {"card_types": ["creature"]},
                "rest": "shuffle",
            }
        ]
    )
    table.put(0, "deck", GRASS_60, FIRE, WATER)
    table.play(item)
    choice = table.state.pending_choice
    assert choice is not None
    assert choice.options == []
    assert choice.max_count == 0
    table.answer()
    assert table.ids(0, "hand") == []

    table = Table()
    item = table.item_with([{"kind": "arrange_top", "player": "opponent", "count": 2}])
    table.put(1, "deck", GRASS_60, FIRE, FIRE)
    table.play(item)
    choice = table.state.pending_choice
    assert choice is not None
    assert choice.kind == "order"


def test_arrange_top_of_the_opponents_deck() -> None:
    table = Table()
    item = table.item_with([{"kind": "arrange_top", "player": "opponent", "count": 3}])
    cards = table.put(1, "deck", GRASS_60, FIRE, WATER, FIRE_60)
    table.play(item)
    choice = table.state.pending_choice
    assert choice is not None
    assert choice.player == 0
    new_order = [cards[1].instance_id, cards[3].instance_id, cards[2].instance_id]
    table.answer(*new_order)
    deck = [c.instance_id for c in table.state.players[1].deck]
    assert deck[0] == cards[0].instance_id
    assert list(reversed(deck[1:])) == new_order


def test_recover_from_discard_to_hand_or_deck() -> None:
    table = Table()
    item = table.item_with(
        [
            {
                "kind": "recover_from_discard",
                "filter": {"card_types": ["energy"], "energy_kinds": ["basic"]},
                "count": 2,
            }
        ]
    )
    table.put(0, "discard", FIRE, GRASS_60, "mv1-154", WATER)
    table.play(item)
    choice = table.state.pending_choice
    assert choice is not None
    assert len(choice.options) == 2
    table.answer(*choice.options)
    assert sorted(table.ids(0, "hand")) == sorted([FIRE, WATER])

    table = Table()
    item = table.item_with([{"kind": "recover_from_discard", "count": 3, "to": "deck"}])
    table.put(0, "discard", FIRE)
    table.play(item)
    assert table.ids(0, "deck") == [FIRE]
    assert table.ids(0, "discard") == [table.state.players[0].discard[0].definition_id]


def test_reveal_hand_and_discard_stadium() -> None:
    table = Table()
    item = table.item_with([{"kind": "reveal_hand"}, {"kind": "discard_stadium"}])
    table.put(1, "hand", FIRE, WATER)
    stadium = table.stadium(EMBER_QUARRY, owner=1)
    table.play(item)
    assert table.events("hand_revealed") == [{"to": 0, "cards": [FIRE, WATER]}]
    assert table.state.stadium is None
    assert table.state.players[1].discard[-1].instance_id == stadium.instance_id
    table.valid()
