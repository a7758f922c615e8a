"""A finished game's replay for the client: every version's public events and board.

Rebuilt from the history row the game store wrote at the end (its setup and action log
deal and replay the game exactly), so a replay shows what a spectator would have seen,
step by step; a player of the game also gets their own final view (their hand at the end).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.game_state import ACTION_LOG
from app.db.models import GameHistory
from app.engine import Action, apply, view_for
from app.play.errors import PlayNotFoundError
from app.play.frames import event_payloads
from app.play.service import PlayService
from app.store.replays import initial_from_history


async def game_replay(
    service: PlayService, session: AsyncSession, game_id: UUID, user_id: UUID
) -> dict[str, Any]:
    """The replay of a finished game (module docstring).

    Raises:
        PlayNotFoundError: no finished game has this id.
    """
    data = (
        await session.execute(select(GameHistory.replay_data).where(GameHistory.id == game_id))
    ).scalar_one_or_none()
    if data is None:
        raise PlayNotFoundError("no finished game has this id")
    state = initial_from_history(data, service.cards)
    steps: list[dict[str, Any]] = [{"v": 0, "events": [], "view": view_for(state, None)}]
    for entry in ACTION_LOG.validate_python(data["actions"]):
        action = Action.from_params(entry.kind, dict(entry.params), entry.player)
        events = apply(state, action, service.cards, at=entry.at)
        steps.append(
            {
                "v": state.version,
                "player": entry.player,
                "kind": entry.kind,
                "events": [e.model_dump(mode="json") for e in event_payloads(events, None)],
                "view": view_for(state, None),
            }
        )
    seats = [player.user_id for player in state.players]
    final_view = None
    if user_id in seats:
        final_view = view_for(state, 0 if seats[0] == user_id else 1)
    return {"game_id": str(game_id), "steps": steps, "final_view": final_view}
