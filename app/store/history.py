"""What a finished game leaves behind: its ``game_history`` row and the replay data in it.

Kept apart from the statements that write it (`app.store.rows`) because
it is a contract of its own: `app.store.replays.replay_from_history` must be
able to deal the initial state again from this data and reproduce the final one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from app.core.game_state import ACTION_LOG, GameResult, GameState
from app.store.replays import replay_setup


def history_row(game_id: UUID, state: GameState, result: GameResult) -> dict[str, Any]:
    """The ``game_history`` values of `state`, ended with `result` (now, if it has no time)."""
    ended_at = result.ended_at or datetime.now(UTC)
    winner_id = None if result.winner is None else state.players[result.winner].user_id
    return {
        "id": game_id,
        "game_type": state.game_type,
        "player1_id": state.players[0].user_id,
        "player2_id": state.players[1].user_id,
        "npc_id": state.npc_id,
        "winner_id": winner_id,
        "end_reason": result.end_reason,
        "turn_count": state.turn_number,
        "duration_seconds": max(0, int((ended_at - state.started_at).total_seconds())),
        "replay_data": replay_data(state, result),
        "played_at": ended_at,
    }


def replay_data(state: GameState, result: GameResult) -> dict[str, Any]:
    """What a replay needs: the rules, the seats, the seed, the setup and every action in order.

    ``setup`` (`app.store.replays.replay_setup`) lets `replay_from_history`
    deal the initial state again and reproduce the final one.
    """
    return {
        "schema_version": state.schema_version,
        **replay_header(state),
        "winner": result.winner,
        "end_reason": result.end_reason.value,
        "final_version": state.version,
        "actions": ACTION_LOG.dump_python(state.action_log, mode="json"),
    }


def replay_header(state: GameState) -> dict[str, Any]:
    """The part of `replay_data` that deals the initial state again: setup, rules, seats, seed.

    Any state has one (an unfinished game too), so a replay check need not wait for a result.
    """
    return {
        "setup": replay_setup(state),
        "rules": state.rules.model_dump(mode="json"),
        "players": [
            {"user_id": str(p.user_id) if p.user_id else None, "npc_id": p.npc_id}
            for p in state.players
        ],
        "rng_seed": state.rng_seed,
    }
