"""Every effect printed in the catalog runs, and does what its step kinds promise.

For each printed tuple of steps (`catalog_items.step_items`: 200+ attacks, abilities,
trainers, tool, stadium and special-energy triggers) the effect runs on a rich board
with loaded coins, every choice answered, and then:
- every step that could run did run (all of them with heads, minus a coin's other
  branch; the tails branches run in a second pass), and
- each step left its mark: the event its kind promises (``drew``, ``healed``,
  ``energy_attached``...) or, for damage-shaping steps, a different attack damage;
- the state still validates (every card in exactly one place) after a JSON round trip.
A spy around the registry records which steps ran and what each emitted; it calls the
real handlers, so nothing is simulated.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest

from app.core.cards import CreatureCard, TrainerCard
from app.core.effects import CoinFlip, CreatureInPlay, Step
from app.core.game_state import ChoiceSource, TurnPhase
from app.engine.context import Ctx
from app.engine.effects import EXECUTOR, HANDLERS
from app.engine.effects.runtime import Exec, Handler, is_pre_damage
from app.engine.events import Event
from app.engine.hooks import EffectRun
from tests.engine.effects.catalog_items import StepItem, holder_of, rich_table, step_items
from tests.engine.effects.table import FIRE_60, GRASS_60, Table, catalog

PROMISES: dict[str, frozenset[str]] = {
    "coin_flip": frozenset({"coin_flipped"}),
    "apply_status": frozenset({"status_added", "status_blocked"}),
    "heal": frozenset({"healed"}),
    "damage": frozenset({"damaged", "damage_prevented"}),
    "place_counters": frozenset({"counters_placed"}),
    "self_damage": frozenset({"damaged"}),
    "switch": frozenset({"switched", "switch_prevented"}),
    "return_to_hand": frozenset({"returned_to_hand"}),
    "evolve_from_hand": frozenset({"evolved"}),
    "attach_energy": frozenset({"energy_attached"}),
    "discard_energy": frozenset({"energy_discarded"}),
    "move_energy": frozenset({"energy_moved"}),
    "draw": frozenset({"drew"}),
    "draw_to_hand_size": frozenset({"drew"}),
    "shuffle_hand_and_draw": frozenset({"drew"}),
    "put_from_hand": frozenset({"discarded", "put_on_deck_bottom"}),
    "search_deck": frozenset({"searched"}),
    "look_top": frozenset({"took_from_top"}),
    "arrange_top": frozenset({"top_seen"}),
    "recover_from_discard": frozenset({"recovered"}),
    "reveal_hand": frozenset({"hand_revealed"}),
    "discard_stadium": frozenset({"stadium_discarded"}),
    "add_lasting": frozenset({"lasting_added"}),
}
"""The event each step kind promises when it has something to act on."""

ITEMS = step_items()


@dataclass
class Ran:
    """What one printed step did across its handler calls (a stop on a choice and a resume)."""

    step: Step
    events: list[Event] = field(default_factory=list)
    damage_changed: bool = False
    done: bool = False


@contextmanager
def spying() -> Iterator[dict[int, Ran]]:
    """Record every handler call (keyed by the printed step's identity)."""
    record: dict[int, Ran] = {}
    originals = dict(HANDLERS)

    def wrap(handler: Handler) -> Handler:
        def spy(ctx: Ctx, ex: Exec, step: Any) -> bool:
            ran = record.setdefault(id(step), Ran(step))
            start, before = len(ctx.events), ex.run.damage
            done = handler(ctx, ex, step)
            ran.events.extend(ctx.events[start:])
            ran.damage_changed |= ex.run.damage != before
            ran.done |= done
            return done

        return spy

    HANDLERS.update({kind: wrap(handler) for kind, handler in originals.items()})
    try:
        yield record
    finally:
        HANDLERS.update(originals)


def reachable(steps: tuple[Step, ...], heads: bool) -> list[Step]:
    """The steps a run with all coins `heads` must execute (conditions hold on the board)."""
    found: list[Step] = []
    for step in steps:
        found.append(step)
        if isinstance(step, CoinFlip):
            found.extend(reachable(step.on_heads if heads else step.on_tails, heads))
    return found


def execute(item: StepItem, *, heads: bool) -> tuple[Table, dict[int, Ran]]:
    """Run `item` on a fresh rich board, answering every choice; what ran."""
    empty_bench = any(
        s.condition is not None and s.condition.kind == "own_bench_empty"
        for s in reachable(item.steps, heads)
    )
    table = rich_table(item, bench=not empty_bench)
    holder = holder_of(table, item)
    _satisfy_trigger_condition(table, item)
    table.coins(*[heads] * 12)
    ctx, opponent = table.ctx, table.state.players[1].active
    assert opponent is not None
    with spying() as record:
        if item.part == "attack":
            table.state.phase = TurnPhase.ATTACK
            table.attack(0, item.index)
        elif item.part == "effects":
            card = table.card(item.card_id)
            table.state.players[0].discard.append(card)
            assert EXECUTOR.can_play(ctx, 0, card.instance_id), "its play conditions hold"
            EXECUTOR.run(ctx, EffectRun(ChoiceSource.TRAINER, 0, card.instance_id), item.steps)
        elif item.when == "activated" and item.part == "ability":
            assert EXECUTOR.can_play(ctx, 0, f"{holder.instance_id}:{item.index}")
            table.use(holder, item.index)
        elif item.when == "activated":
            stadium = table.state.stadium
            assert stadium is not None
            run = EffectRun(ChoiceSource.ABILITY, 0, stadium.card.instance_id, item.index)
            EXECUTOR.run(ctx, run, item.steps)
        elif item.when == "on_attach":
            fired = EXECUTOR.fire(ctx, "on_attach", 0, holder.attached_energy[-1].instance_id)
            assert fired or table.state.pending_choice is not None  # optional: asks first
        elif item.when == "end_of_turn":
            EXECUTOR.fire(ctx, "end_of_turn", 0, None)
        else:
            EXECUTOR.fire(ctx, item.when, 0, holder.instance_id, attacker=opponent.instance_id)
        table.answer_all()
    return table, record


def _satisfy_trigger_condition(table: Table, item: StepItem) -> None:
    """A stadium whose use needs a damaged Active of an element gets one (Mossy Amphitheater)."""
    card = table.index.cards[item.card_id]
    if not isinstance(card, TrainerCard) or item.part != "trigger":
        return
    condition = card.triggers[item.index].condition
    if isinstance(condition, CreatureInPlay) and condition.filter and condition.filter.element:
        element = condition.filter.element
        basic = next(
            c.id
            for c in table.index.creatures.values()
            if c.element is element and c.stage.value == "basic" and not c.abilities
        )
        table.state.players[0].active = None
        table.creature(0, basic, active=True, damage=20)


def check(item: StepItem, heads: bool) -> None:
    """Run `item` and check the promises (see the module docstring)."""
    table, record = execute(item, heads=heads)
    for step in reachable(item.steps, heads):
        ran = record.get(id(step))
        assert ran is not None, f"{item}: step {step.kind} did not run"
        assert ran.done, f"{item}: step {step.kind} never finished"
        if is_pre_damage(step) and step.kind != "coin_flip":
            assert ran.damage_changed, f"{item}: {step.kind} left the attack damage as printed"
        else:
            kinds = {event.kind for event in ran.events}
            promised = PROMISES[step.kind]
            assert kinds & promised, f"{item}: {step.kind} emitted {sorted(kinds)}, not {promised}"
    assert table.state.pending_choice is None
    table.valid()


@pytest.mark.parametrize("item", ITEMS, ids=str)
def test_every_printed_effect_runs_and_keeps_its_promise(item: StepItem) -> None:
    check(item, heads=True)
    if any(isinstance(s, CoinFlip) and s.on_tails for s in reachable(item.steps, True)):
        check(item, heads=False)


def test_the_items_cover_every_card_with_effects() -> None:
    covered = {item.card_id for item in ITEMS}
    for card in catalog().values():
        steps = (
            [a.effects for a in card.attacks] + [a.steps for a in card.abilities]
            if isinstance(card, CreatureCard)
            else [card.effects, *(t.steps for t in card.triggers)]
            if isinstance(card, TrainerCard)
            else [t.steps for t in getattr(card, "triggers", ())]
        )
        if any(steps):
            assert card.id in covered, card.id
    assert len(ITEMS) >= 200


def test_attack_steps_shaping_damage_come_first_in_the_catalog() -> None:
    """The executor hits before the first step that does not shape the damage; a shaping
    step printed after one would be too late, so the catalog must not have any."""
    for item in ITEMS:
        if item.part != "attack":
            continue
        seen_other = False
        for step in item.steps:
            if not is_pre_damage(step):
                seen_other = True
            assert not (seen_other and is_pre_damage(step)), f"{item}: {step.kind} after the hit"


def test_the_rich_board_is_a_valid_game_state() -> None:
    table = rich_table()
    table.valid()
    assert {c.definition_id for c in table.state.players[1].bench} == {FIRE_60, "mv1-027"}
    assert GRASS_60 in table.ids(0, "discard")
