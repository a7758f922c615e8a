"""A first-come, first-served gate in front of a connection pool.

Both pools the service uses hand a freed connection to whoever asks first after
the release, not to whoever has waited longest: redis-py's
`BlockingConnectionPool` wakes a waiter, but a task that has just released a
connection and asks again at once (a game doing its next action) takes it back
before the waiter runs; SQLAlchemy's asyncio queue pool does the same. Under
sustained load that starves some callers into pool timeouts while throughput
looks fine. `FairGate` admits at most `size` holders and hands each freed slot
straight to the longest waiter, so every caller waits about as long as the others.
"""

from __future__ import annotations

import asyncio
from collections import deque
from contextlib import suppress


class FairGate:
    """At most `size` holders at once; a freed slot goes to the longest waiter.

    Not thread-safe: one gate belongs to one event loop, as the pool it guards does.
    """

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError(f"size must be at least 1, got {size}")
        self._free = size
        self._waiters: deque[asyncio.Future[None]] = deque()

    async def acquire(self, wait_seconds: float) -> bool:
        """Take a slot, waiting up to `wait_seconds` in arrival order; False if none came.

        A caller cancelled while waiting leaves the queue; one handed a slot just
        as its wait ended (timeout or cancellation) passes the slot on.
        """
        if self.try_acquire():
            return True
        handed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(handed)
        try:
            async with asyncio.timeout(wait_seconds):
                await handed
        except BaseException as exc:
            if handed.done() and not handed.cancelled():
                self.release()
            else:
                with suppress(ValueError):  # a release may already have skipped it
                    self._waiters.remove(handed)
            if isinstance(exc, TimeoutError):
                return False
            raise
        return True

    def try_acquire(self) -> bool:
        """Take a slot if one is free and nobody is waiting; never waits."""
        if self._free > 0 and not self._waiters:
            self._free -= 1
            return True
        return False

    def release(self) -> None:
        """Hand the slot to the longest waiter still waiting, or free it."""
        while self._waiters:
            handed = self._waiters.popleft()
            if not handed.done():
                handed.set_result(None)
                return
        self._free += 1
