"""Builders for valid rows, so each test states only what it is about."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.enums import CardSource, EndReason, GameType, OAuthProvider
from app.db.models import (
    ActiveGame,
    CampaignProgress,
    Collection,
    Deck,
    GameHistory,
    Identity,
    User,
)


def new_user(**overrides: Any) -> User:
    values: dict[str, Any] = {
        "email": f"{uuid.uuid4().hex[:8]}@example.com",
        "display_name": f"Trainer {uuid.uuid4().hex[:8]}",
    }
    return User(**(values | overrides))


def new_identity(user: User, **overrides: Any) -> Identity:
    values: dict[str, Any] = {
        "user_id": user.id,
        "provider": OAuthProvider.GOOGLE,
        "subject": uuid.uuid4().hex,
        "email": user.email,
    }
    return Identity(**(values | overrides))


async def add_user(session: AsyncSession, **overrides: Any) -> User:
    user = new_user(**overrides)
    session.add(user)
    await session.flush()
    return user


def new_collection(user: User, **overrides: Any) -> Collection:
    values: dict[str, Any] = {
        "user_id": user.id,
        "card_definition_id": "a1-001",
        "quantity": 2,
        "source": CardSource.STARTER,
    }
    return Collection(**(values | overrides))


def new_deck(user: User, **overrides: Any) -> Deck:
    values: dict[str, Any] = {
        "user_id": user.id,
        "name": "Leafy Rush",
        "cards": {"a1-001": 4, "a1-002": 2},
        "energy_cards": {"a1-energy-grass": 20},
    }
    return Deck(**(values | overrides))


def new_campaign(user: User, **overrides: Any) -> CampaignProgress:
    values: dict[str, Any] = {"user_id": user.id, "current_club": "grass"}
    return CampaignProgress(**(values | overrides))


def new_active_game(player1: User | None, **overrides: Any) -> ActiveGame:
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "game_type": GameType.FREEPLAY,
        "player1_id": player1.id if player1 else None,
        "npc_id": "npc-grass-1",
        "rules_config": {"deck_size": 40},
        "game_state": {"turn": 1},
        "turn_number": 1,
        "version": 1,
    }
    return ActiveGame(**(values | overrides))


def new_history(player1: User | None, **overrides: Any) -> GameHistory:
    values: dict[str, Any] = {
        "id": uuid.uuid4(),
        "game_type": GameType.CAMPAIGN,
        "player1_id": player1.id if player1 else None,
        "npc_id": "npc-fire-2",
        "winner_id": player1.id if player1 else None,
        "end_reason": EndReason.POINTS,
        "turn_count": 12,
        "duration_seconds": 640,
        "replay_data": {"actions": []},
    }
    return GameHistory(**(values | overrides))
