"""Steps on creatures in play: status conditions, healing, switching, leaving play, evolving.

Decisions the vocabulary leaves open, taken here:
- Status conditions only stick to Active creatures (benched creatures have none), and
  a ``status_immunity`` modifier blocks them.
- A forced switch or gust does nothing when the opponent's Active creature has
  ``prevent_forced_switch`` (Anchor Chain), or when that side has no benched creature.
- ``return_to_hand`` with ``attached: hand`` puts every card of the creature (lower
  stages, energy, tool) into the owner's hand; with ``discard`` only the creature and
  its lower stages go to the hand and the rest to the discard pile (the engine-only
  Test Homing Bell; Ferryman Oskar takes everything to the hand).
- ``evolve_from_hand`` keeps damage, energy and the tool, clears status conditions and
  counts as evolving this turn (``turn_played``), like a normal evolution (effects of
  attacks on the creature end, as evolving ends them in the card game); it picks the
  creature first (only creatures that have a matching card in the hand qualify), then
  the card when several fit.
"""

from __future__ import annotations

from app.core.cards import CreatureCard, Stage
from app.core.effects import ApplyStatus, EvolveFromHand, Heal, ReturnToHand, Switch
from app.core.game_state import CardInstance, PlayerIndex, StatusCondition
from app.engine import ops, query
from app.engine.context import Ctx
from app.engine.effects.runtime import SAME, Exec, choose
from app.engine.effects.select import Creature, amount_of, resolve, seat_of
from app.engine.index import CardIndex


def apply_status(ctx: Ctx, ex: Exec, step: ApplyStatus) -> bool:
    """Give each Active target the status (unless immune)."""
    targets = resolve(ctx, ex, step.target)
    if targets is None:
        return False
    for seat, creature in targets:
        if ctx.state.players[seat].active is not creature:
            continue
        if query.has_modifier(ctx, seat, creature, "status_immunity"):
            ctx.emit("status_blocked", seat, card=creature.instance_id, status=step.status.value)
            continue
        ops.add_status(ctx, seat, creature, StatusCondition(step.status.value))
    return True


def heal(ctx: Ctx, ex: Exec, step: Heal) -> bool:
    """Heal each target; ``cure`` also removes every status condition."""
    targets = resolve(ctx, ex, step.target)
    if targets is None:
        return False
    amount = amount_of(ctx, ex, step.amount)
    for seat, creature in targets:
        ops.heal(ctx, seat, creature, amount)
        if step.cure:
            for status in list(creature.status_conditions):
                ops.remove_status(ctx, seat, creature, status)
    return True


def switch(ctx: Ctx, ex: Exec, step: Switch) -> bool:
    """Swap `side`'s Active creature with a benched one picked by `chooser`."""
    seat = seat_of(ex, step.side)
    player = ctx.state.players[seat]
    if not player.bench or player.active is None:
        return True
    forced = seat != ex.seat
    if forced and query.has_modifier(ctx, seat, player.active, "prevent_forced_switch"):
        ctx.emit("switch_prevented", seat, card=player.active.instance_id)
        return True
    picked = choose(
        ctx,
        ex,
        "switch",
        chooser=seat_of(ex, step.chooser),
        kind="switch",
        options=[creature.instance_id for creature in player.bench],
        min_count=0 if step.optional else 1,
        max_count=1,
        prompt="choose the benched creature to switch in" + (" (or none)" if step.optional else ""),
    )
    if picked is None:
        return False
    if picked:
        ops.switch_active(ctx, seat, picked[0])
        ex.run.bound[SAME] = [picked[0]]
    return True


def return_to_hand(ctx: Ctx, ex: Exec, step: ReturnToHand) -> bool:
    """Put each target creature card (with its lower stages) into its owner's hand."""
    targets = resolve(ctx, ex, step.target)
    if targets is None:
        return False
    for seat, creature in targets:
        if step.attached == "discard":
            ops.return_to_hand(ctx, seat, creature)
        else:
            _all_to_hand(ctx, seat, creature)
    return True


def _all_to_hand(ctx: Ctx, seat: PlayerIndex, creature: CardInstance) -> None:
    player = ctx.state.players[seat]
    if player.active is creature:
        player.active = None
    else:
        player.bench.remove(creature)
    ops.end_lasting_for(ctx, creature.instance_id)
    held = [*creature.evolved_from, *creature.attached_energy]
    if creature.attached_tool is not None:
        held.append(creature.attached_tool)
    player.hand.extend(ops.loose(card) for card in held)
    player.hand.append(ops.new_instance(creature.instance_id, creature.definition_id))
    ctx.emit("returned_to_hand", seat, card=creature.instance_id, attached="hand")


_SKIPS: dict[int, tuple[CardIndex, dict[str, frozenset[str]]]] = {}


def _skip_table(index: CardIndex) -> dict[str, frozenset[str]]:
    """Basic creature name -> stage 2 ids that evolve from it through a stage 1 (cached)."""
    entry = _SKIPS.get(id(index))
    if entry is not None and entry[0] is index:
        return entry[1]
    stage_one_base = {
        card.name: card.evolves_from
        for card in index.creatures.values()
        if card.stage is Stage.STAGE_1 and card.evolves_from is not None
    }
    table: dict[str, set[str]] = {}
    for card in index.creatures.values():
        if card.stage is Stage.STAGE_2 and card.evolves_from in stage_one_base:
            table.setdefault(stage_one_base[card.evolves_from], set()).add(card.id)
    frozen = {name: frozenset(ids) for name, ids in table.items()}
    if len(_SKIPS) >= 8:
        _SKIPS.pop(next(iter(_SKIPS)))
    _SKIPS[id(index)] = (index, frozen)
    return frozen


def skip_stage_cards(ctx: Ctx, seat: PlayerIndex, basic: CardInstance) -> list[CardInstance]:
    """Cards in `seat`'s hand that evolve from `basic` through a stage 1 (``skip_stage``)."""
    wanted = _skip_table(ctx.index).get(ctx.index.creature(basic.definition_id).name)
    if not wanted:
        return []
    return [card for card in ctx.state.players[seat].hand if card.definition_id in wanted]


def evolve_from_hand(ctx: Ctx, ex: Exec, step: EvolveFromHand) -> bool:
    """Evolve a target with a card from the hand (skipping the stage 1 when allowed)."""

    def has_card(candidate: Creature) -> bool:
        return bool(evolutions(ctx, candidate[0], candidate[1], skip=step.skip_stage))

    targets = resolve(ctx, ex, step.target, extra=has_card, extra_is_hidden=True)
    if targets is None:
        return False
    if not targets:
        return True
    seat, creature = targets[0]
    options = evolutions(ctx, seat, creature, skip=step.skip_stage)
    picked = choose(
        ctx,
        ex,
        "card",
        chooser=ex.seat,
        kind="evolve_card",
        options=[card.instance_id for card in options],
        min_count=1,
        max_count=1,
        from_hidden=True,  # how many evolution cards the hand holds is the chooser's to know
        prompt="choose the card to evolve into",
    )
    if picked is None:
        return False
    if picked:
        evolve(ctx, seat, creature, picked[0])
    return True


def evolutions(
    ctx: Ctx, seat: PlayerIndex, creature: CardInstance, *, skip: bool
) -> list[CardInstance]:
    """Cards in `seat`'s hand that may evolve `creature` (skipping the stage 1 when `skip`)."""
    if skip:
        if ctx.index.creature(creature.definition_id).stage is not Stage.BASIC:
            return []
        return skip_stage_cards(ctx, seat, creature)
    name = ctx.index.creature(creature.definition_id).name
    return [
        card
        for card in ctx.state.players[seat].hand
        if isinstance(definition := ctx.index.creatures.get(card.definition_id), CreatureCard)
        and definition.evolves_from == name
    ]


def evolve(ctx: Ctx, seat: PlayerIndex, creature: CardInstance, card_id: str) -> None:
    """Put a card from `seat`'s hand onto `creature`, as `app.engine.play.do_evolve` does.

    (ops has no evolve primitive; this mirrors the core engine's evolution, same event.)
    """
    player = ctx.state.players[seat]
    card = ops.take(player.hand, card_id)
    evolved = ops.new_instance(card.instance_id, card.definition_id)
    evolved.damage = creature.damage
    evolved.attached_energy = creature.attached_energy
    evolved.attached_tool = creature.attached_tool
    evolved.evolved_from = [
        *creature.evolved_from,
        ops.attached(ops.new_instance(creature.instance_id, creature.definition_id)),
    ]
    evolved.turn_played = ctx.state.turn_number
    if player.active is creature:
        player.active = evolved
    else:
        player.bench[player.bench.index(creature)] = evolved
    ops.end_lasting_for(ctx, creature.instance_id)
    ctx.emit("evolved", seat, card=evolved.instance_id, source=creature.instance_id)
