"""Choices survive a restart: a state saved while an effect waits resumes, from its JSON
alone, exactly as the uninterrupted game does; coins are never flipped twice."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from app.core.game_state import GameState
from tests.engine.effects.table import FIRE_60, GRASS_60, WATER_60, Table

OPP_BENCH_ONE = {"select": "choose", "side": "opponent", "zone": "bench"}


def restart(table: Table) -> None:
    """Replace the table's state by its JSON round trip (what Redis or PostgreSQL give back)."""
    table.state = GameState.model_validate_json(table.state.model_dump_json())
    table.ctx = table.new_ctx(table.ctx.rng)


def snipe_table(steps: list[dict[str, Any]]) -> Table:
    table = Table()
    table.creature(0, table.attacker_with(steps), active=True)
    table.creature(1, GRASS_60, active=True)
    table.creature(1, FIRE_60)
    table.creature(1, WATER_60)
    return table


def test_a_restored_state_resumes_like_the_original() -> None:
    steps: list[dict[str, Any]] = [
        {"kind": "damage", "target": OPP_BENCH_ONE, "amount": {"value": 20}},
        {"kind": "self_damage", "amount": 10},
    ]
    original, restored = snipe_table(steps), snipe_table(steps)
    for table in (original, restored):
        table.attack()
    restart(restored)
    for table in (original, restored):
        choice = table.state.pending_choice
        assert choice is not None
        finished = table.answer(choice.options[1])
        assert finished is not None
        assert finished.main_damage_done
    assert original.state.model_dump(exclude={"game_id", "players"}) == restored.state.model_dump(
        exclude={"game_id", "players"}
    )
    for seat in (0, 1):
        mine, theirs = asdict(original.state.players[seat]), asdict(restored.state.players[seat])
        del mine["user_id"], theirs["user_id"]
        assert mine == theirs
    bench = restored.state.players[1].bench
    assert [c.damage for c in bench] == [0, 20]
    attacker = restored.state.players[0].active
    assert attacker is not None
    assert attacker.damage == 10, "the steps after the choice ran once"


def test_a_branch_resumed_after_a_choice_does_not_flip_again() -> None:
    table = snipe_table(
        [
            {
                "kind": "coin_flip",
                "on_heads": [
                    {"kind": "damage", "target": OPP_BENCH_ONE, "amount": {"value": 20}},
                ],
            },
            {"kind": "draw", "count": {"value": 1}},
        ]
    )
    table.put(0, "deck", FIRE_60)
    table.coins(True)
    table.attack()
    restart(table)
    choice = table.state.pending_choice
    assert choice is not None
    assert choice.continuation.step_path == [0, 0, 0]
    table.coins(False)
    table.answer(choice.options[0])
    assert len(table.events("coin_flipped")) == 0, "the restored flip is recalled"
    assert table.state.players[1].bench[0].damage == 20
    assert table.ids(0, "hand") == [FIRE_60], "the step after the branch ran"


def test_two_decisions_of_one_step_survive_a_restart_between_them() -> None:
    table = Table()
    item = table.item_with([{"kind": "look_top", "count": 3, "pick": 1, "rest": "bottom"}])
    table.put(0, "deck", GRASS_60, FIRE_60, WATER_60, "mv1-157")
    table.play(item)
    restart(table)
    choice = table.state.pending_choice
    assert choice is not None
    top = choice.options[0]
    table.answer(top)
    restart(table)
    order = table.state.pending_choice
    assert order is not None
    assert order.kind == "order"
    assert top not in order.options
    table.answer(*order.options)
    player = table.state.players[0]
    assert [c.instance_id for c in player.hand] == [top]
    assert [c.instance_id for c in player.deck][:2] == list(reversed(order.options))
    assert len(player.deck) == 3
