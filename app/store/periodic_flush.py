"""The background task that bounds how long a turn can live only in Redis.

`GameStateManager.persist_to_db` runs at turn boundaries, but a persist can
fail (PostgreSQL down) and a turn can stall; this task calls `flush_dirty`
every ``GAME_FLUSH_INTERVAL_SECONDS`` so such turns reach PostgreSQL soon
after it answers again, and long before Redis could expire them.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress

from app.store.manager import GameStateManager, GameStoreUnavailableError

logger = logging.getLogger(__name__)


async def flush_periodically(
    games: GameStateManager, interval_seconds: float, stop: asyncio.Event
) -> None:
    """Persist every dirty game each `interval_seconds`, until `stop` is set.

    Stopping waits for a flush in progress to finish instead of cancelling it
    halfway through a database or Redis call. A failing round is logged and the
    next one tries again: this loop never ends on an error, since it is what
    recovers from errors.
    """
    while True:
        with suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval_seconds)
        if stop.is_set():
            return
        try:
            summary = await games.flush_dirty()
        except GameStoreUnavailableError as exc:
            logger.warning("periodic flush: dirty games stay in Redis for now: %s", exc)
            continue
        except Exception:
            logger.exception("periodic flush: unexpected error; retrying next round")
            continue
        if summary.persisted or summary.failed:
            logger.info(
                "periodic flush: %d written to PostgreSQL, %d failed",
                summary.persisted,
                len(summary.failed),
            )
