"""The battle timer and disconnect window, on times the test chooses."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.play.clock import (
    Expiry,
    GameClock,
    TimeControl,
    begin_turn,
    mark_warned,
    next_deadline,
    record_timeout,
    resume,
    set_connected,
    stop,
)

CONTROL = TimeControl(
    bank_ms=200_000, increment_ms=10_000, turn_cap_ms=90_000, warning_ms=20_000, max_timeouts=3
)


def test_a_setting_reads_into_a_time_control() -> None:
    parsed = TimeControl.parse("bank=200s increment=10s cap=90s warn=20s timeouts=3 grace=1m")
    assert parsed == CONTROL.model_copy(update={"grace_ms": 60_000})
    assert TimeControl.parse("bank=500ms,cap=250ms") == TimeControl(bank_ms=500, turn_cap_ms=250)
    assert TimeControl.parse("off") is None
    assert TimeControl.parse("  ") is None


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("bank=10s speed=3", "'speed=3'"),
        ("bank", "'bank'"),
        ("bank=ten cap=1s", "bank='ten'"),
        ("bank=1s bank=2s cap=1s", "'bank' given twice"),
        ("bank=1h cap=1s", "bank='1h'"),
        ("cap=1s", "bank_ms"),
    ],
)
def test_a_bad_setting_names_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        TimeControl.parse(text)


def test_the_turn_cap_ends_a_turn_before_the_bank_does() -> None:
    clock = begin_turn(GameClock.start(CONTROL), 0, CONTROL, now_ms=1_000)
    assert clock.seats[0].bank_ms == 200_000  # the increment never grows the bank past its start
    assert next_deadline(clock, CONTROL) == (1_000 + 70_000, Expiry.WARNING)
    clock = mark_warned(clock, 0)
    assert next_deadline(clock, CONTROL) == (1_000 + 90_000, Expiry.DEFAULT_ACTION)


def test_a_turn_charges_the_bank_and_the_next_turn_adds_the_increment() -> None:
    clock = begin_turn(GameClock.start(CONTROL), 0, CONTROL, now_ms=0)
    clock = begin_turn(clock, 1, CONTROL, now_ms=50_000)
    assert clock.seats[0].bank_ms == 150_000
    assert clock.seats[1].bank_ms == 200_000
    clock = begin_turn(clock, 0, CONTROL, now_ms=60_000)
    assert clock.seats[0].bank_ms == 160_000
    assert clock.seats[1].bank_ms == 190_000


def test_a_short_bank_means_a_loss_on_time() -> None:
    clock = GameClock.start(CONTROL)
    clock = begin_turn(clock, 0, CONTROL, now_ms=0)
    clock = begin_turn(clock, 1, CONTROL, now_ms=150_000)  # seat 0 used 150 s in one turn
    clock = begin_turn(clock, 0, CONTROL, now_ms=151_000)
    assert clock.seats[0].bank_ms == 60_000
    assert next_deadline(mark_warned(clock, 0), CONTROL) == (151_000 + 60_000, Expiry.LOSS_ON_TIME)


def test_the_last_allowed_timeout_is_a_loss() -> None:
    clock = begin_turn(GameClock.start(CONTROL), 0, CONTROL, now_ms=0)
    clock = mark_warned(record_timeout(record_timeout(clock, 0), 0), 0)
    assert next_deadline(clock, CONTROL) == (90_000, Expiry.LOSS_ON_TIME)


def test_answering_a_choice_mid_turn_keeps_the_turn_used() -> None:
    clock = begin_turn(GameClock.start(CONTROL), 0, CONTROL, now_ms=0)
    clock = resume(clock, 1, now_ms=30_000)  # seat 1 answers a choice
    clock = resume(clock, 0, now_ms=35_000)
    assert clock.turn_used_ms == 30_000  # seat 1's answer came from its own bank
    assert clock.seats[1].bank_ms == 195_000
    assert next_deadline(mark_warned(clock, 0), CONTROL) == (35_000 + 60_000, Expiry.DEFAULT_ACTION)


def test_grace_runs_only_while_the_dropped_seat_must_act() -> None:
    clock = begin_turn(GameClock.start(CONTROL), 1, CONTROL, now_ms=0)
    clock = set_connected(clock, 0, False, CONTROL, now_ms=1_000)  # drops in the opponent's turn
    clock = begin_turn(clock, 0, CONTROL, now_ms=80_000)
    assert clock.seats[0].grace_left_ms == 60_000
    assert next_deadline(clock, CONTROL) == (80_000 + 60_000, Expiry.ABANDONED)
    clock = set_connected(clock, 0, True, CONTROL, now_ms=100_000)  # back within the window
    assert clock.seats[0].grace_left_ms == 60_000
    assert next_deadline(clock, CONTROL) == (100_000 + 50_000, Expiry.WARNING)


def test_grace_used_in_one_turn_stays_used() -> None:
    clock = begin_turn(GameClock.start(CONTROL), 0, CONTROL, now_ms=0)
    clock = set_connected(clock, 0, False, CONTROL, now_ms=0)
    clock = begin_turn(clock, 1, CONTROL, now_ms=40_000)  # the server played seat 0's default
    clock = begin_turn(clock, 0, CONTROL, now_ms=50_000)
    assert next_deadline(clock, CONTROL) == (50_000 + 20_000, Expiry.ABANDONED)


def test_nothing_runs_between_turns() -> None:
    clock = stop(begin_turn(GameClock.start(CONTROL), 0, CONTROL, now_ms=0), now_ms=5)
    assert next_deadline(clock, CONTROL) is None
    assert stop(clock, now_ms=10) == clock


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["turn", "drop", "back", "timeout"]),
            st.integers(0, 1),
            st.integers(0, 400_000),
        ),
        max_size=30,
    )
)
def test_banks_stay_within_bounds_and_deadlines_never_precede_the_start(
    steps: list[tuple[str, int, int]],
) -> None:
    clock, now = GameClock.start(CONTROL), 0
    for kind, seat, wait in steps:
        now += wait
        if kind == "turn":
            clock = begin_turn(clock, seat, CONTROL, now)
        elif kind == "timeout":
            clock = record_timeout(clock, seat)
        else:
            clock = set_connected(clock, seat, kind == "back", CONTROL, now)
        for current in clock.seats:
            assert 0 <= current.bank_ms <= CONTROL.bank_ms
            assert 0 <= current.grace_left_ms <= CONTROL.grace_ms
        deadline = next_deadline(clock, CONTROL)
        if deadline is not None:
            assert deadline[0] >= clock.since_ms
