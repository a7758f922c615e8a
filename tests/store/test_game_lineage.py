"""The lineage chain (pure) and the Redis epoch bookkeeping: what the store checks rely on."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import CheckConstraint

from app.core.game_state import GameState
from app.core.game_state_factory import build_game_state, play_action
from app.db.models import ActiveGame
from app.store.lineage import (
    DIGEST_SIZE,
    LineageCache,
    descends_from,
    digest_at,
    head_digest,
    lineage_chain,
)
from app.store.redis_epoch import UNKNOWN_IDENTITY, RedisEpoch


def _played(state: GameState, actions: int, seed: int) -> GameState:
    newer = state.model_copy(deep=True)
    rng = random.Random(seed)
    for _ in range(actions):
        play_action(newer, rng, at=newer.last_action_at + timedelta(seconds=5))
    return newer


def test_the_chain_has_one_digest_per_version_and_ancestors_are_prefixes() -> None:
    base = build_game_state(turn_number=3, seed=1)
    chain = lineage_chain(base)
    assert len(chain) == (base.version + 1) * DIGEST_SIZE
    later = _played(base, 4, seed=2)
    later_chain = lineage_chain(later)
    assert later_chain.startswith(chain)
    assert lineage_chain(later, upto=base.version) == chain
    assert descends_from(later_chain, base.version, head_digest(chain))
    assert digest_at(later_chain, base.version) == head_digest(chain)
    assert digest_at(chain, later.version) is None
    assert digest_at(chain, -1) is None
    assert not descends_from(chain, later.version, head_digest(later_chain))


def test_a_branch_from_an_older_version_does_not_descend_even_with_the_same_times() -> None:
    base = build_game_state(turn_number=2, seed=3)
    real = _played(base, 3, seed=10)
    branch = _played(base, 5, seed=11)
    assert [a.at for a in branch.action_log[: real.version]] == [a.at for a in real.action_log]
    assert not descends_from(lineage_chain(branch), real.version, head_digest(lineage_chain(real)))
    assert lineage_chain(branch, upto=base.version) == lineage_chain(base)


def test_the_chain_survives_json_round_trips_and_key_order() -> None:
    state = build_game_state(turn_number=5, seed=4)
    state.action_log[-1].params = {"z": 1, "a": {"y": [1.5, 2.0, 1e20], "b": None}, "m": "e+x"}
    chain = lineage_chain(state)
    assert lineage_chain(GameState.model_validate_json(state.model_dump_json())) == chain
    # As JSONB hands it back: keys reordered, an integral exponent float as an integer.
    reordered = state.model_copy(deep=True)
    reordered.action_log[-1].params = {
        "m": "e+x",
        "a": {"b": None, "y": [1.5, 2.0, 100000000000000000000]},
        "z": 1,
    }
    assert lineage_chain(reordered) == chain


def test_the_chain_belongs_to_one_game_and_rejects_impossible_versions() -> None:
    state = build_game_state(turn_number=2, seed=5)
    other = state.model_copy(update={"game_id": uuid.uuid4()})
    assert lineage_chain(other) != lineage_chain(state)
    with pytest.raises(ValueError, match=f"game {state.game_id}: no lineage at version"):
        lineage_chain(state, upto=state.version + 1)
    with pytest.raises(ValueError, match="no lineage at version -1"):
        lineage_chain(state, upto=-1)


def test_a_null_stored_digest_is_judged_on_the_version_alone() -> None:
    chain = lineage_chain(build_game_state(turn_number=1, seed=6))
    versions = len(chain) // DIGEST_SIZE
    assert descends_from(chain, versions - 1, None)
    assert not descends_from(chain, versions, None)


def test_the_column_check_matches_the_digest_size() -> None:
    table = ActiveGame.metadata.tables["active_games"]
    checks = [
        str(c.sqltext)
        for c in table.constraints
        if isinstance(c, CheckConstraint) and "lineage" in str(c.name)
    ]
    assert checks == [f"octet_length(lineage_digest) = {DIGEST_SIZE}"]


def test_the_epoch_trusts_games_only_under_the_identity_they_were_checked_on() -> None:
    epoch = RedisEpoch(max_trusted=2)
    game, other, third = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    assert epoch.snapshot(game) == (UNKNOWN_IDENTITY, False)
    assert epoch.adopt("a:1") == UNKNOWN_IDENTITY
    assert epoch.adopt("a:1") is None
    epoch.trust(game, "stale-identity")
    assert epoch.snapshot(game) == ("a:1", False)
    epoch.trust(game, "a:1")
    epoch.trust(other, "a:1")
    assert epoch.snapshot(game) == ("a:1", True)
    epoch.trust(third, "a:1")  # over the bound: forget, then trust the newcomer
    assert epoch.trusted_count == 1
    assert epoch.snapshot(third) == ("a:1", True)
    epoch.distrust(third)
    assert epoch.snapshot(third) == ("a:1", False)
    epoch.trust(game, "a:1")
    assert epoch.adopt("b:2") == "a:1"
    assert epoch.snapshot(game) == ("b:2", False)
    with pytest.raises(ValueError, match="max_trusted"):
        RedisEpoch(max_trusted=0)


def test_the_cache_extends_a_chain_for_the_same_records_and_recomputes_otherwise() -> None:
    cache = LineageCache(max_games=2)
    state = build_game_state(turn_number=3, seed=7)
    assert cache.chain(state) == lineage_chain(state)
    rng = random.Random(1)
    for _ in range(3):
        play_action(state, rng, at=state.last_action_at + timedelta(seconds=5))
    assert cache.chain(state) == lineage_chain(state)  # extended: same record objects
    assert cache.chain(state) == lineage_chain(state)  # unchanged
    # Other objects (a copy, a branch, a shorter log) are hashed in full.
    copied = GameState.model_validate_json(state.model_dump_json())
    copied.action_log[-1].params = {"edited": True}
    assert cache.chain(copied) == lineage_chain(copied) != lineage_chain(state)
    older = state.model_copy(update={"action_log": state.action_log[:1], "version": 1})
    assert cache.chain(older) == lineage_chain(state, upto=1)


def test_the_cache_is_bounded_and_forgets_games() -> None:
    cache = LineageCache(max_games=2)
    states = [build_game_state(turn_number=1, seed=n) for n in range(3)]
    for state in states[:2]:
        cache.chain(state)
    assert len(cache) == 2
    cache.chain(states[2])  # over the bound: emptied, then the newcomer kept
    assert len(cache) == 1
    cache.forget(states[2].game_id)
    assert len(cache) == 0
    with pytest.raises(ValueError, match="max_games"):
        LineageCache(max_games=0)
