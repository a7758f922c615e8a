"""What happened, for the UI, logs and drivers; separate from the state.

`apply` returns the events of one action in order. They are informational: the
state is the truth and the replay needs only the action log. A driver persists at
turn boundaries, which `is_turn_boundary` recognises.

The events `apply` returns are the whole truth and name cards a seat may not know
(the face-down setup placements, a drawn energy, the options of a choice, cards
searched or seen on top of a deck). Anything that shows events to a person passes
them through `events_for(events, seat)` first (``seat=None``: a spectator), exactly
as it shows the state through `app.engine.view.view_for`. docs/engine-events.md
says what each seat and a spectator receive, event by event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any, Final, NamedTuple

TURN_ENDED = "turn_ended"
GAME_ENDED = "game_ended"


_NO_DATA: Mapping[str, Any] = MappingProxyType({})


class Event(NamedTuple):
    """One thing that happened: ``kind`` (e.g. ``drew``, ``knocked_out``), who it concerns, details.

    ``player`` is the seat the event belongs to, or None for both. ``data`` holds
    JSON-friendly values only (ids, numbers, strings). A named tuple (immutable,
    cheap to build): an action emits a few and a bot game several thousand.
    """

    kind: str
    player: int | None = None
    data: Mapping[str, Any] = _NO_DATA


def is_turn_boundary(events: Iterable[Event]) -> bool:
    """Whether these events end a turn (or the game): the moment to persist the state."""
    return any(event.kind in (TURN_ENDED, GAME_ENDED) for event in events)


PUBLIC: Final = frozenset(
    {
        "attack_failed",
        "attacked",
        "coin_flipped",
        "counters_placed",
        "damage_prevented",
        "damaged",
        "deck_arranged",
        "deck_shuffled",
        "discarded",
        "draw_skipped",
        "drew",
        "energy_attached",
        "energy_discarded",
        "energy_moved",
        "evolved",
        GAME_ENDED,
        "healed",
        "knocked_out",
        "lasting_added",
        "played_creature",
        "played_trainer",
        "prizes_taken",
        "promoted",
        "recovered",
        "resigned",
        "lost_on_time",
        "abandoned",
        "draw_agreed",
        "retreated",
        "returned_to_hand",
        "revealed",
        "scored",
        "setup_finished",
        "stadium_discarded",
        "status_added",
        "status_blocked",
        "status_removed",
        "switch_prevented",
        "switched",
        TURN_ENDED,
        "turn_started",
        "used_ability",
        "used_stadium",
        "zone_energy",
    }
)
"""Event kinds every seat and a spectator receive as they are: they name only cards
on the board, in a discard pile or just played, and counts."""


def _count(data: Mapping[str, Any], key: str = "cards") -> int:
    value = data.get(key)
    return len(value) if isinstance(value, list) else 0


def _placed(event: Event, seat: int | None) -> Event:
    # Face down until both players finished setup (then "revealed" names the Fronts).
    if seat == event.player:
        return event
    return Event(event.kind, event.player, {"zone": event.data.get("zone")})


def _owner_only(event: Event, seat: int | None) -> Event:
    # A card moved from a hidden zone into its owner's hand: the others learn how many.
    if seat == event.player:
        return event
    kept = {k: v for k, v in event.data.items() if k not in ("card", "cards", "choice", "options")}
    if "cards" in event.data:
        kept["count"] = _count(event.data)
    elif "choice" in event.data:
        kept["count"] = _count(event.data, "choice")
    elif "card" in event.data:
        kept["count"] = 1
    return Event(event.kind, event.player, kept)


def _choice_requested(event: Event, seat: int | None) -> Event:
    # The other seat and a spectator learn only that a choice is pending, and of what kind.
    if seat == event.player:
        return event
    return Event(event.kind, event.player, {"prompt_kind": event.data.get("prompt_kind")})


def _searched(event: Event, seat: int | None) -> Event:
    # Searched onto the bench: the cards are on the board, public.
    if event.data.get("to") == "bench":
        return event
    return _owner_only(event, seat)


def _seen_by(event: Event, seat: int | None) -> Event:
    # top_seen: the looker (``by``) sees the cards, not the deck's owner or a spectator.
    if seat is not None and seat == event.data.get("by"):
        return event
    return Event(
        event.kind, event.player, {"by": event.data.get("by"), "count": _count(event.data)}
    )


def _revealed_to(event: Event, seat: int | None) -> Event:
    # hand_revealed: the seat it is shown to and the hand's owner; a spectator gets a count.
    if seat is not None and seat in (event.player, event.data.get("to")):
        return event
    return Event(
        event.kind, event.player, {"to": event.data.get("to"), "count": _count(event.data)}
    )


_FILTERS: Final[dict[str, Callable[[Event, int | None], Event]]] = {
    "placed": _placed,
    "energy_drawn": _owner_only,
    "choice_requested": _choice_requested,
    "chose": _owner_only,
    "searched": _searched,
    "took_from_top": _owner_only,
    "put_on_deck_bottom": _owner_only,
    "top_seen": _seen_by,
    "hand_revealed": _revealed_to,
}
"""Event kinds that name hidden cards, and what a seat (or None: a spectator) gets of each."""


def events_for(events: Iterable[Event], seat: int | None) -> list[Event]:
    """The events as `seat` may see them (``None``: a spectator, the public form).

    Public kinds (`PUBLIC`) pass as they are; kinds that name hidden cards keep them
    only for the seat entitled to them and give the others what they may know (the
    zone, a count). A kind in neither list (one added to the engine without a
    decision here) is given to everyone with its data withheld, never in full.
    """
    shown: list[Event] = []
    for event in events:
        kind = event.kind
        if kind in PUBLIC:
            shown.append(event)
            continue
        hide = _FILTERS.get(kind)
        shown.append(hide(event, seat) if hide is not None else Event(kind, event.player))
    return shown
