"""The battle timer and the disconnect window: pure arithmetic on times the caller passes in.

Showdown's battle timer is the anchor: each seat has a bank of time; each of its turns adds an
increment (the bank never grows past its start); a single turn may use at most a cap, so one
seat cannot sit on a whole bank. When a turn's time runs out the server plays the engine's
default for that seat (end the turn; the first legal option of a pending choice) and counts a
timeout; the seat loses on time when its bank is empty or it reaches the allowed timeouts.

A disconnected seat has a grace window to come back (Colyseus's ``allowReconnection``). The
window runs only while that seat must act, so a player who drops during the opponent's turn
loses nothing by it; it is paused again when the seat reconnects, and resets then.

Nothing here reads a clock or stores anything: the game service keeps a `GameClock` with the
game (Redis, and PostgreSQL at turn boundaries) and asks `next_deadline` when to wake, so any
instance can fire a deadline and the store's version check lets exactly one of them apply it.
Times are integer milliseconds since the epoch, so the arithmetic is exact.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Millis = Annotated[int, Field(ge=0)]


class TimeControl(BaseModel):
    """A game type's timer, as the settings give it; ``None`` for a game without one."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    bank_ms: Annotated[int, Field(gt=0)]
    increment_ms: Millis = 0
    turn_cap_ms: Annotated[int, Field(gt=0)]
    warning_ms: Millis = 0
    max_timeouts: Annotated[int, Field(ge=1)] = 3
    grace_ms: Annotated[int, Field(gt=0)] = 60_000

    @classmethod
    def parse(cls, text: str) -> TimeControl | None:
        """Read a setting such as ``bank=210s increment=10s cap=150s warn=30s timeouts=3``.

        ``off`` (or an empty string) is no timer. Units: ``ms``, ``s`` (the default) or ``m``.

        Raises:
            ValueError: naming the key or value that is wrong.
        """
        text = text.strip()
        if text in ("", "off"):
            return None
        values: dict[str, int] = {}
        for part in text.replace(",", " ").split():
            key, sep, raw = part.partition("=")
            field = _KEYS.get(key)
            if not sep or field is None:
                known = ", ".join(_KEYS)
                raise ValueError(f"{part!r}: expected key=value with a key among {known}")
            if field in values:
                raise ValueError(f"{key!r} given twice")
            values[field] = _amount(key, raw)
        return cls.model_validate(values)


_KEYS = {
    "bank": "bank_ms",
    "increment": "increment_ms",
    "cap": "turn_cap_ms",
    "warn": "warning_ms",
    "timeouts": "max_timeouts",
    "grace": "grace_ms",
}
_AMOUNT = re.compile(r"^(\d{1,9})(ms|s|m)?$")
_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, None: 1000}


def _amount(key: str, raw: str) -> int:
    match = _AMOUNT.match(raw)
    if match is None:
        raise ValueError(f"{key}={raw!r}: expected a whole number with ms, s or m")
    number, unit = int(match.group(1)), match.group(2)
    return number if key == "timeouts" and unit is None else number * _UNIT_MS[unit]


class Expiry(StrEnum):
    """What a deadline means when it passes."""

    WARNING = "warning"
    """Tell the seat its turn time is nearly out; nothing changes in the game."""
    DEFAULT_ACTION = "default_action"
    """The turn's time ran out: play the engine's default for the seat and count a timeout."""
    LOSS_ON_TIME = "loss_on_time"
    """The bank is empty or the timeouts are used up: the seat loses (``EndReason.TIMEOUT``)."""
    ABANDONED = "abandoned"
    """The disconnected seat's grace window ran out while it had to act."""


class SeatClock(BaseModel):
    """One seat's time: its bank, its timeouts so far, and its disconnect window."""

    model_config = ConfigDict(extra="forbid")

    bank_ms: Millis
    timeouts: Annotated[int, Field(ge=0)] = 0
    connected: bool = True
    grace_left_ms: Millis
    warned: bool = False


class GameClock(BaseModel):
    """The timer state kept with a game: both seats, and whose time runs since when.

    ``running`` is the seat that must act (None between turns, in setup before anyone must
    act, or when the game is over) and ``since_ms`` when its time started running.
    ``turn_seat`` owns the turn and ``turn_used_ms`` is what it used of its cap so far; a
    seat answering a choice in the other's turn pays from its bank, not from that cap.
    """

    model_config = ConfigDict(extra="forbid")

    seats: tuple[SeatClock, SeatClock]
    running: Annotated[int, Field(ge=0, le=1)] | None = None
    since_ms: Millis = 0
    turn_seat: Annotated[int, Field(ge=0, le=1)] | None = None
    turn_used_ms: Millis = 0

    @classmethod
    def start(cls, control: TimeControl) -> GameClock:
        """Both seats with a full bank and grace window; nobody's time running."""
        seat = SeatClock(bank_ms=control.bank_ms, grace_left_ms=control.grace_ms)
        return cls(seats=(seat, seat.model_copy()))


def _elapsed(clock: GameClock, now_ms: int) -> int:
    return max(0, now_ms - clock.since_ms)


def stop(clock: GameClock, now_ms: int) -> GameClock:
    """Charge the running seat for the time since ``since_ms`` and stop its time.

    The bank pays for the turn; a disconnected seat's grace window pays too. Called when the
    seat acts, and before the server plays a default for it.
    """
    seat = clock.running
    if seat is None:
        return clock
    used = _elapsed(clock, now_ms)
    seats = list(clock.seats)
    current = seats[seat]
    grace = current.grace_left_ms if current.connected else max(0, current.grace_left_ms - used)
    seats[seat] = current.model_copy(
        update={"bank_ms": max(0, current.bank_ms - used), "grace_left_ms": grace}
    )
    return clock.model_copy(
        update={
            "seats": (seats[0], seats[1]),
            "running": None,
            "turn_used_ms": clock.turn_used_ms + (used if seat == clock.turn_seat else 0),
        }
    )


def begin_turn(clock: GameClock, seat: int, control: TimeControl, now_ms: int) -> GameClock:
    """Start `seat`'s turn: the increment goes into its bank (up to the starting bank)."""
    clock = stop(clock, now_ms)
    seats = list(clock.seats)
    current = seats[seat]
    seats[seat] = current.model_copy(
        update={
            "bank_ms": min(control.bank_ms, current.bank_ms + control.increment_ms),
            "warned": False,
        }
    )
    return clock.model_copy(
        update={
            "seats": (seats[0], seats[1]),
            "running": seat,
            "since_ms": now_ms,
            "turn_seat": seat,
            "turn_used_ms": 0,
        }
    )


def resume(clock: GameClock, seat: int, now_ms: int) -> GameClock:
    """Run `seat`'s time again within the same turn (after the other seat answered a choice)."""
    clock = stop(clock, now_ms)
    return clock.model_copy(update={"running": seat, "since_ms": now_ms})


def set_connected(
    clock: GameClock, seat: int, connected: bool, control: TimeControl, now_ms: int
) -> GameClock:
    """Record a seat dropping or coming back; coming back refills its grace window."""
    running = clock.running
    clock = stop(clock, now_ms)
    seats = list(clock.seats)
    update: dict[str, object] = {"connected": connected}
    if connected:
        update["grace_left_ms"] = control.grace_ms
    seats[seat] = seats[seat].model_copy(update=update)
    clock = clock.model_copy(update={"seats": (seats[0], seats[1])})
    if running is None:
        return clock
    return clock.model_copy(update={"running": running, "since_ms": now_ms})


def record_timeout(clock: GameClock, seat: int) -> GameClock:
    """Count a timeout against `seat` (the server played its default)."""
    seats = list(clock.seats)
    seats[seat] = seats[seat].model_copy(update={"timeouts": seats[seat].timeouts + 1})
    return clock.model_copy(update={"seats": (seats[0], seats[1])})


def next_deadline(clock: GameClock, control: TimeControl) -> tuple[int, Expiry] | None:
    """When the running seat's next deadline falls, and what it means; None if nothing runs.

    The earliest of: the warning (once a turn), the end of its turn time (the smaller of what
    is left of the cap and of the bank) and, while it is disconnected, the end of its grace.
    """
    seat = clock.running
    if seat is None:
        return None
    current = clock.seats[seat]
    cap_left = control.turn_cap_ms - (clock.turn_used_ms if seat == clock.turn_seat else 0)
    turn_left = min(cap_left, current.bank_ms)
    bank_runs_out = current.bank_ms <= cap_left
    last_timeout = current.timeouts + 1 >= control.max_timeouts
    ends = Expiry.LOSS_ON_TIME if bank_runs_out or last_timeout else Expiry.DEFAULT_ACTION
    candidates = [(clock.since_ms + max(0, turn_left), ends)]
    if not current.warned and control.warning_ms and turn_left > control.warning_ms:
        candidates.append((clock.since_ms + turn_left - control.warning_ms, Expiry.WARNING))
    if not current.connected:
        candidates.append((clock.since_ms + current.grace_left_ms, Expiry.ABANDONED))
    return min(candidates, key=lambda candidate: candidate[0])


def mark_warned(clock: GameClock, seat: int) -> GameClock:
    """Record that `seat` was warned this turn, so the warning fires once."""
    seats = list(clock.seats)
    seats[seat] = seats[seat].model_copy(update={"warned": True})
    return clock.model_copy(update={"seats": (seats[0], seats[1])})
