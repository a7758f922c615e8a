"""FairGate: first come, first served, and callers that give up leave no trace."""

from __future__ import annotations

import asyncio

import pytest

from app.db.fair_gate import FairGate


async def _hold(gate: FairGate, name: str, served: list[str], rounds: int = 1) -> None:
    for _ in range(rounds):
        assert await gate.acquire(5.0)
        served.append(name)
        await asyncio.sleep(0)
        gate.release()


def test_a_gate_needs_a_slot() -> None:
    with pytest.raises(ValueError, match="size must be at least 1, got 0"):
        FairGate(0)


async def test_a_freed_slot_goes_to_the_longest_waiter_not_to_who_asks_again() -> None:
    gate = FairGate(1)
    served: list[str] = []
    await asyncio.gather(
        _hold(gate, "a", served, rounds=3), _hold(gate, "b", served), _hold(gate, "c", served)
    )
    assert served == ["a", "b", "c", "a", "a"]


async def test_a_wait_that_times_out_returns_false_and_leaves_the_queue() -> None:
    gate = FairGate(1)
    assert gate.try_acquire()
    assert not gate.try_acquire()
    assert await gate.acquire(0.01) is False
    gate.release()
    assert gate.try_acquire(), "the timed-out waiter still blocks the queue"


async def test_a_cancelled_waiter_leaves_the_queue() -> None:
    gate = FairGate(1)
    assert gate.try_acquire()
    waiting = asyncio.create_task(gate.acquire(5.0))
    await asyncio.sleep(0)
    waiting.cancel()
    gate.release()  # before the cancelled waiter has run: the release skips it
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert gate.try_acquire()
    assert not gate.try_acquire()


async def test_a_waiter_cancelled_after_being_handed_the_slot_passes_it_on() -> None:
    gate = FairGate(1)
    assert gate.try_acquire()
    first = asyncio.create_task(gate.acquire(5.0))
    second = asyncio.create_task(gate.acquire(5.0))
    await asyncio.sleep(0)
    gate.release()  # handed to `first`...
    first.cancel()  # ...which is cancelled before it runs
    with pytest.raises(asyncio.CancelledError):
        await first
    assert await second is True
    assert not gate.try_acquire()
    gate.release()
    assert gate.try_acquire()
