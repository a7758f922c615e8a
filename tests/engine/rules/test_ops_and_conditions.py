"""State primitives for the executor, modifier conditions and scopes, choice lists, deck fitting."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from app.core.cards import CARD_DEFINITION_ADAPTER, CardDefinition
from app.core.decks import DeckList
from app.core.game_state import (
    ChoiceSource,
    Continuation,
    GameState,
    PendingChoice,
    StatusCondition,
)
from app.core.rules import RulesConfig
from app.engine import adapt_deck, ops
from app.engine.context import Ctx
from app.engine.errors import EngineError
from app.engine.index import index_for
from app.engine.legal import choice_actions
from app.engine.modifiers import in_force
from app.engine.rng import Rng
from tests.engine.builders import (
    CINDERCUB,
    FERNCLAW,
    FIRE,
    GRASS,
    MOSSNIP,
    NOW,
    ZAPKIT,
    catalog,
    make_state,
)


def _ctx(state: GameState, cards: Mapping[str, CardDefinition] | None = None) -> Ctx:
    return Ctx(state, index_for(cards or catalog()), Rng(state.rng_seed, state.version), NOW)


def test_zone_moves_keep_every_card_in_one_place() -> None:
    state = make_state(
        p0={
            "active": (MOSSNIP, {"energy": [GRASS, FIRE], "tool": "mv1-132", "damage": 30}),
            "bench": [(FERNCLAW, {"energy": [GRASS]})],
            "hand": [ZAPKIT],
        }
    )
    ctx = _ctx(state)
    player = state.players[0]
    active, benched = player.active, player.bench[0]
    assert active is not None
    assert ops.locate(ctx, "p0-005") == (0, benched)
    assert ops.locate(ctx, "nope") is None
    assert ops.heal(ctx, 0, active, 50) == 30
    assert ops.heal(ctx, 0, active, 10) == 0
    ops.place_counters(ctx, 0, active, 2)
    assert active.damage == 20
    ops.move_energy(ctx, 0, active, benched, "p0-002")
    assert [e.instance_id for e in benched.attached_energy] == ["p0-006", "p0-002"]
    with pytest.raises(EngineError, match="not attached"):
        ops.move_energy(ctx, 0, active, benched, "p0-002")
    with pytest.raises(EngineError, match="not attached"):
        ops.discard_energy(ctx, 0, active, "p0-002")
    ops.return_to_hand(ctx, 0, active)
    assert player.active is None
    assert sorted(c.instance_id for c in player.hand) == ["p0-001", "p0-007"]
    assert sorted(c.instance_id for c in player.discard) == ["p0-003", "p0-004"]
    ops.return_to_hand(ctx, 0, benched)
    assert player.bench == []
    ops.discard_from_hand(ctx, 0, "p0-007")
    with pytest.raises(EngineError, match="not in the expected zone"):
        ops.take(player.hand, "p0-007")
    assert ops.draw(ctx, 0, 100) == 10
    assert ops.draw(ctx, 0, 1) == 0


def test_statuses_replace_each_other_except_poison_and_burn() -> None:
    state = make_state()
    ctx = _ctx(state)
    creature = state.players[1].active
    assert creature is not None
    for status in ("poisoned", "asleep", "burned", "confused", "paralyzed"):
        ops.add_status(ctx, 1, creature, StatusCondition(status))
    assert creature.status_conditions == ["poisoned", "burned", "paralyzed"]
    ops.remove_status(ctx, 1, creature, StatusCondition.ASLEEP)
    assert len(creature.status_conditions) == 3


def test_promote_and_choices_refuse_what_cannot_be() -> None:
    state = make_state(p0={"active": MOSSNIP, "bench": [ZAPKIT]})
    ctx = _ctx(state)
    with pytest.raises(EngineError, match="already has an active"):
        ops.promote(ctx, 0, "p0-002")
    choice = PendingChoice(
        player=0,
        kind="target",
        options=["a", "b"],
        min_count=1,
        max_count=1,
        continuation=Continuation(source_kind=ChoiceSource.ATTACK),
    )
    ops.request_choice(ctx, choice)
    with pytest.raises(EngineError, match="already pending"):
        ops.request_choice(ctx, choice)
    with pytest.raises(ValueError, match="exceeds max_count"):
        PendingChoice(
            player=0,
            kind="x",
            options=["a"],
            min_count=2,
            max_count=1,
            continuation=choice.continuation,
        )
    with pytest.raises(ValueError, match="exceeds the 1 options"):
        PendingChoice(
            player=0,
            kind="x",
            options=["a"],
            min_count=2,
            max_count=2,
            continuation=choice.continuation,
        )


def test_choice_enumeration_lists_all_small_subsets_and_windows_of_large_ones() -> None:
    def choice(n: int, low: int, high: int) -> PendingChoice:
        return PendingChoice(
            player=0,
            kind="x",
            options=[f"o{i}" for i in range(n)],
            min_count=low,
            max_count=high,
            continuation=Continuation(source_kind=ChoiceSource.RULE),
        )

    assert len(choice_actions(choice(4, 0, 2))) == 1 + 4 + 6
    big = choice_actions(choice(12, 1, 3))
    assert {a.choice for a in big if len(a.choice) == 1} == {(f"o{i}",) for i in range(12)}
    assert len(big) == 12 * 3
    assert ("o11", "o0") in {a.choice for a in big}
    with_empty = choice_actions(choice(12, 0, 6))
    assert () in {a.choice for a in with_empty}


def _tool(modifier: dict[str, Any], number: int = 990) -> CardDefinition:
    return CARD_DEFINITION_ADAPTER.validate_python(
        {
            "id": f"mv1-{number}",
            "name": f"Test Tool {number}",
            "card_type": "trainer",
            "set_id": "mv1",
            "number": number,
            "rarity": "common",
            "illustrator": "Test",
            "image_path": "cards/test.webp",
            "trainer_subtype": "tool",
            "text": "A tool for tests.",
            "modifiers": [modifier],
        }
    )


@pytest.mark.parametrize(
    ("condition", "holds_when", "fails_when"),
    [
        ({"kind": "own_bench_empty"}, {}, {"bench": [ZAPKIT]}),
        ({"kind": "not_first_turn"}, {}, {"turns_taken": 1}),
        ({"kind": "target_damaged"}, {"damaged_foe": True}, {}),
        (
            {
                "kind": "creature_in_play",
                "side": "own",
                "zone": "bench",
                "filter": {"element": "lightning"},
            },
            {"bench": [ZAPKIT]},
            {"bench": [MOSSNIP]},
        ),
        ({"kind": "creature_in_play", "side": "opponent", "zone": "active"}, {}, {"no_foe": True}),
        (
            {"kind": "creature_in_play", "side": "own", "zone": "in_play", "count": 2},
            {"bench": [ZAPKIT]},
            {},
        ),
    ],
)
def test_modifier_conditions(
    condition: dict[str, Any], holds_when: dict[str, Any], fails_when: dict[str, Any]
) -> None:
    tool = _tool({"kind": "hp", "amount": 20, "condition": condition})
    cards = {**catalog(), tool.id: tool}

    def amount(setup: dict[str, Any]) -> int:
        foe: dict[str, Any] = {
            "active": (CINDERCUB, {"damage": 10 if setup.get("damaged_foe") else 0})
        }
        if setup.get("no_foe"):
            foe = {"active": None, "bench": [CINDERCUB]}
        state = make_state(
            p0={
                "active": (MOSSNIP, {"tool": tool.id}),
                "bench": setup.get("bench", []),
                "turns_taken": setup.get("turns_taken", 3),
            },
            p1=foe,
        )
        holder = state.players[0].active
        assert holder is not None
        ctx = _ctx(state, cards)
        return sum(m["amount"] for m in in_force(state, ctx.index, 0, holder, "hp"))

    assert amount(holds_when) == 20
    assert amount(fails_when) == 0


@pytest.mark.parametrize(
    ("scope", "on_active", "on_bench", "on_foe"),
    [
        ({"kind": "own_bench"}, 0, 20, 0),
        ({"kind": "all_own"}, 20, 20, 0),
        ({"kind": "all_in_play"}, 20, 20, 20),
        ({"kind": "all_in_play", "element": "fire"}, 0, 0, 20),
        ({"kind": "opponent_active"}, 0, 0, 20),
    ],
)
def test_modifier_scopes(scope: dict[str, Any], on_active: int, on_bench: int, on_foe: int) -> None:
    tool = _tool({"kind": "hp", "amount": 20, "scope": scope}, number=991)
    cards = {**catalog(), tool.id: tool}
    state = make_state(
        p0={"active": (MOSSNIP, {"tool": tool.id}), "bench": [ZAPKIT]}, p1={"active": CINDERCUB}
    )
    ctx = _ctx(state, cards)
    me, them = state.players
    assert me.active is not None
    assert them.active is not None

    def hp(seat: int, creature: Any) -> int:
        return sum(m["amount"] for m in in_force(state, ctx.index, seat, creature, "hp"))  # type: ignore[arg-type]

    assert (hp(0, me.active), hp(0, me.bench[0]), hp(1, them.active)) == (
        on_active,
        on_bench,
        on_foe,
    )


def test_adapt_deck_pads_trims_and_keeps_evolution_lines() -> None:
    cards = catalog()
    classic = RulesConfig.preset("classic")
    short = adapt_deck(DeckList(main={MOSSNIP: 4, FERNCLAW: 2}, energy={GRASS: 10}), classic, cards)
    assert sum(short.main.values()) == 60
    assert short.main[GRASS] == 54
    long = adapt_deck(DeckList(main={MOSSNIP: 4, FERNCLAW: 4}, energy={GRASS: 60}), classic, cards)
    assert sum(long.main.values()) == 60
    pocket = RulesConfig.preset("pocket")
    orphan = adapt_deck(
        DeckList(main={FERNCLAW: 4, MOSSNIP: 1, ZAPKIT: 30}, energy={GRASS: 20}), pocket, cards
    )
    assert orphan.main == {MOSSNIP: 1, FERNCLAW: 2, ZAPKIT: 2}
    assert orphan.zone_types == ["grass"]
    no_energy = adapt_deck(DeckList(main={ZAPKIT: 20}), pocket, cards)
    assert no_energy.zone_types == ["lightning"]
    mantimon = RulesConfig.preset("mantimon")
    mixed = adapt_deck(DeckList(main={MOSSNIP: 30, GRASS: 10}, energy={}), mantimon, cards)
    assert mixed.main == {MOSSNIP: 4}
    assert mixed.energy == {GRASS: 20}
