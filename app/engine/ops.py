"""State-mutation primitives: the only way rules and effects move cards and counters.

Each primitive mutates the state in place, keeps the "every card in exactly one
place" invariant, and emits the matching event. They do not check whether an
action is legal (callers do) and they do not resolve knockouts (the engine
settles those after an action or a step sequence, see `app.engine.knockout`).
New instances are built without the validating constructor: the values are
engine-made and known valid, and validation on this path is what slow engines pay for.
"""

from __future__ import annotations

from app.core.game_state import (
    AttachedCard,
    CardInstance,
    LastingEffect,
    PendingChoice,
    PlayerIndex,
    PlayerState,
    StatusCondition,
)
from app.engine.context import Ctx
from app.engine.errors import EngineError

SEATS: tuple[PlayerIndex, PlayerIndex] = (0, 1)


def opponent(seat: PlayerIndex) -> PlayerIndex:
    """The other seat."""
    return 1 if seat == 0 else 0


EXCLUSIVE_STATUSES = frozenset(
    {StatusCondition.ASLEEP, StatusCondition.CONFUSED, StatusCondition.PARALYZED}
)
"""At most one of these at a time: a new one replaces the old (poison and burn stack)."""


_new = object.__new__


def attached(card: CardInstance) -> AttachedCard:
    """`card` as held under or on a creature."""
    held: AttachedCard = _new(AttachedCard)
    held.instance_id = card.instance_id
    held.definition_id = card.definition_id
    return held


def loose(card: AttachedCard) -> CardInstance:
    """A held card back as a free card (no damage, nothing attached)."""
    return new_instance(card.instance_id, card.definition_id)


def new_instance(instance_id: str, definition_id: str) -> CardInstance:
    """A fresh card with no game history.

    Built without the validating constructor: this runs for every card dealt and
    every card leaving play, and the values are engine-made, so validation would
    only cost time.
    """
    card: CardInstance = _new(CardInstance)
    card.instance_id = instance_id
    card.definition_id = definition_id
    card.damage = 0
    card.attached_energy = []
    card.attached_tool = None
    card.evolved_from = []
    card.status_conditions = []
    card.turn_played = None
    return card


def in_play(player: PlayerState) -> list[CardInstance]:
    """The player's creatures in play, active first."""
    return [player.active, *player.bench] if player.active is not None else list(player.bench)


def locate(ctx: Ctx, instance_id: str) -> tuple[PlayerIndex, CardInstance] | None:
    """The owner and the creature in play with this id, or None."""
    for seat in SEATS:
        player = ctx.state.players[seat]
        if player.active is not None and player.active.instance_id == instance_id:
            return seat, player.active
        for creature in player.bench:
            if creature.instance_id == instance_id:
                return seat, creature
    return None


def take(zone: list[CardInstance], instance_id: str) -> CardInstance:
    """Remove and return the card with this id from a zone list (EngineError if absent)."""
    for position, card in enumerate(zone):
        if card.instance_id == instance_id:
            return zone.pop(position)
    raise EngineError(f"card {instance_id} is not in the expected zone")


def draw(ctx: Ctx, seat: PlayerIndex, count: int) -> int:
    """Move up to `count` cards from the top of the deck to the hand; returns how many."""
    player = ctx.state.players[seat]
    drawn = min(count, len(player.deck))
    for _ in range(drawn):
        player.hand.append(player.deck.pop())
    if drawn:
        ctx.emit("drew", seat, count=drawn)
    return drawn


def shuffle_deck(ctx: Ctx, seat: PlayerIndex) -> None:
    """Shuffle the player's main deck."""
    ctx.rng.shuffle(ctx.state.players[seat].deck)
    ctx.emit("deck_shuffled", seat)


def flip_coin(ctx: Ctx, seat: PlayerIndex, why: str) -> bool:
    """Flip a coin for `seat`; True for heads."""
    heads = ctx.rng.coin()
    ctx.emit("coin_flipped", seat, heads=heads, why=why)
    return heads


def discard_from_hand(ctx: Ctx, seat: PlayerIndex, instance_id: str) -> None:
    """Move a card from the hand to the discard pile."""
    player = ctx.state.players[seat]
    player.discard.append(take(player.hand, instance_id))
    ctx.emit("discarded", seat, card=instance_id, zone="hand")


def discard_creature(ctx: Ctx, seat: PlayerIndex, creature: CardInstance) -> None:
    """Remove a creature from play with everything on it, into its owner's discard pile."""
    player = ctx.state.players[seat]
    if player.active is creature:
        player.active = None
    else:
        player.bench.remove(creature)
    end_lasting_for(ctx, creature.instance_id)
    player.discard.extend(loose(held) for held in creature.evolved_from)
    player.discard.extend(loose(energy) for energy in creature.attached_energy)
    if creature.attached_tool is not None:
        player.discard.append(loose(creature.attached_tool))
    player.discard.append(new_instance(creature.instance_id, creature.definition_id))


def return_to_hand(ctx: Ctx, seat: PlayerIndex, creature: CardInstance) -> None:
    """Put a creature and its lower stages into the hand; its energy and tool are discarded."""
    player = ctx.state.players[seat]
    if player.active is creature:
        player.active = None
    else:
        player.bench.remove(creature)
    end_lasting_for(ctx, creature.instance_id)
    player.hand.extend(loose(held) for held in creature.evolved_from)
    player.hand.append(new_instance(creature.instance_id, creature.definition_id))
    player.discard.extend(loose(energy) for energy in creature.attached_energy)
    if creature.attached_tool is not None:
        player.discard.append(loose(creature.attached_tool))
    ctx.emit("returned_to_hand", seat, card=creature.instance_id)


def deal_damage(ctx: Ctx, seat: PlayerIndex, creature: CardInstance, amount: int) -> int:
    """Add `amount` damage (already final: weakness and modifiers applied); returns it."""
    if amount <= 0:
        return 0
    creature.damage += amount
    ctx.emit("damaged", seat, card=creature.instance_id, amount=amount)
    return amount


def place_counters(ctx: Ctx, seat: PlayerIndex, creature: CardInstance, counters: int) -> None:
    """Put damage counters (10 each) on a creature: not an attack, nothing modifies it."""
    if counters > 0:
        creature.damage += 10 * counters
        ctx.emit("counters_placed", seat, card=creature.instance_id, counters=counters)


def heal(ctx: Ctx, seat: PlayerIndex, creature: CardInstance, amount: int) -> int:
    """Remove up to `amount` damage; returns how much was healed."""
    healed = min(amount, creature.damage)
    if healed:
        creature.damage -= healed
        ctx.emit("healed", seat, card=creature.instance_id, amount=healed)
    return healed


def attach_energy(ctx: Ctx, seat: PlayerIndex, energy: CardInstance, target: CardInstance) -> None:
    """Attach an energy card (already removed from its zone) to a creature in play."""
    target.attached_energy.append(attached(energy))
    ctx.emit(
        "energy_attached",
        seat,
        card=energy.instance_id,
        definition=energy.definition_id,
        target=target.instance_id,
    )


def discard_energy(ctx: Ctx, seat: PlayerIndex, creature: CardInstance, energy_id: str) -> None:
    """Move one attached energy from a creature to its owner's discard pile."""
    for position, energy in enumerate(creature.attached_energy):
        if energy.instance_id == energy_id:
            del creature.attached_energy[position]
            ctx.state.players[seat].discard.append(loose(energy))
            ctx.emit("energy_discarded", seat, card=energy_id, source=creature.instance_id)
            return
    raise EngineError(f"energy {energy_id} is not attached to {creature.instance_id}")


def move_energy(
    ctx: Ctx, seat: PlayerIndex, source: CardInstance, target: CardInstance, energy_id: str
) -> None:
    """Move one attached energy from one creature to another of the same player."""
    for position, energy in enumerate(source.attached_energy):
        if energy.instance_id == energy_id:
            del source.attached_energy[position]
            target.attached_energy.append(energy)
            ctx.emit(
                "energy_moved",
                seat,
                card=energy_id,
                source=source.instance_id,
                target=target.instance_id,
            )
            return
    raise EngineError(f"energy {energy_id} is not attached to {source.instance_id}")


def switch_active(ctx: Ctx, seat: PlayerIndex, bench_id: str) -> None:
    """Swap the active creature with a benched one; the one benched loses its statuses."""
    player = ctx.state.players[seat]
    incoming = take(player.bench, bench_id)
    outgoing = player.active
    player.active = incoming
    if outgoing is not None:
        outgoing.status_conditions.clear()
        end_lasting_for(ctx, outgoing.instance_id, leaving_active_only=True)
        player.bench.append(outgoing)
    ctx.emit(
        "switched",
        seat,
        active=incoming.instance_id,
        benched=outgoing.instance_id if outgoing else None,
    )


def promote(ctx: Ctx, seat: PlayerIndex, bench_id: str) -> None:
    """Move a benched creature to the empty active spot."""
    player = ctx.state.players[seat]
    if player.active is not None:
        raise EngineError(f"player {seat} already has an active creature")
    player.active = take(player.bench, bench_id)
    ctx.emit("promoted", seat, card=bench_id)


def add_status(
    ctx: Ctx, seat: PlayerIndex, creature: CardInstance, status: StatusCondition
) -> None:
    """Give an active creature a status; asleep, confused and paralyzed replace each other."""
    statuses = creature.status_conditions
    if status in EXCLUSIVE_STATUSES:
        statuses[:] = [s for s in statuses if s not in EXCLUSIVE_STATUSES]
    if status not in statuses:
        statuses.append(status)
    ctx.emit("status_added", seat, card=creature.instance_id, status=status.value)


def remove_status(
    ctx: Ctx, seat: PlayerIndex, creature: CardInstance, status: StatusCondition
) -> None:
    """Cure one status if present."""
    if status in creature.status_conditions:
        creature.status_conditions.remove(status)
        ctx.emit("status_removed", seat, card=creature.instance_id, status=status.value)


def add_lasting(ctx: Ctx, effect: LastingEffect) -> None:
    """Add a lasting effect (the caller computes its expiry from the duration)."""
    ctx.state.lasting_effects.append(effect)
    ctx.emit(
        "lasting_added", effect.player, modifier=effect.modifier.get("kind"), target=effect.target
    )


def end_lasting_for(ctx: Ctx, instance_id: str, *, leaving_active_only: bool = False) -> None:
    """Drop lasting effects on a creature leaving play (or only the active-bound ones)."""
    effects = ctx.state.lasting_effects
    if effects:
        effects[:] = [
            e
            for e in effects
            if e.target != instance_id or (leaving_active_only and not e.until_leaves_active)
        ]


def request_choice(ctx: Ctx, choice: PendingChoice) -> None:
    """Make the game wait for `choice`; the next legal actions answer it."""
    if ctx.state.pending_choice is not None:
        raise EngineError("a choice is already pending")
    ctx.state.pending_choice = choice
    ctx.emit(
        "choice_requested", choice.player, prompt_kind=choice.kind, options=list(choice.options)
    )
