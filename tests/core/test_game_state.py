"""The game state model and its factory: shape, size, invariants, JSON round trip."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from app.core.enums import EndReason, GameType
from app.core.game_state import (
    AttachedCard,
    CardInstance,
    GameResult,
    GameState,
    PlayerState,
    StatusCondition,
    TurnPhase,
)
from app.core.game_state_factory import build_game_state, end_turn, play_action
from app.core.rules import RulesConfig, RulesPreset

T0 = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


def _minimal(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "game_id": str(uuid.uuid4()),
        "game_type": "freeplay",
        "players": [{"user_id": str(uuid.uuid4())}, {"npc_id": "npc-1"}],
        "rng_seed": 7,
        "started_at": T0.isoformat(),
        "last_action_at": T0.isoformat(),
    }
    return data | overrides


@pytest.mark.parametrize("turn_number", [2, 8, 14])
@pytest.mark.parametrize("preset", list(RulesPreset))
def test_factory_builds_realistic_sizes(turn_number: int, preset: RulesPreset) -> None:
    state = build_game_state(rules=RulesConfig.preset(preset), turn_number=turn_number, seed=1)
    size = len(state.model_dump_json())
    assert 10_000 <= size <= 40_000, size
    assert state.turn_number == turn_number
    assert state.version == len(state.action_log) > 0


def test_factory_is_deterministic_and_round_trips() -> None:
    game_id = uuid.uuid4()
    players = (uuid.uuid4(), uuid.uuid4())
    first = build_game_state(game_id=game_id, player_ids=players, seed=5)
    second = build_game_state(game_id=game_id, player_ids=players, seed=5)
    assert first == second
    assert GameState.model_validate_json(first.model_dump_json()) == first
    assert first.user_ids == players
    assert first.npc_id is None


def test_factory_npc_seat_and_board() -> None:
    state = build_game_state(player_ids=(uuid.uuid4(), None), npc_id="npc-fire-2", turn_number=9)
    human, npc = state.players
    assert npc.is_npc
    assert not human.is_npc
    assert state.npc_id == "npc-fire-2"
    assert human.active is not None
    assert human.active.evolved_from
    assert human.active.attached_energy
    owned = sum(len(card.instance_ids()) for card in human.cards())
    assert owned == state.rules.deck.size + (state.rules.energy.energy_deck_size or 0)


def test_classic_rules_use_prizes_and_pocket_an_energy_zone() -> None:
    classic = build_game_state(rules=RulesConfig.preset("classic"))
    assert all(len(p.prizes) == 6 for p in classic.players)
    assert all(not p.energy_deck for p in classic.players)
    pocket = build_game_state(rules=RulesConfig.preset("pocket"))
    assert all(len(p.energy_zone) == 1 for p in pocket.players)


def test_record_action_advances_version_log_and_clock() -> None:
    state = GameState.model_validate(_minimal())
    action = state.record_action("draw", at=T0 + timedelta(seconds=3), params={"count": 1})
    assert (state.version, action.version, action.player) == (1, 1, 0)
    assert state.last_action_at == T0 + timedelta(seconds=3)
    state.record_action("attack", at=T0 + timedelta(seconds=1), player=1)
    assert state.version == 2
    assert state.last_action_at == T0 + timedelta(seconds=3)
    assert GameState.model_validate_json(state.model_dump_json()) == state


def test_play_action_and_end_turn_keep_the_state_valid() -> None:
    state = build_game_state(turn_number=0, seed=3)
    rng = random.Random(3)
    for _ in range(30):
        play_action(state, rng)
    end_turn(state)
    assert state.turn_number == 1
    assert state.current_player == 1
    assert state.phase is TurnPhase.DRAW
    assert state.players[0].supporters_played_this_turn == 0
    assert GameState.model_validate_json(state.model_dump_json()) == state


def _assert_refused(data: dict[str, object], fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment):
        GameState.model_validate(data)


def test_a_player_is_a_user_or_an_npc() -> None:
    _assert_refused(_minimal(players=[{}, {"npc_id": "n"}]), "either a user")
    both = {"user_id": str(uuid.uuid4()), "npc_id": "n"}
    _assert_refused(_minimal(players=[both, {"npc_id": "m"}]), "either a user")
    _assert_refused(_minimal(players=[{"npc_id": "a"}, {"npc_id": "b"}]), "both players are NPCs")
    same = str(uuid.uuid4())
    _assert_refused(_minimal(players=[{"user_id": same}, {"user_id": same}]), "same user")


def test_cards_cannot_be_in_two_places() -> None:
    card = {"instance_id": "p0-001", "definition_id": "a1-001"}
    holder = {
        "instance_id": "p0-002",
        "definition_id": "a1-002",
        "attached_energy": [{"instance_id": "p0-001", "definition_id": "a1-190"}],
    }
    player = {"user_id": str(uuid.uuid4()), "hand": [card], "bench": [holder]}
    _assert_refused(_minimal(players=[player, {"npc_id": "n"}]), "p0-001")


def test_bench_size_follows_the_rules() -> None:
    bench = [{"instance_id": f"p0-{n:03d}", "definition_id": "a1-001"} for n in range(4)]
    player = {"user_id": str(uuid.uuid4()), "bench": bench}
    pocket = RulesConfig.preset("pocket").model_dump(mode="json")
    _assert_refused(_minimal(players=[player, {"npc_id": "n"}], rules=pocket), "bench holds 4")
    GameState.model_validate(_minimal(players=[player, {"npc_id": "n"}]))


def test_version_must_match_the_action_log() -> None:
    _assert_refused(_minimal(version=2), "version is 2 but the action log holds 0")
    action = {"version": 2, "turn": 0, "player": 0, "kind": "draw", "at": T0.isoformat()}
    _assert_refused(_minimal(version=1, action_log=[action]), "not 1, 2, 3")


def test_winner_clock_and_unknown_fields() -> None:
    _assert_refused(_minimal(winner=0), "winner is set but phase")
    GameState.model_validate(_minimal(winner=0, phase="ended"))
    earlier = (T0 - timedelta(seconds=1)).isoformat()
    _assert_refused(_minimal(last_action_at=earlier), "earlier than started_at")
    _assert_refused(_minimal(surprise=1), "surprise")
    _assert_refused(_minimal(started_at="2025-01-01T12:00:00"), "timezone")
    _assert_refused(_minimal(schema_version=1), "schema_version 1 is not supported")


def test_card_instance_helpers() -> None:
    card = CardInstance(
        instance_id="p0-010",
        definition_id="a1-050",
        attached_energy=[AttachedCard(instance_id="p0-501", definition_id="a1-190")],
        attached_tool=AttachedCard(instance_id="p0-011", definition_id="a1-120"),
        evolved_from=[AttachedCard(instance_id="p0-012", definition_id="a1-049")],
        status_conditions=[StatusCondition.POISONED],
    )
    assert card.instance_ids() == ["p0-010", "p0-501", "p0-011", "p0-012"]
    with pytest.raises(ValidationError):
        CardInstance(instance_id="", definition_id="a1-001")
    with pytest.raises(ValidationError):
        CardInstance(instance_id="x", definition_id="a1-001", damage=-10)


def test_game_result() -> None:
    result = GameResult(winner=1, end_reason=EndReason.PRIZES)
    assert result.ended_at is None
    with pytest.raises(ValidationError):
        GameResult.model_validate({"winner": 2, "end_reason": "prizes"})


def test_player_state_lists_every_zone() -> None:
    player = PlayerState(
        npc_id="npc",
        deck=[CardInstance(instance_id="d", definition_id="a1-001")],
        active=CardInstance(instance_id="a", definition_id="a1-001"),
        energy_deck=[CardInstance(instance_id="e", definition_id="a1-190")],
    )
    assert [c.instance_id for c in player.cards()] == ["d", "a", "e"]
    state = build_game_state(game_type=GameType.RANKED)
    assert state.game_type is GameType.RANKED
