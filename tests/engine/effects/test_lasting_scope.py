"""Every lasting effect of the catalog reaches exactly the creatures its step names, and
only while its condition holds (issue 16, point 3).

A lasting effect put on a creature (``target``) reaches that creature; one put on a
side (no ``target``) reaches what its modifier's scope names, read from the side that
made it, and its condition is checked each time the rules read it. The expected
creatures are worked out here from the card data alone, not from the engine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from app.core.game_state import CardInstance, PlayerIndex
from app.engine import combat
from app.engine.modifiers import in_force
from tests.engine.effects.table import GRASS_60, WATER_60, Table, catalog

Board = dict[str, CardInstance]

_BY_SCOPE = {
    "holder": {"own_active", "own_bench"},
    "all_own": {"own_active", "own_bench"},
    "own_active": {"own_active"},
    "own_bench": {"own_bench"},
    "opponent_active": {"opp_active"},
    "all_in_play": {"own_active", "own_bench", "opp_active", "opp_bench"},
}
"""Creatures a side-wide effect made by seat 0 reaches, by scope kind."""

_BY_TARGET = {
    ("source", None, None): {"own_active"},
    ("all", "opponent", "active"): {"opp_active"},
}
"""Creatures a targeted effect made by seat 0's Front attacker reaches, by target."""


def _set_target_damaged(board: Board, holds: bool) -> None:
    board["opp_active"].damage = 10 if holds else 0


_CONDITIONS: dict[str, Callable[[Board, bool], None]] = {"target_damaged": _set_target_damaged}
"""How to make each condition a catalog lasting effect uses hold (True) or fail (False)."""


def _steps(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if node.get("kind") == "add_lasting":
            yield node
        for value in node.values():
            yield from _steps(value)
    elif isinstance(node, list):
        for value in node:
            yield from _steps(value)


def catalog_lasting_steps() -> list[tuple[str, dict[str, Any]]]:
    """Every distinct ``add_lasting`` step of the catalog, with a card that prints it."""
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    for card_id, card in sorted(catalog().items()):
        if card_id.startswith(("tst-", "zz-")):
            continue
        for step in _steps(card.model_dump(mode="json", exclude_none=True)):
            key = repr(sorted(step.items()))
            found.setdefault(key, (card_id, step))
    return sorted(found.values(), key=lambda item: item[0])


STEPS = catalog_lasting_steps()


def test_the_catalog_has_side_wide_lasting_effects_with_scope_and_condition() -> None:
    side_wide = [step for _, step in STEPS if "target" not in step]
    assert any(step["modifier"].get("scope") for step in side_wide)
    assert any(step["modifier"].get("condition") for step in side_wide)


def _expected(step: dict[str, Any]) -> set[str]:
    modifier = step["modifier"]
    assert modifier.get("scope", {}).get("element") is None, "add a creature of that element"
    if "target" in step:
        target = step["target"]
        key = (target["select"], target.get("side"), target.get("zone"))
        assert key in _BY_TARGET, f"teach this test the target {step['target']}"
        return _BY_TARGET[key]
    return _BY_SCOPE[modifier.get("scope", {}).get("kind", "holder")]


def _made(step: dict[str, Any]) -> tuple[Table, Board]:
    """Seat 0's Front attacker runs the step (seat 0 made it); one creature in each place."""
    table = Table()
    board = {
        "own_active": table.creature(0, table.attacker_with([step], damage=0), active=True),
        "own_bench": table.creature(0, GRASS_60),
        "opp_active": table.creature(1, WATER_60, active=True),
        "opp_bench": table.creature(1, GRASS_60),
    }
    table.attack()
    assert len(table.state.lasting_effects) == 1
    return table, board


def _reached(table: Table, board: Board, kind: str) -> set[str]:
    seats: dict[str, PlayerIndex] = {
        "own_active": 0,
        "own_bench": 0,
        "opp_active": 1,
        "opp_bench": 1,
    }
    return {
        place
        for place, creature in board.items()
        if any(in_force(table.state, table.index, seats[place], creature, kind))
    }


@pytest.mark.parametrize(
    ("card_id", "step"), STEPS, ids=[f"{c}-{i}" for i, (c, _) in enumerate(STEPS)]
)
def test_every_catalog_lasting_effect_reaches_its_scope_while_its_condition_holds(
    card_id: str, step: dict[str, Any]
) -> None:
    table, board = _made(step)
    modifier = step["modifier"]
    expected = _expected(step)
    condition = modifier.get("condition")
    if condition is None:
        assert _reached(table, board, modifier["kind"]) == expected, card_id
        return
    assert condition["kind"] in _CONDITIONS, f"teach this test the condition {condition}"
    _CONDITIONS[condition["kind"]](board, True)
    assert _reached(table, board, modifier["kind"]) == expected, f"{card_id}: condition holds"
    _CONDITIONS[condition["kind"]](board, False)
    assert _reached(table, board, modifier["kind"]) == set(), f"{card_id}: condition fails"


def _front(table: Table, seat: PlayerIndex) -> CardInstance:
    creature = table.state.players[seat].active
    assert creature is not None
    return creature


def test_shieldwright_tove_shields_the_bench_and_takes_10_off_the_front() -> None:
    table = Table()
    table.creature(0, GRASS_60, active=True)
    benched = table.creature(0, GRASS_60)
    table.creature(1, GRASS_60, active=True)
    table.play("mv2-116")
    front = _front(table, 0)
    # Brookhound's Undertow (40) on the Front: 30, not 0 (the bench-only prevention).
    assert combat.modified_damage(table.ctx, 1, _front(table, 1), front, 40) == 30
    assert any(in_force(table.state, table.index, 0, benched, "prevent_damage"))
    assert not any(in_force(table.state, table.index, 0, front, "prevent_damage"))


@pytest.mark.parametrize(("damaged", "expected"), [(False, 20), (True, 50)])
def test_smith_dagny_adds_30_only_against_a_damaged_front(damaged: bool, expected: int) -> None:
    table = Table()
    table.creature(0, GRASS_60, active=True)
    table.creature(1, GRASS_60, active=True, damage=10 if damaged else 0)
    table.play("mv1-140")
    assert combat.modified_damage(table.ctx, 0, _front(table, 0), _front(table, 1), 20) == expected
