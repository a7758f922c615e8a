"""Who plays whom: pairing the tickets of a quick-match queue, as a pure function of its tickets.

Casual queues pair the two longest-waiting compatible players. Ranked queues pair by rating
with a window that widens while a player waits (Showdown's ladder search does this): a pair is
made only when the rating gap fits inside both players' windows, so a newcomer is not thrown
at a veteran just because the veteran has waited. Nobody is paired with the opponent of their
last ranked game while anyone else fits; after `RankedWindow.rematch_after_ms` of waiting
they may be, so a quiet queue still gets its game.

The queue's storage (Redis, shared by every instance) hands in the tickets it holds and
claims the pairs atomically; nothing here reads a clock or a store.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class Ticket(BaseModel):
    """One player waiting in one queue."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    user_id: str
    queued_at_ms: Annotated[int, Field(ge=0)]
    rating: float = 1500.0
    last_opponent: str | None = None


class RankedWindow(BaseModel):
    """How far apart two ranked players' ratings may be, growing with waiting time."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: Annotated[float, Field(ge=0)] = 100.0
    growth_per_10s: Annotated[float, Field(ge=0)] = 50.0
    widest: Annotated[float, Field(ge=0)] = 600.0
    rematch_after_ms: Annotated[int, Field(ge=0)] = 60_000

    def width(self, ticket: Ticket, now_ms: int) -> float:
        """The rating gap `ticket` accepts after waiting until `now_ms`."""
        waited = max(0, now_ms - ticket.queued_at_ms)
        return min(self.widest, self.start + self.growth_per_10s * (waited / 10_000))


def _waited_longest(tickets: list[Ticket]) -> list[Ticket]:
    return sorted(tickets, key=lambda ticket: (ticket.queued_at_ms, ticket.user_id))


def pair_casual(tickets: list[Ticket]) -> list[tuple[Ticket, Ticket]]:
    """Pair in order of waiting; one user's second ticket is never paired with the first."""
    pairs: list[tuple[Ticket, Ticket]] = []
    waiting: Ticket | None = None
    for ticket in _waited_longest(tickets):
        if waiting is None:
            waiting = ticket
        elif ticket.user_id != waiting.user_id:
            pairs.append((waiting, ticket))
            waiting = None
    return pairs


def _fits(a: Ticket, b: Ticket, window: RankedWindow, now_ms: int) -> bool:
    gap = abs(a.rating - b.rating)
    return a.user_id != b.user_id and gap <= min(window.width(a, now_ms), window.width(b, now_ms))


def _rematch(a: Ticket, b: Ticket, window: RankedWindow, now_ms: int) -> bool:
    """Whether a and b met last and either has not yet waited long enough to meet again."""
    met = a.last_opponent == b.user_id or b.last_opponent == a.user_id
    patient = min(now_ms - a.queued_at_ms, now_ms - b.queued_at_ms) >= window.rematch_after_ms
    return met and not patient


def pair_ranked(
    tickets: list[Ticket], window: RankedWindow, now_ms: int
) -> list[tuple[Ticket, Ticket]]:
    """Pair ranked tickets: the longest-waiting first, each with its closest fitting rating."""
    pairs: list[tuple[Ticket, Ticket]] = []
    open_tickets = _waited_longest(tickets)
    while open_tickets:
        first = open_tickets.pop(0)
        candidates = [
            other
            for other in open_tickets
            if _fits(first, other, window, now_ms) and not _rematch(first, other, window, now_ms)
        ]
        if not candidates:
            continue
        best = min(
            candidates, key=lambda other: (abs(other.rating - first.rating), other.queued_at_ms)
        )
        open_tickets.remove(best)
        pairs.append((first, best))
    return pairs
