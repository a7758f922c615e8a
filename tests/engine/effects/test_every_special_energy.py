"""Every special energy card does something the engine carries out: its triggers and
modifiers are run by `test_every_card` and `test_every_modifier`; here, what it provides
(several energy, any type) and where it may be attached."""

from __future__ import annotations

import pytest

from app.core.cards import EnergyCard, EnergyKind, EnergyType
from app.engine import ActionKind, legal_actions, query
from tests.engine.effects.catalog_items import STAGE_1
from tests.engine.effects.table import FIRE_60, GRASS_60, Table, catalog

SPECIALS = [
    card
    for card in catalog().values()
    if isinstance(card, EnergyCard) and card.energy_kind is EnergyKind.SPECIAL
]


def _attach_targets(energy_id: str) -> tuple[Table, set[str], str, str]:
    """Player 0 holds `energy_id` with a basic and a stage 1 in play: legal attach targets."""
    table = Table()
    for player in table.state.players:
        player.setup_done = True
    basic = table.creature(0, GRASS_60, active=True)
    evolved = table.creature(0, STAGE_1)
    table.creature(1, FIRE_60, active=True)
    table.put(0, "deck", FIRE_60)
    table.put(1, "deck", FIRE_60)
    (card,) = table.put(0, "hand", energy_id)
    targets = {
        action.target or ""
        for action in legal_actions(table.state, table.cards)
        if action.kind is ActionKind.ATTACH_ENERGY and action.card == card.instance_id
    }
    return table, targets, basic.instance_id, evolved.instance_id


@pytest.mark.parametrize("energy", SPECIALS, ids=lambda card: card.id)
def test_every_special_energy_has_an_observable_effect(energy: EnergyCard) -> None:
    checked = 0
    if energy.triggers or energy.modifiers:
        checked += 1  # run in test_every_card / test_every_modifier
    if energy.provides != (energy.energy_type,) or energy.provides_any_type:
        table = Table()
        creature = table.creature(0, GRASS_60, active=True, energy=[energy.id])
        units = query.units_of(table.index, creature)
        assert len(units) == len(energy.provides)
        if energy.provides_any_type:
            for element in EnergyType:
                if element is not EnergyType.COLORLESS:
                    assert query.can_pay(units, (element,)), element
        checked += 1
    if energy.attach_requirement is not None:
        _, targets, basic, evolved = _attach_targets(energy.id)
        assert evolved in targets
        assert basic not in targets, "the requirement keeps it off a basic creature"
        checked += 1
    assert checked, f"{energy.id} has no effect the engine carries out"


def test_every_special_energy_is_listed() -> None:
    assert {card.id for card in SPECIALS} >= {"mv1-153", "mv1-154", "mv1-155", "mv2-124"}
