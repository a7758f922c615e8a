"""Knockout triggers inside a real knockout: Test Homing Bell returns the creature to the hand
instead of the discard pile (and the knockout still scores); Lingering Grudge hurts the
attacker."""

from __future__ import annotations

from app.core.game_state import TurnPhase
from app.engine import knockout
from tests.engine.effects.table import FIRE_60, GRASS_60, Table

HOMING_BELL, MURKMONARCH = "tst-007", "mv1-084"


def test_homing_bell_takes_the_knocked_out_creature_home() -> None:
    table = Table()
    table.creature(0, GRASS_60, active=True)
    victim = table.creature(
        1, FIRE_60, active=True, damage=60, tool=HOMING_BELL, energy=["mv1-157"]
    )
    table.creature(1, GRASS_60)
    knockout.resolve(table.ctx)
    assert table.ids(1, "hand") == [FIRE_60]
    assert sorted(table.ids(1, "discard")) == sorted([HOMING_BELL, "mv1-157"])
    assert table.state.players[0].points == 1
    assert victim.instance_id in {c.instance_id for c in table.state.players[1].hand}
    table.valid()


def test_lingering_grudge_puts_counters_on_the_attacker() -> None:
    table = Table()
    table.state.phase = TurnPhase.ATTACK
    attacker = table.creature(0, GRASS_60, active=True)
    table.ctx.attacker = attacker.instance_id
    table.creature(1, MURKMONARCH, active=True, damage=500)
    table.creature(1, GRASS_60)
    knockout.resolve(table.ctx)
    assert attacker.damage == 30
