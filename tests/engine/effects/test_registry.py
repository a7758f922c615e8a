"""The registry is closed: every step kind of the vocabulary has a handler and no handler
is without a kind; every kind the catalog uses is among them."""

from __future__ import annotations

import typing

from app.core.cards import CreatureCard, EnergyCard, TrainerCard
from app.core.effects import Step, walk_steps
from app.engine.effects import HANDLERS
from app.engine.effects.registry import check_registry, step_kinds
from tests.engine.effects.table import catalog


def test_every_step_kind_has_a_handler_and_every_handler_a_kind() -> None:
    missing, extra = check_registry()
    assert missing == frozenset(), f"step kinds without a handler: {sorted(missing)}"
    assert extra == frozenset(), f"handlers without a step kind: {sorted(extra)}"
    assert len(HANDLERS) == len(typing.get_args(typing.get_args(Step)[0]))


def test_the_check_would_catch_a_missing_handler() -> None:
    handler = HANDLERS.pop("draw")
    try:
        assert check_registry()[0] == frozenset({"draw"})
        HANDLERS["not_a_step"] = handler
        assert check_registry()[1] == frozenset({"not_a_step"})
    finally:
        HANDLERS.pop("not_a_step", None)
        HANDLERS["draw"] = handler


def test_every_step_in_the_catalog_has_a_handler() -> None:
    used: set[str] = set()
    for card in catalog().values():
        tuples = []
        if isinstance(card, CreatureCard):
            tuples += [a.effects for a in card.attacks] + [a.steps for a in card.abilities]
        elif isinstance(card, TrainerCard):
            tuples += [card.effects, *(t.steps for t in card.triggers)]
        elif isinstance(card, EnergyCard):
            tuples += [t.steps for t in card.triggers]
        for steps in tuples:
            used.update(step.kind for step in walk_steps(steps))
    assert used <= step_kinds()
    assert used <= set(HANDLERS)
