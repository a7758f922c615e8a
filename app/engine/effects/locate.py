"""Where a running effect's steps are printed, so a continuation can find them again.

A continuation stores ``[definition id, loc, index]`` (``run.bound[LOC]``): ``attack``
and ``ability`` index a creature's attacks and abilities, ``effects`` is a trainer's
played effect, ``trigger`` indexes a tool's, stadium's or energy's triggers. Steps
handed to the executor by the core engine are located when the effect first stops on a
choice (a scan, paid only then), by identity with the catalog's tuples.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from app.core.cards import CardDefinition, CreatureCard, EnergyCard, TrainerCard
from app.core.effects import Step
from app.core.game_state import CardInstance, GameState
from app.engine.context import Ctx
from app.engine.errors import EngineError
from app.engine.hooks import EffectRun


def step_tuples(card: CardDefinition) -> Iterator[tuple[str, int, Sequence[Step]]]:
    """Every step tuple printed on `card`, with its loc and index."""
    if isinstance(card, CreatureCard):
        for position, attack in enumerate(card.attacks):
            yield "attack", position, attack.effects
        for position, ability in enumerate(card.abilities):
            yield "ability", position, ability.steps
    elif isinstance(card, TrainerCard):
        yield "effects", 0, card.effects
        for position, trigger in enumerate(card.triggers):
            yield "trigger", position, trigger.steps
    elif isinstance(card, EnergyCard):
        for position, trigger in enumerate(card.triggers):
            yield "trigger", position, trigger.steps


def find_definition(state: GameState, instance_id: str) -> str | None:
    """The definition id of a card instance anywhere in the game (held cards included)."""
    if state.stadium is not None and state.stadium.card.instance_id == instance_id:
        return state.stadium.card.definition_id
    for player in state.players:
        for card in _everything(player.cards()):
            if card.instance_id == instance_id:
                return card.definition_id
    return None


def _everything(cards: Iterator[CardInstance]) -> Iterator[CardInstance | Any]:
    for card in cards:
        yield card
        yield from card.attached_energy
        if card.attached_tool is not None:
            yield card.attached_tool
        yield from card.evolved_from


def locate_steps(ctx: Ctx, run: EffectRun, steps: Sequence[Step]) -> list[Any]:
    """``[definition id, loc, index]`` of `steps` for `run` (EngineError if not printed)."""
    candidates: list[str] = []
    if run.source is not None:
        found = find_definition(ctx.state, run.source)
        if found is not None:
            candidates.append(found)
    if ctx.state.stadium is not None:
        candidates.append(ctx.state.stadium.card.definition_id)
    for definition_id in candidates:
        card = ctx.index.cards[definition_id]
        for loc, position, printed in step_tuples(card):
            if printed is steps:
                return [definition_id, loc, position]
        for loc, position, printed in step_tuples(card):
            if tuple(printed) == tuple(steps):
                return [definition_id, loc, position]
    raise EngineError(f"cannot find where the steps run by {run.source} are printed")


def steps_at(ctx: Ctx, loc: Sequence[Any]) -> Sequence[Step]:
    """The steps a stored ``[definition id, loc, index]`` names."""
    definition_id, kind, position = loc
    card = ctx.index.cards.get(definition_id)
    if card is not None:
        for found_kind, found_position, printed in step_tuples(card):
            if found_kind == kind and found_position == position:
                return printed
    raise EngineError(f"no steps at {list(loc)} in the catalog")
