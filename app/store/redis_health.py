"""Whether Redis is down, as one GameStateManager has seen it, and when to try it again.

While Redis fails the manager serves from PostgreSQL and tries Redis again at
most every probe interval; the outage and the recovery are each logged once and
counted. A Redis pool with no free connection while Redis answers is load, not
an outage: it raises `GameStoreBusyError` and nothing is written through.

One object holds that state because two collaborators read it: the Redis cache
(which decides whether to try Redis) and the PostgreSQL rows (whose errors say
when Redis is unreachable too).
"""

from __future__ import annotations

import time

from redis.exceptions import MaxConnectionsError

from app.observability.metrics import GameMetrics
from app.store.errors import GameStoreBusyError, logger


class RedisHealth:
    """Since when Redis has been failing (if it is), and when it may be tried again."""

    def __init__(self, probe_interval: float, metrics: GameMetrics) -> None:
        self._probe_interval = probe_interval
        self._metrics = metrics
        self._down_since: float | None = None
        self._retry_at = 0.0

    @property
    def down(self) -> bool:
        """Whether the last use of Redis failed (and none has succeeded since)."""
        return self._down_since is not None

    def waiting(self) -> bool:
        """Whether Redis is down and its next attempt is not due yet."""
        return self._down_since is not None and time.monotonic() < self._retry_at

    def failed(self, operation: str, exc: Exception) -> None:
        """Count `exc` as Redis failing, unless it is a busy pool while Redis answers.

        Raises:
            GameStoreBusyError: no pooled connection was free in time and Redis is
                not known to be down (waiting behind a hung server, before its
                callers time out, also ends here).
        """
        if isinstance(exc, MaxConnectionsError) and self._down_since is None:
            raise GameStoreBusyError(f"{operation}: {exc}; Redis is busy, not down") from exc
        now = time.monotonic()
        self._retry_at = now + self._probe_interval
        if self._down_since is None:
            self._down_since = now
            self._metrics.redis_outage()
            logger.warning(
                "Redis failed during %s (%s: %s); using PostgreSQL until it answers again",
                operation,
                type(exc).__name__,
                exc,
            )
        else:
            logger.debug("Redis still failing during %s: %s", operation, exc)

    def ok(self) -> None:
        """Redis answered: end the outage, if there was one."""
        if self._down_since is not None:
            self._metrics.redis_recovered()
            logger.warning(
                "Redis answers again after %.1f s",
                time.monotonic() - self._down_since,
            )
            self._down_since = None
