"""Every modifier printed in the catalog changes what the engine computes.

For each printed modifier (passive abilities, tools, stadiums, special energy) the
same board is built twice, with and without the card, and the quantity the modifier's
kind governs is measured where the rules read it (`app.engine.query`,
`app.engine.combat`, the executor's own status and switch handlers, a knockout). The
card must move it the way its data says: more or less damage, HP, retreat cost or
attack cost, no weakness, no status, no switch, a survived knockout.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from app.core.cards import CreatureCard, EnergyCard, EnergyType, TrainerCard, TrainerSubtype
from app.core.effects import Modifier, ScopeKind
from app.core.game_state import CardInstance, ChoiceSource, StatusCondition
from app.engine import combat, knockout, ops, query
from app.engine.hooks import EffectRun
from tests.engine.effects.table import ENERGY, Table, catalog

BASIC = {
    EnergyType.LIGHTNING: "mv1-050",
    EnergyType.PSYCHIC: "mv1-063",
    EnergyType.METAL: "mv1-092",
    EnergyType.WATER: "mv1-027",
    EnergyType.FIGHTING: "mv1-066",
    EnergyType.FIRE: "mv1-014",
    EnergyType.GRASS: "mv1-001",
}
"""A plain basic creature per element: retreat cost 1, a weakness, a colorless attack cost."""
EX_GRASS = "mv2-008"


@dataclass(frozen=True)
class ModifierItem:
    """One printed modifier: on which card, where (ability, tool, stadium, energy)."""

    card_id: str
    where: str
    index: int
    modifier: Modifier

    def __str__(self) -> str:
        return f"{self.card_id}-{self.where}-{self.modifier.kind}"


def modifier_items() -> list[ModifierItem]:
    """Every printed modifier in the catalog."""
    items: list[ModifierItem] = []
    for card in catalog().values():
        if isinstance(card, CreatureCard):
            for i, ability in enumerate(card.abilities):
                items.extend(ModifierItem(card.id, "ability", i, m) for m in ability.modifiers)
        elif isinstance(card, TrainerCard):
            items.extend(ModifierItem(card.id, card.trainer_subtype, 0, m) for m in card.modifiers)
        elif isinstance(card, EnergyCard):
            items.extend(ModifierItem(card.id, "energy", 0, m) for m in card.modifiers)
    return items


@dataclass
class Board:
    """The two-sided board of one measurement."""

    table: Table
    affected: CardInstance
    affected_seat: int


def board(item: ModifierItem, *, with_card: bool) -> Board:
    """Player 0 owns the card (or not); the affected creature is the one its scope names."""
    table = Table()
    scope = item.modifier.scope
    element = scope.element or EnergyType.FIRE
    own_active = BASIC[element]
    card = table.index.cards[item.card_id]
    if item.where == "ability":
        holder_id = item.card_id if with_card else _without_abilities(table, item.card_id)
        on_holder = scope.kind is ScopeKind.HOLDER or item.modifier.condition is not None
        if on_holder:
            own_active = holder_id
        else:
            table.creature(0, holder_id)
    mine = table.creature(0, own_active, active=True, energy=[ENERGY[EnergyType.FIRE]])
    benched = table.creature(0, BASIC[EnergyType.WATER])
    defender_id = EX_GRASS if getattr(item.modifier, "vs_apex", False) else BASIC[EnergyType.GRASS]
    theirs = table.creature(1, defender_id, active=True)
    table.creature(1, BASIC[EnergyType.WATER])
    if with_card:
        if isinstance(card, TrainerCard) and card.trainer_subtype is TrainerSubtype.TOOL:
            mine.attached_tool = ops.attached(table.card(item.card_id))
        elif isinstance(card, TrainerCard):
            table.stadium(item.card_id, owner=0)
        elif isinstance(card, EnergyCard):
            mine.attached_energy.append(ops.attached(table.card(item.card_id)))
    if scope.kind is ScopeKind.OPPONENT_ACTIVE:
        return Board(table, theirs, 1)
    if scope.kind is ScopeKind.OWN_BENCH:
        return Board(table, benched, 0)
    return Board(table, mine, 0)


def _without_abilities(table: Table, card_id: str) -> str:
    """A copy of a creature card with the same stats and no abilities (the baseline)."""
    card = table.index.creatures[card_id]
    data = card.model_dump(mode="json", exclude={"id", "set_id", "number", "abilities"})
    for key in ("rarity", "illustrator", "image_path", "flavor_text"):
        data.pop(key, None)
    return table.print_card(data)


def _attacker_against(b: Board) -> CardInstance:
    """The other side's active, of the affected creature's weakness type when it has one."""
    other = 1 - b.affected_seat
    active = b.table.state.players[other].active
    assert active is not None
    weakness = b.table.index.creature(b.affected.definition_id).weakness
    if weakness is not None and weakness.type in BASIC:
        b.table.state.players[other].active = None
        active = b.table.creature(other, BASIC[weakness.type], active=True)  # type: ignore[arg-type]
    return active


def damage_taken(b: Board) -> int:
    """Damage 30 from the other side's attack does to the affected creature."""
    attacker = _attacker_against(b)
    on_bench = b.table.state.players[b.affected_seat].active is not b.affected
    return combat.modified_damage(
        b.table.ctx,
        1 - b.affected_seat,  # type: ignore[arg-type]
        attacker,
        b.affected,
        30,
        to_active=not on_bench,
    )


def damage_dealt(b: Board) -> int:
    """Damage 30 from the affected creature does to the other active."""
    defender = b.table.state.players[1 - b.affected_seat].active
    assert defender is not None
    return combat.modified_damage(b.table.ctx, 0, b.affected, defender, 30)


def hp(b: Board) -> int:
    """The affected creature's maximum HP."""
    return query.max_hp(b.table.ctx, b.affected_seat, b.affected)  # type: ignore[arg-type]


def retreat(b: Board) -> int:
    """The affected creature's retreat cost."""
    return query.retreat_cost(b.table.ctx, b.affected_seat, b.affected)  # type: ignore[arg-type]


def retreat_blocked(b: Board) -> int:
    """1 if an effect keeps the affected creature from retreating, else 0."""
    return int(query.can_retreat(b.table.ctx, b.affected_seat, b.affected) is not None)  # type: ignore[arg-type]


def attack_cost(b: Board) -> int:
    """The energy the affected creature's last attack costs."""
    attack = b.table.index.creature(b.affected.definition_id).attacks[-1]
    return len(query.attack_cost(b.table.ctx, b.affected_seat, b.affected, attack))  # type: ignore[arg-type]


def status_kept(b: Board) -> int:
    """1 if an opponent's poison sticks to the affected creature, else 0."""
    table = b.table
    item = table.item_with(
        [
            {
                "kind": "apply_status",
                "target": {"select": "all", "side": "opponent", "zone": "active"},
                "status": "poisoned",
            }
        ]
    )
    table.play(item, seat=1)
    return int(StatusCondition.POISONED in b.affected.status_conditions)


def switched_out(b: Board) -> int:
    """1 if the opponent's gust moves the affected creature out of the active spot."""
    table = b.table
    table.play(table.item_with([{"kind": "switch", "side": "opponent"}]), seat=1)
    table.answer_all()
    return int(table.state.players[b.affected_seat].active is not b.affected)


def knocked_out(b: Board) -> int:
    """1 if 500 attack damage knocks the (undamaged) affected creature out."""
    table = b.table
    attacker = table.state.players[1].active
    assert attacker is not None
    run = EffectRun(ChoiceSource.ATTACK, 1, attacker.instance_id, 0, damage=500)
    table.state.current_player = 1
    combat.deal_attack_damage(table.ctx, run)
    knockout.resolve(table.ctx)
    return int(ops.locate(table.ctx, b.affected.instance_id) is None)


MEASURES: dict[str, tuple[Callable[[Board], int], int]] = {
    "damage_taken": (damage_taken, 0),
    "prevent_damage": (damage_taken, -1),
    "damage_dealt": (damage_dealt, +1),
    "hp": (hp, +1),
    "retreat_cost": (retreat, 0),
    "cannot_retreat": (retreat_blocked, +1),
    "free_retreat": (retreat, -1),
    "attack_cost": (attack_cost, -1),
    "no_weakness": (damage_taken, -1),
    "status_immunity": (status_kept, -1),
    "prevent_forced_switch": (switched_out, -1),
    "survive_at_full_hp": (knocked_out, -1),
}
"""Modifier kind -> (what it changes, the direction: +1 more, -1 less, 0 the sign of amount)."""


@pytest.mark.parametrize("item", modifier_items(), ids=str)
def test_every_printed_modifier_changes_what_the_rules_compute(item: ModifierItem) -> None:
    measure, direction = MEASURES[item.modifier.kind]
    if direction == 0:
        direction = 1 if getattr(item.modifier, "amount", 0) > 0 else -1
    without = measure(board(item, with_card=False))
    with_card = measure(board(item, with_card=True))
    assert (with_card - without) * direction > 0, f"{item}: {without} -> {with_card}"


def test_every_modifier_kind_printed_is_measured() -> None:
    printed = {item.modifier.kind for item in modifier_items()}
    assert printed <= set(MEASURES)
    assert len(modifier_items()) >= 20
