"""Where the game store's keys live in Redis: one server, or the hash slots of a Redis Cluster.

On one Redis (plain or under Sentinel) the layout is the one every earlier
version used: ``<prefix>game:<id>`` per game, and one dirty set, one write mark
and one set of ended games for the whole store.

On a Cluster a Lua script may only touch keys of one hash slot, and each of the
store's scripts touches a game's hash together with a key shared by many games
(the dirty set, the write mark, the ended games). So the games are spread over
`CLUSTER_BUCKETS` buckets by their id, and every key of a bucket carries the
bucket's hash tag (``{b07}``): a game's hash, its ended record, and its bucket's
dirty set, write mark and ended set all hash to one slot, and each script
stays atomic. What spans games reads every bucket (``all_*``): the dirty games
are the union of the buckets' sets, PostgreSQL's write mark is the highest of
the buckets' marks. Resharding moves a slot with every key in it, so a bucket
is never split. The key prefix must not contain ``{`` under Cluster (it would
become the hash tag).
"""

from __future__ import annotations

from typing import Final
from uuid import UUID

from app.db.redis import prefixed

CLUSTER_BUCKETS: Final = 64
"""Buckets of games under Cluster: enough to spread over the primaries, few enough to read
every bucket's dirty set in one pipeline per flush."""

SINGLE_SCOPE: Final = ""
"""The one bucket of a single Redis."""


class KeyLayout:
    """The Redis keys of a key prefix, one bucket (single Redis) or `CLUSTER_BUCKETS` (Cluster)."""

    def __init__(self, prefix: str, *, cluster: bool) -> None:
        if cluster and "{" in prefix:
            raise ValueError(
                f"REDIS_KEY_PREFIX {prefix!r} must not contain '{{' on a Redis Cluster"
            )
        self.prefix = prefix
        self.cluster = cluster

    def scope(self, game_id: UUID) -> str:
        """The game's bucket: the hash tag its keys share ("" on a single Redis)."""
        if not self.cluster:
            return SINGLE_SCOPE
        return f"{{b{game_id.int % CLUSTER_BUCKETS:02d}}}"

    @property
    def scopes(self) -> list[str]:
        """Every bucket."""
        if not self.cluster:
            return [SINGLE_SCOPE]
        return [f"{{b{n:02d}}}" for n in range(CLUSTER_BUCKETS)]

    def _shared(self, scope: str, *parts: str) -> str:
        key = prefixed(self.prefix, *parts)
        return f"{key}:{scope}" if scope else key

    def game(self, game_id: UUID) -> str:
        """The game's hash: ``<prefix>game:<id>``, or ``<prefix>game:{bNN}:<id>``."""
        scope = self.scope(game_id)
        return prefixed(self.prefix, "game", *([scope] if scope else []), str(game_id))

    def ended_record(self, game_id: UUID | str) -> str:
        """Where the end of a game is kept after it left the active games."""
        game_id = UUID(str(game_id))
        scope = self.scope(game_id)
        return prefixed(self.prefix, "ended", *([scope] if scope else []), str(game_id))

    def dirty(self, scope: str) -> str:
        """The sorted set of the bucket's games with changes only in Redis."""
        return self._shared(scope, "games", "dirty")

    def write_mark(self, scope: str) -> str:
        """The highest PostgreSQL write counter a write of the bucket's games reached."""
        return self._shared(scope, "store", "postgres-writes")

    def ended(self, scope: str) -> str:
        """The bucket's ended games, scored by the time they ended."""
        return self._shared(scope, "games", "ended")

    @property
    def game_pattern(self) -> str:
        """A SCAN pattern matching every game hash (the id is the last ``:`` segment)."""
        return prefixed(self.prefix, "game", "*")
