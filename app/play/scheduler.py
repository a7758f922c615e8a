"""Each instance's timer loop: fire the deadlines that fell due, on whichever instance sees them.

The deadlines are in Redis (`app.play.storage.PlayStorage.due`), so a restarted or another
instance fires what a lost one had scheduled. A Redis that restarted empty lost them: a
marker key set beside them is checked every few seconds, and when it is gone the deadlines
are put back from the game records PostgreSQL holds.

Two instances may find the same deadline: the game's lock and the re-check in
`PlayService.fire` make one of them act and the other find nothing left to do.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from uuid import UUID

from app.play.service import PlayService

logger = logging.getLogger(__name__)

ALIVE_CHECK_S = 5.0
"""How often an instance checks that Redis still holds the deadlines (it restarted empty?)."""
POLL_S = 0.05
STOP_WAIT_S = 5.0


async def stop_task(task: asyncio.Task[None]) -> None:
    """Cancel a service loop and wait for it, at most `STOP_WAIT_S` (its flag ends it then)."""
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, TimeoutError, Exception):
        await asyncio.wait_for(asyncio.shield(task), STOP_WAIT_S)


"""How often the deadlines are read: a bot's think delay and a timer are late by at most this."""
CONCURRENCY = 32


class Scheduler:
    """Fires due deadlines (module docstring)."""

    def __init__(self, service: PlayService) -> None:
        self.service = service
        self._running: set[UUID] = set()
        self._slots = asyncio.Semaphore(CONCURRENCY)
        self._task: asyncio.Task[None] | None = None
        self._fired: set[asyncio.Task[None]] = set()
        self._stopping = False

    async def start(self) -> None:
        """Start the loop."""
        self._task = asyncio.create_task(self._loop(), name="play-scheduler")

    async def stop(self) -> None:
        """Stop the loop and wait for what it fired."""
        self._stopping = True
        if self._task is not None:
            await stop_task(self._task)
        if self._fired:
            await asyncio.wait(self._fired, timeout=10)

    async def rebuild_if_lost(self) -> int:
        """Put back every active game's deadline if Redis lost them; how many were put back.

        From the records PostgreSQL holds (written at every turn boundary), without loading
        any game: when one falls due, `PlayService.fire` checks it against the game as it is
        and reschedules it if it moved.
        """
        storage = self.service.storage
        alive = storage.key("deadlines-alive")
        if await storage.redis.exists(alive):
            return 0
        deadlines = await storage.durable_deadlines()
        if deadlines:
            await storage.redis.zadd(
                storage.deadlines_key, {str(game_id): at for game_id, at in deadlines.items()}
            )
            logger.info("play scheduler: put back the deadlines of %d games", len(deadlines))
        await storage.redis.set(alive, "1")
        return len(deadlines)

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        checked = 0.0
        # A flag as well as the cancellation: a client library that turns a CancelledError
        # into its own error (caught below, to keep the loop alive) must not keep it running.
        while not self._stopping:
            if loop.time() - checked > ALIVE_CHECK_S:
                checked = loop.time()
                try:
                    await self.rebuild_if_lost()
                except Exception as exc:
                    logger.warning("play scheduler: cannot check the deadlines: %s", exc)
            try:
                due = await self.service.storage.due(self.service.now_ms())
            except Exception as exc:
                logger.warning("play scheduler: cannot read deadlines: %s", exc)
                await asyncio.sleep(1.0)
                continue
            for game_id in due:
                if game_id in self._running:
                    continue
                self._running.add(game_id)
                task = asyncio.create_task(self._fire(game_id))
                self._fired.add(task)
                task.add_done_callback(self._fired.discard)
            await asyncio.sleep(POLL_S)

    async def _fire(self, game_id: UUID) -> None:
        try:
            async with self._slots:
                await self.service.fire(game_id)
        except Exception as exc:
            logger.warning("play scheduler: game %s: %s", game_id, exc)
            await asyncio.sleep(0.5)
        finally:
            self._running.discard(game_id)
