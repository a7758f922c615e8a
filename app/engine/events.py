"""What happened, for the UI, logs and drivers; separate from the state.

`apply` returns the events of one action in order. They are informational: the
state is the truth and the replay needs only the action log. A driver persists at
turn boundaries, which `is_turn_boundary` recognises.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

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
