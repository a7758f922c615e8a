"""The catalog's executable effects as test items, and a board on which each can act.

`step_items` lists every printed tuple of steps (attack effects, abilities with steps,
items and supporters, tool, stadium and special-energy triggers); `modifier_items`
every printed modifier. `rich_table` builds a board where every step of the catalog
finds something to act on: damaged creatures with energy of several elements on both
sides, a creature benched this turn with no energy and its stage 1 in hand, a deck of
every kind of card, a discard pile of every basic energy, a stadium.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.core.cards import CreatureCard, EnergyCard, EnergyType, TrainerCard, TrainerSubtype
from app.core.effects import Step
from app.core.game_state import CardInstance
from app.engine import ops
from tests.engine.effects.table import ENERGY, FIRE_60, GRASS_60, WATER_60, Table, catalog

LIGHTNING_40 = "mv1-040"
PSYCHIC_40 = "mv1-053"
STAGE_1, STAGE_2 = "mv1-002", "mv1-003"
"""A stage 1 and stage 2 of GRASS_60's line (mv1-001 -> 002 -> 003)."""
PSYCHIC_STAGE_1 = "mv1-054"
"""The stage 1 of PSYCHIC_40's line (mv1-053 -> 054)."""
ITEM, SUPPORTER, TOOL, STADIUM = "mv1-128", "mv1-138", "mv1-134", "mv1-148"
KALEIDO = "mv1-154"


@dataclass(frozen=True)
class StepItem:
    """One printed tuple of steps: ``part`` is attack, ability, effects or trigger."""

    card_id: str
    part: str
    index: int
    steps: tuple[Step, ...]
    when: str

    def __str__(self) -> str:
        return f"{self.card_id}-{self.part}{self.index}"


def step_items() -> list[StepItem]:
    """Every printed tuple of steps in the catalog, in catalog order."""
    items: list[StepItem] = []
    for card in catalog().values():
        if isinstance(card, CreatureCard):
            for i, attack in enumerate(card.attacks):
                if attack.effects:
                    items.append(StepItem(card.id, "attack", i, attack.effects, "attack"))
            for i, ability in enumerate(card.abilities):
                if ability.steps:
                    items.append(StepItem(card.id, "ability", i, ability.steps, ability.trigger))
        elif isinstance(card, TrainerCard):
            if card.effects:
                items.append(StepItem(card.id, "effects", 0, card.effects, "play"))
            for i, trigger in enumerate(card.triggers):
                items.append(StepItem(card.id, "trigger", i, trigger.steps, trigger.kind))
        elif isinstance(card, EnergyCard):
            for i, trigger in enumerate(card.triggers):
                items.append(StepItem(card.id, "trigger", i, trigger.steps, trigger.kind))
    return items


def rich_table(item: StepItem | None = None, *, bench: bool = True) -> Table:
    """The board described in the module docstring; player 0 acts, turn 5.

    A creature's item makes that creature player 0's active, with energy for its
    attack's cost plus two of its element (so "beyond the cost" and "discard an energy
    of this creature" find some); otherwise a damaged FIRE_60 with two Fire is active.
    """
    table = Table(turn=5)
    water, fire = ENERGY[EnergyType.WATER], ENERGY[EnergyType.FIRE]
    card = table.index.cards[item.card_id] if item is not None else None
    if isinstance(card, CreatureCard):
        cost = card.attacks[item.index].cost if item is not None and item.part == "attack" else ()
        energy = [
            ENERGY.get(t, ENERGY.get(card.element, fire))
            for t in (*cost, card.element, card.element)
        ]
        table.creature(0, card.id, active=True, damage=20, energy=energy)
    else:
        table.creature(0, FIRE_60, active=True, damage=20, energy=[fire, fire])
    if bench:
        table.creature(0, LIGHTNING_40, damage=20, energy=[ENERGY[EnergyType.LIGHTNING]])
        table.creature(0, WATER_60, damage=20, energy=[water])
        table.creature(0, GRASS_60, damage=20, energy=[ENERGY[EnergyType.GRASS]])
        # Benched this turn, no energy, its stage 1 in hand (Salvage Coil, Quickening Dew).
        table.creature(0, PSYCHIC_40, turn_played=table.state.turn_number)
    table.put(0, "hand", STAGE_2, PSYCHIC_STAGE_1, water, SUPPORTER)
    table.put(
        0,
        "deck",
        *ENERGY.values(),
        KALEIDO,
        STADIUM,
        TOOL,
        SUPPORTER,
        ITEM,
        STAGE_2,
        STAGE_1,
        PSYCHIC_40,
        WATER_60,
        GRASS_60,
    )
    table.put(0, "discard", *ENERGY.values(), *ENERGY.values(), KALEIDO, TOOL, GRASS_60)
    table.creature(1, GRASS_60, active=True, damage=10, energy=[fire, water])
    table.creature(1, FIRE_60, energy=[fire])
    table.creature(1, WATER_60, energy=[water])
    table.put(1, "hand", fire, ITEM, GRASS_60)
    table.put(1, "deck", *ENERGY.values(), ITEM, SUPPORTER)
    table.stadium("mv2-120", owner=1)
    return table


def holder_of(table: Table, item: StepItem) -> CardInstance:
    """Put the card carrying `item` in play where its steps apply; the creature it is on."""
    player = table.state.players[0]
    active = player.active
    assert active is not None
    card = table.index.cards[item.card_id]
    if isinstance(card, TrainerCard) and card.trainer_subtype is TrainerSubtype.TOOL:
        active.attached_tool = ops.attached(table.card(item.card_id))
    elif isinstance(card, TrainerCard) and card.trainer_subtype is TrainerSubtype.STADIUM:
        table.stadium(item.card_id, owner=0)
    elif isinstance(card, EnergyCard):
        trigger = card.triggers[item.index]
        element = trigger.source_filter.element if trigger.source_filter else None
        stages = trigger.source_filter.stages if trigger.source_filter else None
        holder = active
        if element is not None:
            holder = next(
                c
                for c in ops.in_play(player)
                if table.index.creature(c.definition_id).element is element
            )
        elif stages:  # Offshoot Energy fires only on an evolved creature
            holder = table.creature(0, STAGE_1)
        holder.attached_energy.append(ops.attached(table.card(item.card_id)))
        return holder
    return active
