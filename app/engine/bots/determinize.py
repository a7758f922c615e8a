"""Cheap copies of a game, and copies with the hidden cards dealt again for one seat.

A searching bot plays thousands of actions on copies of the game per decision,
so `clone` copies a state in a fraction of what `copy.deepcopy` costs: it knows
the state is a tree of slotted dataclasses, lists and dicts with no shared parts
(every card is in one place), copies the mutable parts and shares the immutable
ones (the rules, strings, numbers, enums, datetimes and the action records,
which the engine never changes once logged).

`determinize` is the bot's only way to look at a game: a copy in which every
card `seat` cannot see is dealt again at random, so the search cannot use what
the seat does not know. Hidden from a seat, as in `app.engine.view.view_for`:
its own deck, prizes and energy deck (their order and the prizes' faces), the
opponent's hand, deck, prizes and energy deck, the game's random seed (it fixes
every future coin flip and shuffle) and the action log. What the seat can know
is the board, both discard piles, its own hand, the counts of every zone, the
options and revealed cards of a choice it is making, and both deck lists (open
deck lists: the cards each side brought, as a multiset; the hidden cards are
that multiset minus what is visible). The copy depends only on those and on the
generator passed in: the hidden cards of one side (and their instance ids) are
pooled, sorted, and dealt to the hidden slots in an order drawn from `rng`, so
two games that differ only in what the seat cannot see give the same copies.

What the copy keeps that a careful player might not: a choice's continuation
(engine bookkeeping needed to resume it), and the slot of a hidden card named by
the seat's own pending choice. What it forgets that a player might remember:
cards seen earlier and since hidden (a card searched out and shuffled back, the
order of cards looked at): the bot assumes the least.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import fields, is_dataclass
from typing import Any, TypeVar

from app.core.game_state import CardInstance, GameState, PlayerIndex, PlayerState
from app.core.rules import RulesConfig

_T = TypeVar("_T")
_ATOMIC = (str, int, float, bool, type(None))
_SLOTS: dict[type, tuple[str, ...]] = {}
_SHARED: tuple[type, ...] = (RulesConfig,)
_HIDDEN_OWN = ("deck", "prizes")
_HIDDEN_FOE = ("hand", "deck", "prizes")


def _names(cls: type) -> tuple[str, ...]:
    names = _SLOTS.get(cls)
    if names is None:
        names = tuple(f.name for f in fields(cls))
        _SLOTS[cls] = names
    return names


def _copy(value: Any) -> Any:
    if isinstance(value, _ATOMIC):
        return value
    if isinstance(value, list):
        return [_copy(item) for item in value]
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return tuple(_copy(item) for item in value)
    if is_dataclass(value) and not isinstance(value, type) and not isinstance(value, _SHARED):
        cls = type(value)
        new = object.__new__(cls)
        for name in _names(cls):
            setattr(new, name, _copy(getattr(value, name)))
        return new
    return value  # immutable: enums, datetimes, UUIDs, the rules


def _card(card: CardInstance) -> CardInstance:
    new = object.__new__(CardInstance)
    new.instance_id = card.instance_id
    new.definition_id = card.definition_id
    new.damage = card.damage
    new.attached_energy = list(card.attached_energy)  # attached cards are never changed
    new.attached_tool = card.attached_tool
    new.evolved_from = list(card.evolved_from)
    new.status_conditions = list(card.status_conditions)
    new.turn_played = card.turn_played
    return new


_ZONES = ("deck", "hand", "bench", "discard", "prizes", "energy_deck")


def _player(player: PlayerState, skip: frozenset[str]) -> PlayerState:
    new: PlayerState = _copy_fields(player, skip={"active", *_ZONES})
    new.active = None if player.active is None else _card(player.active)
    for zone in _ZONES:
        cards: list[CardInstance] = getattr(player, zone)
        setattr(new, zone, list(cards) if zone in skip else [_card(c) for c in cards])
    return new


def _copy_fields(value: _T, skip: set[str]) -> _T:
    """A copy of the dataclass `value`: fields in `skip` are shared, the rest copied."""
    cls = type(value)
    new = object.__new__(cls)
    for name in _names(cls):
        item = getattr(value, name)
        setattr(new, name, item if name in skip else _copy(item))
    return new


def clone(
    state: GameState, *, keep_log: bool = True, shallow: tuple[frozenset[str], ...] = ()
) -> GameState:
    """An independent copy of `state`: applying actions to it never changes `state`.

    The action log's list is copied but its records are shared (the engine never
    changes a logged record); with ``keep_log=False`` the copy starts an empty log
    (its ``version`` still counts every action, which is all the engine reads).
    ``shallow[seat]`` names zones of that seat whose cards are not copied (only
    their list): for a caller that replaces every card in them.
    """
    copied: GameState = _copy_fields(state, skip={"players", "rules", "action_log"})
    skips = shallow or (frozenset(), frozenset())
    first, second = state.players
    copied.players = (_player(first, skips[0]), _player(second, skips[1]))
    copied.action_log = list(state.action_log) if keep_log else []
    return copied


def _fresh(instance_id: str, definition_id: str) -> CardInstance:
    card = object.__new__(CardInstance)
    card.instance_id = instance_id
    card.definition_id = definition_id
    card.damage = 0
    card.attached_energy = []
    card.attached_tool = None
    card.evolved_from = []
    card.status_conditions = []
    card.turn_played = None
    return card


def _slots(
    player: PlayerState, zones: tuple[str, ...], pinned: frozenset[str]
) -> Iterator[tuple[list[CardInstance], int]]:
    for zone in zones:
        cards: list[CardInstance] = getattr(player, zone)
        for position, card in enumerate(cards):
            if card.instance_id not in pinned:
                yield cards, position


def _deal(slots: list[tuple[list[CardInstance], int]], rng: random.Random) -> None:
    """Deal the cards in `slots` again: which card lands where depends only on the pool."""
    ids = sorted(cards[position].instance_id for cards, position in slots)
    definitions = sorted(cards[position].definition_id for cards, position in slots)
    rng.shuffle(ids)
    rng.shuffle(definitions)
    for (cards, position), instance_id, definition_id in zip(slots, ids, definitions, strict=True):
        cards[position] = _fresh(instance_id, definition_id)


def determinize(state: GameState, seat: PlayerIndex, rng: random.Random) -> GameState:
    """A copy of `state` with everything `seat` cannot see dealt again from `rng`.

    See the module docstring for what counts as seen. The result is a legal game
    state (same zones, same counts, same instance ids) and, with `rng` in the same
    state, the same for every game `seat` cannot tell apart.
    """
    hidden = (
        frozenset((*_HIDDEN_OWN, "energy_deck") if seat == 0 else (*_HIDDEN_FOE, "energy_deck")),
        frozenset((*_HIDDEN_OWN, "energy_deck") if seat == 1 else (*_HIDDEN_FOE, "energy_deck")),
    )
    copied = clone(state, keep_log=False, shallow=hidden)
    choice = copied.pending_choice
    pinned: frozenset[str] = frozenset()
    if choice is not None and choice.player == seat:
        pinned = frozenset((*choice.options, *choice.revealed))
    for index, player in enumerate(copied.players):
        zones = _HIDDEN_OWN if index == seat else _HIDDEN_FOE
        for zone in (*zones, "energy_deck"):
            cards: list[CardInstance] = getattr(player, zone)
            cards[:] = [_card(c) if c.instance_id in pinned else c for c in cards]
        _deal(list(_slots(player, zones, pinned)), rng)
        _deal(list(_slots(player, ("energy_deck",), pinned)), rng)
    copied.rng_seed = rng.getrandbits(62)
    return copied
