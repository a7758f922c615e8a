"""Which history a game state carries: a hash chain over its action log.

Two states of one game with the same version need not be the same game: a game
server that resumed from an older copy (a Redis that came back from an old
snapshot, say) plays different actions after the point it resumed from. Version
numbers alone cannot tell such a branch from the real continuation, so every
state also has a lineage: ``d0 = H(game id)`` and ``dN = H(d(N-1) + action N)``.
State B descends from state A exactly when B's chain at A's version equals A's
head digest, and the head digest of a state stands for its whole history.

The stores compare lineages without parsing states: PostgreSQL keeps each
row's head digest (``active_games.lineage_digest``) and receives the whole chain
of an incoming state, so the upsert checks descent in the same statement (see
`app.store.statements`).

What a caller may rely on: the chain depends only on the game id and, for each
action, its version, turn, player, kind, time and parameters, in a canonical
form (parameters as sorted-key JSON with integral numbers written as integers).
So it is the same for a state built in memory, read back from Redis's JSON, or
from PostgreSQL's JSONB (which reorders object keys and rewrites numbers), in
any process; a new ``ActionRecord`` field does not change it. A change that
rewrites recorded actions does: its migration must recompute
``lineage_digest`` or set it to NULL (NULL means "not checked": the next
persist is accepted on its version alone and records the digest).
"""

from __future__ import annotations

import hashlib
import json
import operator
from collections.abc import Sequence
from typing import Final
from uuid import UUID

from app.core.game_state import ActionRecord, GameState

DIGEST_SIZE: Final = 16
"""Bytes per digest (BLAKE2b-128): ample against accidental collisions between branches."""

_PERSON: Final = b"mantimon-chain1"
_canonical_json = json.JSONEncoder(sort_keys=True, separators=(",", ":")).encode


def _hash(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=DIGEST_SIZE, person=_PERSON).digest()


def _plain(value: object) -> object:
    """`value` with integral floats as ints: JSONB returns 1e+20 as 100000000000000000000."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _action_bytes(action: ActionRecord) -> bytes:
    params = _canonical_json(action.params)
    if "e+" in params:  # maybe an exponent float, which JSONB hands back as an integer
        params = _canonical_json(_plain(action.params))
    return (
        f"{action.version}\x1f{action.turn}\x1f{action.player}\x1f{action.kind}"
        f"\x1f{action.at.isoformat()}\x1f{params}"
    ).encode()


def _extend(chain: bytes, actions: Sequence[ActionRecord]) -> bytes:
    """`chain` followed by the digests of `actions`, in order."""
    digest = chain[-DIGEST_SIZE:]
    parts = [chain]
    for action in actions:
        digest = _hash(digest + _action_bytes(action))
        parts.append(digest)
    return b"".join(parts)


def lineage_chain(state: GameState, upto: int | None = None) -> bytes:
    """The digests ``d0 .. dN`` of `state`, concatenated (``DIGEST_SIZE`` bytes each).

    ``N`` is `upto` when given (the chain of the state's ancestor at that
    version), else ``state.version``; the result is ``(N + 1) * DIGEST_SIZE`` bytes.

    Raises:
        ValueError: `upto` is negative or beyond the state's version.
    """
    last = state.version if upto is None else upto
    if not 0 <= last <= len(state.action_log):
        raise ValueError(
            f"game {state.game_id}: no lineage at version {last}; "
            f"the state holds versions 0 to {len(state.action_log)}"
        )
    return _extend(_hash(state.game_id.bytes), state.action_log[:last])


class LineageCache:
    """Chains of recently persisted games, extended instead of computed again.

    A game server appends actions to one `GameState` in place, so the records in
    its next persist are the same objects as in the last one: the cache checks
    that by identity (cheap) and hashes only the actions recorded since. A state
    whose records are other objects (read from a store, copied) is hashed in
    full. This relies on recorded actions never being changed in place
    (`GameState.record_action` appends; nothing edits history). Bounded: past
    `max_games` games the cache is emptied, which costs one full hash per game.
    """

    def __init__(self, *, max_games: int = 10_000) -> None:
        if max_games < 1:
            raise ValueError(f"max_games must be at least 1, got {max_games}")
        self._max_games = max_games
        self._entries: dict[UUID, tuple[list[ActionRecord], bytes]] = {}

    def chain(self, state: GameState) -> bytes:
        """`lineage_chain(state)`, reusing what was hashed for an earlier state of the game."""
        log = state.action_log
        entry = self._entries.get(state.game_id)
        if entry is not None:
            seen, chain = entry
            if len(seen) <= len(log) and all(map(operator.is_, seen, log)):
                if len(seen) < len(log):
                    chain = _extend(chain, log[len(seen) :])
                    self._remember(state.game_id, log, chain)
                return chain
        chain = lineage_chain(state)
        self._remember(state.game_id, log, chain)
        return chain

    def forget(self, game_id: UUID) -> None:
        """Drop a game that has ended or been deleted."""
        self._entries.pop(game_id, None)

    def __len__(self) -> int:
        return len(self._entries)

    def _remember(self, game_id: UUID, log: list[ActionRecord], chain: bytes) -> None:
        if game_id not in self._entries and len(self._entries) >= self._max_games:
            self._entries.clear()
        self._entries[game_id] = (list(log), chain)


def digest_at(chain: bytes, version: int) -> bytes | None:
    """The digest of `version` in a `lineage_chain`, or None when the chain is shorter."""
    start = version * DIGEST_SIZE
    if version < 0 or start + DIGEST_SIZE > len(chain):
        return None
    return chain[start : start + DIGEST_SIZE]


def head_digest(chain: bytes) -> bytes:
    """The digest of the newest version in `chain`: what a store keeps for that state."""
    return chain[-DIGEST_SIZE:]


def descends_from(chain: bytes, version: int, digest: bytes | None) -> bool:
    """Whether the state of `chain` contains the state at `version` whose head is `digest`.

    A `digest` of None (a row written before lineages were recorded) is judged on
    the version alone.
    """
    if digest is None:
        return len(chain) >= (version + 1) * DIGEST_SIZE
    return digest_at(chain, version) == digest
