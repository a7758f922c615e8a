"""Trigger dispatch: which printed triggers a moment fires, run one after another.

A moment (`fire`) collects the triggers of kind `when` on the creatures concerned:
their abilities, their tool, their attached energy (and the stadium's, for moments
that are not about one creature). Each runs as its own effect, in that order, with the
holder creature as its source. If one stops on a choice, the ones still to run travel
in the continuation (``run.bound[QUEUE]``) and run after the choice is answered, so a
restored game finishes the moment exactly as an uninterrupted one would.

Which card a moment is about (``card``):
- ``on_play``, ``on_damaged_by_attack``, ``on_knocked_out``: the creature (its instance id).
- ``on_attach``: the energy card just attached, or the creature (then its most recently
  attached energy is the one that fires).
- ``end_of_turn`` and any other moment: None, meaning every creature of ``player`` in
  play (active first) and the stadium.
``attacker``: the attacking creature for the damage and knockout moments; steps that
target the attacker do nothing without one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.core.cards import CreatureCard, EnergyCard, TrainerCard
from app.core.effects import Condition, CreatureFilter, Step
from app.core.game_state import CardInstance, ChoiceSource, PlayerIndex, TurnPhase
from app.engine import ops
from app.engine.context import Ctx
from app.engine.effects.runtime import ATTACKER, LOC, QUEUE, Exec, choose, run_steps
from app.engine.effects.select import condition_holds, creature_matches
from app.engine.hooks import EffectRun
from app.engine.index import CardIndex

Planned = list[Any]
"""One trigger to run, as JSON: ``[holder id or None, definition id, loc kind, index]``."""


PrintedTriggers = dict[str, dict[str, tuple[tuple[str, int], ...]]]
"""Definition id -> moment -> ``(loc, index)`` of its printed triggers, in printed order."""

_PRINTED: dict[int, tuple[CardIndex, PrintedTriggers]] = {}
_MOMENTS = "*"
"""Key of `printed_triggers` listing the moments any card of the catalog watches."""


def printed_triggers(index: CardIndex) -> PrintedTriggers:
    """Every printed trigger of a catalog by card and moment (built once per catalog index).

    Only cards that have triggers appear, so the moments fired at every turn cost a dict
    miss per card in play.
    """
    entry = _PRINTED.get(id(index))
    if entry is not None and entry[0] is index:
        return entry[1]
    table: PrintedTriggers = {}
    moments: set[str] = set()
    for card_id, card in index.cards.items():
        found: dict[str, list[tuple[str, int]]] = {}
        if isinstance(card, CreatureCard):
            for position, ability in enumerate(card.abilities):
                found.setdefault(ability.trigger.value, []).append(("ability", position))
        else:
            for position, trigger in enumerate(card.triggers):
                found.setdefault(trigger.kind.value, []).append(("trigger", position))
        if found:
            table[card_id] = {when: tuple(where) for when, where in found.items()}
            moments.update(found)
    table[_MOMENTS] = dict.fromkeys(moments, ())
    if len(_PRINTED) >= 8:
        _PRINTED.pop(next(iter(_PRINTED)))
    _PRINTED[id(index)] = (index, table)
    return table


def _planned(
    table: PrintedTriggers, holder: str | None, definition_id: str, when: str
) -> list[Planned]:
    by_moment = table.get(definition_id)
    if by_moment is None:
        return []
    return [[holder, definition_id, loc, position] for loc, position in by_moment.get(when, ())]


def _creature_triggers(table: PrintedTriggers, creature: CardInstance, when: str) -> list[Planned]:
    """The creature's own triggers, then its tool's, then its energy's in attachment order.

    Runs for every creature in play at every turn's moments, and most cards print no
    trigger: a membership test skips them without building a list.
    """
    holder = creature.instance_id
    found: list[Planned] = []
    if creature.definition_id in table:
        found.extend(_planned(table, holder, creature.definition_id, when))
    tool = creature.attached_tool
    if tool is not None and tool.definition_id in table:
        found.extend(_planned(table, holder, tool.definition_id, when))
    for energy in creature.attached_energy:
        if energy.definition_id in table:
            found.extend(_planned(table, holder, energy.definition_id, when))
    return found


def plan(ctx: Ctx, when: str, player: PlayerIndex, card: str | None) -> list[Planned]:
    """The triggers `when` fires for `card` (or for `player`'s board), in firing order."""
    state = ctx.state
    table = printed_triggers(ctx.index)
    if when not in table[_MOMENTS]:
        return []
    if when == "on_attach" and card is not None:
        return _attach_triggers(ctx, table, card)
    if card is not None:
        located = ops.locate(ctx, card)
        return _creature_triggers(table, located[1], when) if located is not None else []
    found: list[Planned] = []
    for creature in ops.in_play(state.players[player]):
        found.extend(_creature_triggers(table, creature, when))
    if state.stadium is not None:
        found.extend(_planned(table, None, state.stadium.card.definition_id, when))
    return found


def _attach_triggers(ctx: Ctx, table: PrintedTriggers, card: str) -> list[Planned]:
    located = ops.locate(ctx, card)
    if located is not None:
        holder = located[1]
        if not holder.attached_energy:
            return []
        energy_id = holder.attached_energy[-1].definition_id
    else:
        holder_or_none = _holder_of_energy(ctx, card)
        if holder_or_none is None:
            return []
        holder, energy_id = holder_or_none
    return _planned(table, holder.instance_id, energy_id, "on_attach")


def _holder_of_energy(ctx: Ctx, energy_id: str) -> tuple[CardInstance, str] | None:
    for player in ctx.state.players:
        for creature in ops.in_play(player):
            for energy in creature.attached_energy:
                if energy.instance_id == energy_id:
                    return creature, energy.definition_id
    return None


def fire(
    ctx: Ctx, when: str, player: PlayerIndex, card: str | None, *, attacker: str | None = None
) -> bool:
    """Run every trigger of moment `when` (see the module docstring); False if one stopped.

    Without an `attacker`, the damage and knockout moments take the Active creature of
    the player whose turn it is while an attack is resolving (the core engine's combat
    and knockout code do not pass one).
    """
    queue = plan(ctx, when, player, card)
    if not queue:
        return True
    if attacker is None and when in ("on_damaged_by_attack", "on_knocked_out"):
        attacker = _current_attacker(ctx)
    if not queue:
        return True
    return run_queue(ctx, queue, player, attacker)


def _current_attacker(ctx: Ctx) -> str | None:
    state = ctx.state
    if state.phase is not TurnPhase.ATTACK:
        return None
    active = state.players[state.current_player].active
    return active.instance_id if active is not None else None


def fire_damaged(ctx: Ctx, seat: PlayerIndex, creature: CardInstance, attacker: str) -> bool:
    """``on_damaged_by_attack`` for a creature an attack step damaged."""
    return fire(ctx, "on_damaged_by_attack", seat, creature.instance_id, attacker=attacker)


def run_queue(ctx: Ctx, queue: list[Planned], player: PlayerIndex, attacker: str | None) -> bool:
    """Run planned triggers in order until one stops on a choice."""
    while queue:
        holder, definition_id, loc, position = queue.pop(0)
        owner = player
        if holder is not None:
            located = ops.locate(ctx, holder)
            if located is None:
                continue
            owner = located[0]
        run = EffectRun(
            source_kind=ChoiceSource.TRIGGER,
            player=owner,
            source=holder,
            source_index=position,
            bound={LOC: [definition_id, loc, position], QUEUE: queue},
        )
        if attacker is not None:
            run.bound[ATTACKER] = attacker
        if not start_trigger(ctx, Exec(run=run)):
            return False
        if ctx.state.winner is not None:
            return True
    return True


def trigger_parts(
    ctx: Ctx, definition_id: str, loc: str, position: int
) -> tuple[Sequence[Step], Condition | None, CreatureFilter | None, bool]:
    """(steps, condition, source filter, optional) of a printed trigger or ability."""
    card = ctx.index.cards[definition_id]
    if loc == "ability" and isinstance(card, CreatureCard):
        ability = card.abilities[position]
        return ability.steps, ability.condition, None, ability.optional
    if isinstance(card, TrainerCard | EnergyCard):
        trigger = card.triggers[position]
        return trigger.steps, trigger.condition, trigger.source_filter, trigger.optional
    raise ValueError(f"{definition_id} has no {loc} {position}")  # pragma: no cover


def start_trigger(ctx: Ctx, ex: Exec) -> bool:
    """Check a trigger's condition and filter, ask when optional, then run its steps."""
    definition_id, loc, position = ex.run.bound[LOC]
    steps, condition, source_filter, optional = trigger_parts(ctx, definition_id, loc, position)
    resuming = ex.resume is not None
    if not resuming:
        if condition is not None and not condition_holds(ctx, ex, condition):
            return True
        if source_filter is not None:
            located = ops.locate(ctx, ex.run.source) if ex.run.source else None
            if located is None or not creature_matches(ctx, located[1], source_filter):
                return True
    if optional and not ex.resume:
        accepted = choose(
            ctx,
            ex,
            "optional",
            chooser=ex.seat,
            kind="use_trigger",
            options=["use"],
            min_count=0,
            max_count=1,
            prompt="use this effect?",
        )
        if accepted is None:
            return False
        if not accepted:
            return True
    return run_steps(ctx, ex, steps)
