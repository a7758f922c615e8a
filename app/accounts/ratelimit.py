"""Fixed-window rate limits in Redis, shared by every process of the service.

Each key (``ip:<address>``, ``account:<id>``) counts attempts in the current
window with one atomic ``INCR`` + ``EXPIRE``; past the limit the caller gets
`RateLimitedError` with the seconds until the window ends (``Retry-After``).
If Redis is unreachable the attempt is allowed: sign-in must not depend on the
cache being up, and PostgreSQL still guards every token.
"""

from __future__ import annotations

import logging

from redis.exceptions import RedisError

from app.accounts.errors import RateLimitedError
from app.db.redis import RedisClient

logger = logging.getLogger(__name__)

_COUNT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return {count, redis.call('TTL', KEYS[1])}
"""


class RateLimiter:
    """At most `limit` attempts per key per `window` seconds."""

    def __init__(self, redis: RedisClient, prefix: str, *, limit: int, window: int) -> None:
        self._redis = redis
        self._prefix = prefix
        self.limit = limit
        self.window = window

    async def hit(self, *keys: str) -> None:
        """Count one attempt against each key.

        Raises:
            RateLimitedError: one of the keys is over its limit.
        """
        retry_after = 0
        for key in keys:
            try:
                count, ttl = await self._redis.eval(_COUNT, 1, self._prefix + key, self.window)
            except RedisError as exc:
                logger.warning("rate limit not checked (Redis unavailable): %s", type(exc).__name__)
                return
            if int(count) > self.limit:
                retry_after = max(retry_after, int(ttl) if int(ttl) > 0 else self.window)
        if retry_after:
            raise RateLimitedError(retry_after)
