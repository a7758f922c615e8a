"""Which Redis server instance a process has checked its cached games against.

A Redis that restarts (empty, from its append-only file or from an RDB
snapshot) or is replaced by a promoted replica can hold older copies of games
than PostgreSQL. Such a server is a different *instance*: its ``run_id``
changes with every start, and its ``master_replid`` changes when it is promoted
or re-synchronised from another server (so a server demoted to a replica and
promoted back is caught too). The GameStateManager's Lua scripts compare the
instance identity they run on with the one the process expects, atomically with
the read or write they do, and refuse to act on a mismatch.

`RedisEpoch` is the process's side of that check: the identity it expects, and
the games whose cached copy it has compared with PostgreSQL (or written itself)
on that instance. When the identity changes every game becomes untrusted again
and is compared with PostgreSQL on its next use. The set is bounded: past
`max_trusted` games it is cleared, which costs one comparison per game and
never correctness.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final
from uuid import UUID

UNKNOWN_IDENTITY: Final = ""
"""What a process expects before it has talked to any Redis: matches no server."""

ANY_IDENTITY: Final = "*"
"""Passed by writes that are safe on any instance (states copied from PostgreSQL)."""

# Returns the instance identity "<run_id>:<master_replid>"; used by every checked script.
IDENTITY_LUA: Final = """
local function instance_identity()
  local server = redis.call('INFO', 'server')
  local replication = redis.call('INFO', 'replication')
  return (string.match(server, 'run_id:(%x+)') or '?') .. ':' ..
         (string.match(replication, 'master_replid:(%x+)') or '?')
end
"""


class RedisIdentityChanged(Exception):
    """A checked script ran on another Redis instance than expected; nothing was done."""

    def __init__(self, identity: str) -> None:
        self.identity = identity
        super().__init__(f"Redis instance is now {identity}")


class RedisEpoch:
    """The expected Redis instance identity and the games trusted on it (one per process).

    On a Redis Cluster each bucket of games (`app.store.keys`) lives on the node
    that owns its hash slot, so the identity is expected per bucket (`scope_of`
    maps a game to its bucket): a failover or a resharding that moves a bucket
    to another node distrusts that bucket's games only. A single Redis is one
    bucket, ``""``.
    """

    def __init__(
        self, *, max_trusted: int = 100_000, scope_of: Callable[[UUID], str] | None = None
    ) -> None:
        if max_trusted < 1:
            raise ValueError(f"max_trusted must be at least 1, got {max_trusted}")
        self._identities: dict[str, str] = {}
        self._max_trusted = max_trusted
        self._scope_of = scope_of or (lambda _game_id: "")
        self._trusted: dict[str, set[UUID]] = {}

    @property
    def identity(self) -> str:
        """The identity expected of a single Redis (the ``""`` bucket)."""
        return self._identities.get("", UNKNOWN_IDENTITY)

    def scope_of(self, game_id: UUID) -> str:
        """The bucket of `game_id` (``""`` on a single Redis)."""
        return self._scope_of(game_id)

    def snapshot(self, game_id: UUID) -> tuple[str, bool]:
        """The identity to pass to a script, and whether `game_id`'s copy is trusted under it.

        Both are read at once, so a decision based on the second is checked by
        the script against the first.
        """
        scope = self._scope_of(game_id)
        identity = self._identities.get(scope, UNKNOWN_IDENTITY)
        return identity, game_id in self._trusted.get(scope, ())

    def adopt(self, identity: str, scope: str = "") -> str | None:
        """Expect `identity` of `scope` from now on; returns the previous one when it changed.

        A change forgets every trusted game of that bucket.
        """
        previous = self._identities.get(scope, UNKNOWN_IDENTITY)
        if identity == previous:
            return None
        self._identities[scope] = identity
        self._trusted.pop(scope, None)
        return previous

    def trust(self, game_id: UUID, identity: str) -> None:
        """Trust `game_id`'s cached copy, if `identity` (checked against) is still expected."""
        scope = self._scope_of(game_id)
        if identity != self._identities.get(scope, UNKNOWN_IDENTITY):
            return
        if self.trusted_count >= self._max_trusted:
            self._trusted.clear()
        self._trusted.setdefault(scope, set()).add(game_id)

    def distrust(self, game_id: UUID) -> None:
        """Compare `game_id` with PostgreSQL again before its cached copy is next used."""
        self._trusted.get(self._scope_of(game_id), set()).discard(game_id)

    @property
    def trusted_count(self) -> int:
        """How many games are trusted right now (for tests and health output)."""
        return sum(len(games) for games in self._trusted.values())
