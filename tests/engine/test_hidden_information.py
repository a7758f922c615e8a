"""What a seat (or a spectator) receives depends only on what it may know (issue 16, points 1-2).

The check runs at every action of whole games of every preset, for seat 0, seat 1 and
a spectator: the cards the viewer cannot see before or after the action (in either
deck, the opponent's hand, the prizes, the energy decks) are dealt again among their
hidden places, the seed is changed, and the viewer's view must not change; then the
same action is applied with the same seed to a state so dealt again (only the order
within each zone, for a player whose hidden cards the step reads: see
`_reads_own_cards`), and the viewer's events (`events_for`) and view after it must
be the same as in the real game. A filter that let a hidden card
through, or a view that showed one, would see its id or its definition change.

Separately: instance ids say nothing about the card behind them (a public deck list
no longer names every id), and the chooser's view names the cards of its choice.
"""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from app.core.game_state import CardInstance, GameState, PlayerIndex, PlayerState, TurnPhase
from app.engine import (
    Action,
    ActionKind,
    IllegalActionError,
    apply,
    events_for,
    legal_actions,
    view_for,
)
from app.engine.checks import acting_player
from app.engine.events import Event
from tests.engine.builders import NOW, catalog
from tests.engine.play import start

PRESETS = ("mantimon", "pocket", "classic")
VIEWERS: tuple[PlayerIndex | None, ...] = (0, 1, None)


def _all_ids(state: GameState) -> set[str]:
    """Every card instance id in the game."""
    ids: set[str] = set()
    for player in state.players:
        for card in player.cards():
            ids.update(card.instance_ids())
    if state.stadium is not None:
        ids.add(state.stadium.card.instance_id)
    return ids


def _named(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _hidden(
    before: GameState, after: GameState, events: list[Event], viewer: PlayerIndex | None
) -> set[str]:
    """Ids the rules hide from the viewer before and after the step (by zone, not by view).

    Hidden: both decks, energy decks and prize piles and the other seats' hands, less
    what the step shows the viewer (a card that lands in a zone it sees, the cards of
    its own pending choice, the top of a deck it looks at, a hand shown to it) and
    less what a pending choice or a lasting effect refers to (moving those would make
    a state no game reaches).
    """
    hidden: set[str] = set()
    for seat, player in enumerate(before.players):
        zones = [player.deck, player.prizes, player.energy_deck]
        if seat != viewer:
            zones.append(player.hand)
        hidden.update(card.instance_id for zone in zones for card in zone)
    for seat, player in enumerate(after.players):
        seen = [*player.discard, *([player.active] if player.active else []), *player.bench]
        if seat == viewer:
            seen.extend(player.hand)
        for card in seen:
            hidden.difference_update(card.instance_ids())
    if after.stadium is not None:
        hidden.discard(after.stadium.card.instance_id)
    choice = after.pending_choice
    if choice is not None and choice.player == viewer:
        hidden.difference_update([*choice.options, *choice.revealed])
    for event in events:
        if event.kind == "top_seen" and event.data.get("by") == viewer:
            deck = before.players[event.player or 0].deck
            hidden.difference_update(c.instance_id for c in deck[-len(event.data["cards"]) :])
        if event.kind == "hand_revealed" and event.data.get("to") == viewer:
            hidden.difference_update(c.instance_id for c in before.players[event.player or 0].hand)
    fixed = _named(before.model_dump(mode="json")["pending_choice"]) + _named(
        before.model_dump(mode="json")["lasting_effects"]
    )
    return {card_id for card_id in hidden if card_id not in fixed}


def _redeal(player: PlayerState, hidden: set[str], rng: random.Random, *, across: bool) -> None:
    """Deal the player's hidden cards again among their hidden places.

    `across`: among the deck, hand and prizes together; otherwise each zone keeps its
    cards and only their order changes (for a step in which the player searches the
    deck: the searcher sees what is in it, and anyone sees whether a search found any).
    """
    groups = [("deck", "hand", "prizes")] if across else [("deck",), ("hand",), ("prizes",)]
    for zones in [*groups, ("energy_deck",)]:
        places = [
            (zone, i)
            for zone in zones
            for i, card in enumerate(getattr(player, zone))
            if card.instance_id in hidden
        ]
        cards: list[CardInstance] = [getattr(player, zone)[i] for zone, i in places]
        rng.shuffle(cards)
        for (zone, i), card in zip(places, cards, strict=True):
            getattr(player, zone)[i] = card


def _shown(events: list[Event], viewer: PlayerIndex | None) -> list[Any]:
    return [list(e) for e in events_for(events, viewer)]


_EFFECTS = (ActionKind.PLAY_TRAINER, ActionKind.USE_ABILITY, ActionKind.ATTACK, ActionKind.CHOOSE)


def _reads_own_cards(events: list[Event], action: Action, seat: int, acting: int) -> bool:
    """Whether the step reads which cards `seat` holds in its hidden zones.

    A search or shuffle of its deck, or an effect it runs (which may choose from its
    hand or deck): whether a search finds any card decides whether its choice is asked,
    and a pending choice is visible to everyone; which cards the hand holds decides what
    an effect may do. Then only the order within each hidden zone is changed, so this
    check does not see a leak of what a zone holds: a choice over the hand or the top of
    the deck is asked even when forced (`choose`'s `from_hidden`), tested in
    `tests/engine/effects/`.
    """
    if seat == acting and action.kind in _EFFECTS:
        return True
    return any(
        e.player == seat and (e.kind == "deck_shuffled" or e.kind == "choice_requested")
        for e in events
    )


def _check_step(
    state: GameState, action: Action, viewer: PlayerIndex | None, rng: random.Random
) -> bool:
    """The check of the module docstring for one action and one viewer; False if skipped."""
    cards = catalog()
    real = state.model_copy(deep=True)
    events = apply(real, action, cards, at=NOW)
    shown = _shown(events, viewer)
    hidden = _hidden(state, real, events, viewer)
    anything = state.model_copy(deep=True)
    for player in anything.players:
        _redeal(player, hidden, rng, across=True)
    anything.rng_seed = state.rng_seed + 1 + rng.randrange(1000)
    assert view_for(anything, viewer) == view_for(state, viewer), "the view shows a hidden card"
    other = state.model_copy(deep=True)
    acting = acting_player(state)
    for seat, player in enumerate(other.players):
        _redeal(player, hidden, rng, across=not _reads_own_cards(events, action, seat, acting))
    try:
        other_events = apply(other, action, cards, at=NOW)
    except IllegalActionError:
        return False  # the redeal changed what the rules allow (e.g. a search with no target)
    assert _shown(other_events, viewer) == shown, f"{action}: events show a hidden card"
    assert view_for(other, viewer) == view_for(real, viewer), f"{action}: the view after differs"
    return True


@pytest.mark.parametrize("preset", PRESETS)
def test_a_viewer_receives_nothing_that_depends_on_what_it_cannot_know(preset: str) -> None:
    rng = random.Random(7)
    cards = catalog()
    checked = skipped = 0
    for seed in (160, 161):
        state = start(preset, seed + PRESETS.index(preset))
        while state.phase is not TurnPhase.ENDED:
            actions = legal_actions(state, cards)
            attacks = [a for a in actions if a.kind is ActionKind.ATTACK]
            action = rng.choice(attacks if attacks and rng.random() < 0.4 else actions)
            for viewer in VIEWERS:
                if _check_step(state, action, viewer, rng):
                    checked += 1
                else:
                    skipped += 1
            apply(state, action, cards, at=NOW)
            assert state.version < 3000
    assert checked > 150
    assert skipped * 20 < checked


def test_the_events_of_a_real_game_name_only_cards_the_viewer_may_see() -> None:
    """The kinds that carry hidden cards are filtered for the other seat and spectators."""
    state = start("mantimon", 3)
    rng = random.Random(3)
    cards = catalog()
    seen_kinds: set[str] = set()
    while state.phase is not TurnPhase.ENDED:
        action = rng.choice(legal_actions(state, cards))
        events = apply(state, action, cards, at=NOW)
        seen_kinds.update(e.kind for e in events)
        for event in events_for(events, None):
            if event.kind in ("placed", "energy_drawn", "choice_requested", "chose"):
                assert not {"card", "cards", "options", "choice"} & set(event.data), event
    assert {"placed", "energy_drawn", "choice_requested", "chose"} <= seen_kinds


def test_every_event_kind_has_a_visibility() -> None:
    """A kind the engine emits is public or filtered: `events_for` never guesses."""
    from app.engine import events as events_module

    known = events_module.PUBLIC | set(events_module._FILTERS)
    emitted: set[str] = set()
    for preset in PRESETS:
        state = start(preset, 11)
        rng = random.Random(11)
        while state.phase is not TurnPhase.ENDED:
            events = apply(state, rng.choice(legal_actions(state, catalog())), catalog(), at=NOW)
            emitted.update(e.kind for e in events)
    assert emitted <= known, emitted - known
    hidden = events_for([Event("brand_new", 0, {"card": "p0-x"})], 1)
    assert hidden == [Event("brand_new", 0)]


def test_instance_ids_say_nothing_about_the_card() -> None:
    """With public deck lists, numbered ids named the card (40 of 40 seed pairs)."""
    same = 0
    for seed in range(40):
        first, second = start("mantimon", seed), start("mantimon", seed + 1000)
        for a, b in zip(first.players, second.players, strict=True):
            by_id_a = [c.definition_id for c in sorted(a.cards(), key=lambda c: c.instance_id)]
            by_id_b = [c.definition_id for c in sorted(b.cards(), key=lambda c: c.instance_id)]
            same += by_id_a == by_id_b
            assert by_id_a != sorted(by_id_a), "ids follow the cards' order"
    assert same == 0


def test_ids_come_from_the_seed_so_a_new_game_is_reproduced() -> None:
    assert start("pocket", 5).model_dump_json() == start("pocket", 5).model_dump_json()
    ids = _all_ids(start("classic", 5))
    assert all(card_id[:4] in ("p0-m", "p1-m", "p0-e", "p1-e") for card_id in ids)
    assert all(len(card_id) == 12 for card_id in ids)


def _choice_state(kind: str) -> GameState:
    for seed in range(60):
        state = start("mantimon", seed)
        rng = random.Random(seed)
        while state.phase is not TurnPhase.ENDED and state.version < 400:
            choice = state.pending_choice
            if choice is not None and choice.kind == kind:
                return state
            apply(state, rng.choice(legal_actions(state, catalog())), catalog(), at=NOW)
    pytest.skip(f"no {kind} choice in these games")


@pytest.mark.parametrize("kind", ["search", "promote", "put_from_hand"])
def test_the_chooser_sees_the_cards_it_chooses_among_and_the_other_seat_only_that_it_chooses(
    kind: str,
) -> None:
    state = _choice_state(kind)
    choice = state.pending_choice
    assert choice is not None
    mine = view_for(state, choice.player)["pending_choice"]
    by_id = {card.instance_id: card.definition_id for p in state.players for card in p.cards()}
    assert mine["cards"] == {o: by_id[o] for o in choice.options if o in by_id}
    assert set(mine["cards"]) == set(choice.options)
    for other in (1 - choice.player, None):
        assert view_for(state, other)["pending_choice"] == {  # type: ignore[arg-type]
            "player": choice.player,
            "kind": choice.kind,
        }
    answer = legal_actions(state, catalog())[0]
    apply(state, answer, catalog(), at=NOW)
    after = state.pending_choice
    if after is None or after.player != choice.player:
        assert "cards" not in str(view_for(state, choice.player).get("pending_choice"))
