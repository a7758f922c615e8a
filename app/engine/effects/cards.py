"""Card steps: draw, search, look at the top, recover, put away, reveal, discard the stadium.

The top of a deck is the END of its list (`app.engine.ops.draw` pops from there), so
"the bottom" is index 0. Decisions the vocabulary leaves open, taken here:
- A search or a recovery that finds matching cards takes at least one (and up to
  ``count``): taking none is never better and it keeps bots' choices meaningful.
- ``look_top`` with ``rest: bottom`` asks for the order of the rest only when they are
  not all identical; the answer lists them from the highest to the lowest.
- ``arrange_top`` answers list the cards from the new top down.
- ``put_from_hand`` never offers the trainer card being played (it is still resolving).
"""

from __future__ import annotations

from app.core.effects import (
    ArrangeTop,
    DiscardStadium,
    Draw,
    DrawToHandSize,
    LookTop,
    PutFromHand,
    RecoverFromDiscard,
    RevealHand,
    SearchDeck,
    ShuffleHandAndDraw,
)
from app.core.game_state import CardInstance
from app.engine import ops
from app.engine.context import Ctx
from app.engine.effects.runtime import Exec, choose
from app.engine.effects.select import amount_of, card_matches, distinct, seat_of


def draw(ctx: Ctx, ex: Exec, step: Draw) -> bool:
    """The player draws (fewer when the deck runs short; never a loss here)."""
    ops.draw(ctx, seat_of(ex, step.player), amount_of(ctx, ex, step.count))
    return True


def draw_to_hand_size(ctx: Ctx, ex: Exec, step: DrawToHandSize) -> bool:
    """The player draws until their hand holds ``size`` cards."""
    seat = seat_of(ex, step.player)
    missing = step.size - len(ctx.state.players[seat].hand)
    if missing > 0:
        ops.draw(ctx, seat, missing)
    return True


def shuffle_hand_and_draw(ctx: Ctx, ex: Exec, step: ShuffleHandAndDraw) -> bool:
    """The player shuffles their hand into their deck, then draws ``count``."""
    seat = seat_of(ex, step.player)
    player = ctx.state.players[seat]
    keep = [card for card in player.hand if card.instance_id == ex.run.source]
    player.deck.extend(card for card in player.hand if card.instance_id != ex.run.source)
    player.hand[:] = keep
    ops.shuffle_deck(ctx, seat)
    ops.draw(ctx, seat, step.count)
    return True


def put_from_hand(ctx: Ctx, ex: Exec, step: PutFromHand) -> bool:
    """The player puts cards of their choice from the hand to the discard or deck bottom."""
    player = ctx.state.players[ex.seat]
    hand = [card for card in player.hand if card.instance_id != ex.run.source]
    picked = choose(
        ctx,
        ex,
        "cards",
        chooser=ex.seat,
        kind="put_from_hand",
        options=distinct(hand, step.max_count),
        min_count=step.min_count,
        max_count=step.max_count,
        from_hidden=bool(hand),
        prompt=f"choose {step.min_count} to {step.max_count} card(s) to put "
        + ("in the discard pile" if step.to == "discard" else "on the bottom of the deck"),
    )
    if picked is None:
        return False
    for card_id in picked:
        if step.to == "discard":
            ops.discard_from_hand(ctx, ex.seat, card_id)
        else:
            player.deck.insert(0, ops.take(player.hand, card_id))
            ctx.emit("put_on_deck_bottom", ex.seat, card=card_id)
    return True


def search_deck(ctx: Ctx, ex: Exec, step: SearchDeck) -> bool:
    """Search the deck for matching cards, put them in the hand or bench, shuffle."""
    player = ctx.state.players[ex.seat]
    count = step.count
    if step.to == "bench":
        count = min(count, ctx.state.rules.board_bench_size - len(player.bench))
    # Sorted by card, not by deck position: the options would otherwise tell the
    # searcher where in its (secret) deck order each offered copy lies.
    matching = sorted(
        (
            card
            for card in player.deck
            if card_matches(ctx, card.definition_id, step.filter)
            and (step.to == "hand" or card.definition_id in ctx.index.basics)
        ),
        key=lambda card: (card.definition_id, card.instance_id),
    )
    picked: list[str] | None = []
    if matching and count > 0:
        picked = choose(
            ctx,
            ex,
            "cards",
            chooser=ex.seat,
            kind="search",
            options=distinct(matching, count),
            min_count=1,
            max_count=count,
            prompt=f"choose up to {count} card(s) from your deck",
        )
    if picked is None:
        return False
    for card_id in picked:
        card = ops.take(player.deck, card_id)
        if step.to == "hand":
            player.hand.append(card)
        else:
            card.turn_played = ctx.state.turn_number
            player.bench.append(card)
    if picked:
        ctx.emit("searched", ex.seat, cards=list(picked), to=step.to)
    ops.shuffle_deck(ctx, ex.seat)
    return True


def look_top(ctx: Ctx, ex: Exec, step: LookTop) -> bool:
    """Look at the top cards, take up to ``pick`` matching, put the rest back."""
    player = ctx.state.players[ex.seat]
    top = list(reversed(player.deck[-step.count :]))
    matching = [card for card in top if card_matches(ctx, card.definition_id, step.filter)]
    need = min(step.pick, len(matching)) if step.must_pick else 0
    picked = choose(
        ctx,
        ex,
        "pick",
        chooser=ex.seat,
        kind="look_top",
        options=distinct(matching, step.pick),
        min_count=need,
        max_count=step.pick,
        prompt=f"choose up to {step.pick} card(s) to put into your hand",
        revealed=[card.instance_id for card in top],
        from_hidden=bool(top),
    )
    if picked is None:
        return False
    rest = [card for card in top if card.instance_id not in picked]
    order = [card.instance_id for card in rest]
    if step.rest == "bottom" and len(rest) > 1:
        chosen = choose(
            ctx,
            ex,
            "order",
            chooser=ex.seat,
            kind="order",
            options=[card.instance_id for card in rest],
            min_count=len(rest),
            max_count=len(rest),
            prompt="order the cards for the bottom of your deck, highest first",
            ordered=True,  # even identical cards: whether they differ is hidden
        )
        if chosen is None:
            return False
        order = chosen
    for card_id in picked:
        player.hand.append(ops.take(player.deck, card_id))
    if picked:
        ctx.emit("took_from_top", ex.seat, cards=list(picked))
    if step.rest == "shuffle":
        ops.shuffle_deck(ctx, ex.seat)
    else:
        moved = [ops.take(player.deck, card_id) for card_id in order]
        player.deck[0:0] = list(reversed(moved))
        ctx.emit("put_on_deck_bottom", ex.seat, count=len(moved))
    return True


def arrange_top(ctx: Ctx, ex: Exec, step: ArrangeTop) -> bool:
    """The acting player looks at the top cards of a deck and puts them back in any order.

    The look is an event for the acting player (``top_seen``, definition ids top first);
    the order is asked only when there is an order to choose.
    """
    seat = seat_of(ex, step.player)
    deck = ctx.state.players[seat].deck
    top = list(reversed(deck[-step.count :]))
    order = [card.instance_id for card in top]
    if len(top) > 1:
        chosen = choose(
            ctx,
            ex,
            "order",
            chooser=ex.seat,
            kind="order",
            options=order,
            min_count=len(top),
            max_count=len(top),
            prompt="order the top cards, new top first",
            revealed=order,
            ordered=True,  # even identical cards: whether they differ is hidden
        )
        if chosen is None:
            return False
        order = chosen
    ctx.emit("top_seen", seat, by=ex.seat, cards=[card.definition_id for card in top])
    if len(top) > 1:
        by_id = {card.instance_id: card for card in top}
        del deck[-len(top) :]
        deck.extend(by_id[card_id] for card_id in reversed(order))
        ctx.emit("deck_arranged", seat, count=len(top), by=ex.seat)
    return True


def recover_from_discard(ctx: Ctx, ex: Exec, step: RecoverFromDiscard) -> bool:
    """Put matching cards from the discard pile into the hand or shuffle them into the deck."""
    player = ctx.state.players[ex.seat]
    matching = [
        card
        for card in player.discard
        if card.instance_id != ex.run.source and card_matches(ctx, card.definition_id, step.filter)
    ]
    if not matching:
        return True
    picked = choose(
        ctx,
        ex,
        "cards",
        chooser=ex.seat,
        kind="recover",
        options=distinct(matching, step.count),
        min_count=1,
        max_count=step.count,
        prompt=f"choose up to {step.count} card(s) from your discard pile",
    )
    if picked is None:
        return False
    cards: list[CardInstance] = [ops.take(player.discard, card_id) for card_id in picked]
    if step.to == "hand":
        player.hand.extend(cards)
    else:
        player.deck.extend(cards)
        ops.shuffle_deck(ctx, ex.seat)
    ctx.emit("recovered", ex.seat, cards=list(picked), to=step.to)
    return True


def reveal_hand(ctx: Ctx, ex: Exec, step: RevealHand) -> bool:
    """The player reveals their hand to the acting player (an event; nothing moves)."""
    seat = seat_of(ex, step.player)
    hand = ctx.state.players[seat].hand
    ctx.emit(
        "hand_revealed",
        seat,
        to=ex.seat,
        cards=[card.definition_id for card in hand],
    )
    return True


def discard_stadium(ctx: Ctx, ex: Exec, step: DiscardStadium) -> bool:  # noqa: ARG001
    """Discard the stadium in play into its owner's discard pile."""
    stadium = ctx.state.stadium
    if stadium is None:
        return True
    ctx.state.stadium = None
    card = stadium.card
    ctx.state.players[stadium.owner].discard.append(
        ops.new_instance(card.instance_id, card.definition_id)
    )
    ctx.emit("stadium_discarded", stadium.owner, card=card.instance_id, by=ex.seat)
    return True
