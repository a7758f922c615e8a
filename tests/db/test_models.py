"""Create, read, update and delete every model against the real, migrated PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import pytest
from sqlalchemy import delete, select
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

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
from tests.db.factories import (
    add_user,
    new_active_game,
    new_campaign,
    new_collection,
    new_deck,
    new_history,
    new_identity,
)

T = TypeVar("T")


async def reload(session: AsyncSession, model: type[T], key: uuid.UUID) -> T | None:
    session.expunge_all()
    return await session.get(model, key)


async def test_user_crud(db_session: AsyncSession) -> None:
    user = await add_user(db_session, email="ash@example.com", display_name="Ash")
    db_session.add(new_identity(user, provider=OAuthProvider.DISCORD, subject="ash-1"))
    await db_session.flush()
    assert isinstance(user.id, uuid.UUID)

    loaded = await reload(db_session, User, user.id)
    assert loaded is not None
    assert loaded.email == "ash@example.com"
    assert loaded.display_name_key == "ash"
    assert loaded.is_guest is False
    query = select(Identity).where(Identity.user_id == user.id)
    identity = (await db_session.execute(query)).scalar_one()
    assert identity.provider is OAuthProvider.DISCORD
    assert loaded.is_premium is False
    assert loaded.created_at.tzinfo is not None
    assert loaded.updated_at.tzinfo is not None

    until = datetime.now(UTC) + timedelta(days=30)
    loaded.is_premium = True
    loaded.premium_until = until
    loaded.last_login = datetime.now(UTC)
    await db_session.flush()
    updated = await reload(db_session, User, user.id)
    assert updated is not None
    assert updated.is_premium is True
    assert updated.premium_until == until

    await db_session.delete(updated)
    await db_session.flush()
    assert await reload(db_session, User, user.id) is None


async def test_updated_at_is_set_by_the_database_on_update(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    # now() is fixed for a transaction, so this test commits for real and cleans up after itself
    async with sessionmaker() as session:
        user = await add_user(session)
        await session.commit()
        created = user.created_at
        assert user.updated_at == created
    try:
        async with sessionmaker() as session:
            row = await session.get(User, user.id)
            assert row is not None
            row.display_name = "Renamed"
            await session.commit()
            await session.refresh(row)
            assert row.created_at == created
            assert row.updated_at > created
    finally:
        async with sessionmaker() as session:
            await session.execute(delete(User).where(User.id == user.id))
            await session.commit()


async def test_collection_crud(db_session: AsyncSession) -> None:
    user = await add_user(db_session)
    row = new_collection(user, card_definition_id="a1-010", quantity=3, source=CardSource.BOOSTER)
    db_session.add(row)
    await db_session.flush()

    loaded = await reload(db_session, Collection, row.id)
    assert loaded is not None
    assert (loaded.card_definition_id, loaded.quantity) == ("a1-010", 3)
    assert loaded.source is CardSource.BOOSTER
    assert loaded.obtained_at.tzinfo is not None

    loaded.quantity = 4
    await db_session.flush()
    again = await reload(db_session, Collection, row.id)
    assert again is not None
    assert again.quantity == 4

    await db_session.delete(again)
    await db_session.flush()
    assert await reload(db_session, Collection, row.id) is None


async def test_deck_crud_round_trips_json(db_session: AsyncSession) -> None:
    user = await add_user(db_session)
    deck = new_deck(user, validation_errors=["needs a basic creature"], starter_type="grass")
    db_session.add(deck)
    await db_session.flush()

    loaded = await reload(db_session, Deck, deck.id)
    assert loaded is not None
    assert loaded.cards == {"a1-001": 4, "a1-002": 2}
    assert loaded.energy_cards == {"a1-energy-grass": 20}
    assert loaded.validation_errors == ["needs a basic creature"]
    assert (loaded.is_valid, loaded.is_starter) == (False, False)

    loaded.cards = {**loaded.cards, "a1-003": 1}
    loaded.is_valid = True
    loaded.validation_errors = None
    await db_session.flush()
    again = await reload(db_session, Deck, deck.id)
    assert again is not None
    assert again.cards == {"a1-001": 4, "a1-002": 2, "a1-003": 1}
    assert again.validation_errors is None

    await db_session.delete(again)
    await db_session.flush()
    assert await reload(db_session, Deck, deck.id) is None


async def test_campaign_crud_defaults(db_session: AsyncSession) -> None:
    user = await add_user(db_session)
    campaign = new_campaign(user)
    db_session.add(campaign)
    await db_session.flush()

    loaded = await reload(db_session, CampaignProgress, campaign.id)
    assert loaded is not None
    assert (loaded.medals, loaded.defeated_npcs) == ([], [])
    assert (loaded.total_wins, loaded.booster_packs, loaded.mantibucks) == (0, 0, 0)

    loaded.medals = ["leaf-medal"]
    loaded.defeated_npcs = [{"npc": "npc-grass-1", "times": 2}]
    loaded.mantibucks = 150
    loaded.total_wins = 2
    await db_session.flush()
    again = await reload(db_session, CampaignProgress, campaign.id)
    assert again is not None
    assert again.medals == ["leaf-medal"]
    assert again.defeated_npcs == [{"npc": "npc-grass-1", "times": 2}]
    assert (again.mantibucks, again.total_wins) == (150, 2)

    await db_session.delete(again)
    await db_session.flush()
    assert await reload(db_session, CampaignProgress, campaign.id) is None


async def test_active_game_crud(db_session: AsyncSession) -> None:
    p1 = await add_user(db_session)
    p2 = await add_user(db_session)
    deadline = datetime.now(UTC) + timedelta(minutes=2)
    game = new_active_game(p1, player2_id=p2.id, npc_id=None, turn_deadline=deadline)
    db_session.add(game)
    await db_session.flush()

    loaded = await reload(db_session, ActiveGame, game.id)
    assert loaded is not None
    assert loaded.game_type is GameType.FREEPLAY
    assert (loaded.player1_id, loaded.player2_id) == (p1.id, p2.id)
    assert (loaded.turn_number, loaded.version) == (1, 1)
    assert loaded.turn_deadline == deadline
    assert loaded.started_at.tzinfo is not None

    loaded.game_state = {"turn": 2, "board": {"active": None}}
    loaded.turn_number = 2
    loaded.version = 7
    await db_session.flush()
    again = await reload(db_session, ActiveGame, game.id)
    assert again is not None
    assert again.game_state == {"turn": 2, "board": {"active": None}}
    assert again.version == 7

    await db_session.delete(again)
    await db_session.flush()
    assert await reload(db_session, ActiveGame, game.id) is None


async def test_game_history_crud(db_session: AsyncSession) -> None:
    player = await add_user(db_session)
    history = new_history(player, end_reason=EndReason.DECK_OUT)
    db_session.add(history)
    await db_session.flush()

    loaded = await reload(db_session, GameHistory, history.id)
    assert loaded is not None
    assert loaded.end_reason is EndReason.DECK_OUT
    assert (loaded.winner_id, loaded.turn_count, loaded.duration_seconds) == (player.id, 12, 640)
    assert loaded.played_at.tzinfo is not None

    loaded.replay_data = {"actions": [{"type": "draw"}]}
    await db_session.flush()
    again = await reload(db_session, GameHistory, history.id)
    assert again is not None
    assert again.replay_data == {"actions": [{"type": "draw"}]}

    await db_session.delete(again)
    await db_session.flush()
    assert await reload(db_session, GameHistory, history.id) is None


async def test_jsonb_round_trips_nested_data(db_session: AsyncSession) -> None:
    state = {
        "players": [
            {"id": str(uuid.uuid4()), "hand": ["a1-001", "a1-002"], "points": 0},
            {"npc": "npc-3", "bench": [{"card": "a1-050", "damage": 30, "energy": ["water"]}]},
        ],
        "flags": {"first_turn": True, "stadium": None, "ratio": 0.5},
        "unicode": "Mantimon ✨ ñ 日本",
        "deep": {"a": {"b": {"c": {"d": [1, [2, [3, {"e": None}]]]}}}},
    }
    game = new_active_game(None, game_state=state)
    db_session.add(game)
    await db_session.flush()
    loaded = await reload(db_session, ActiveGame, game.id)
    assert loaded is not None
    assert loaded.game_state == state


async def test_in_place_json_change_is_saved_only_when_flagged(db_session: AsyncSession) -> None:
    from sqlalchemy.orm.attributes import flag_modified

    user = await add_user(db_session)
    deck = new_deck(user)
    db_session.add(deck)
    await db_session.flush()

    deck.cards["a1-099"] = 1  # in place: not tracked
    await db_session.flush()
    assert "a1-099" not in (await reload(db_session, Deck, deck.id) or deck).cards

    fresh = await db_session.get(Deck, deck.id)
    assert fresh is not None
    fresh.cards["a1-099"] = 1
    flag_modified(fresh, "cards")
    await db_session.flush()
    assert "a1-099" in (await reload(db_session, Deck, deck.id) or fresh).cards


async def test_relationships_load_explicitly_in_async_code(db_session: AsyncSession) -> None:
    user = await add_user(db_session)
    db_session.add_all(
        [
            new_collection(user, card_definition_id="a1-001"),
            new_collection(user, card_definition_id="a1-002"),
            new_deck(user),
            new_campaign(user),
        ],
    )
    await db_session.flush()
    db_session.expunge_all()

    stmt = (
        select(User)
        .where(User.id == user.id)
        .options(
            selectinload(User.collection),
            selectinload(User.decks),
            selectinload(User.campaign),
        )
    )
    loaded = (await db_session.execute(stmt)).scalar_one()
    assert sorted(c.card_definition_id for c in loaded.collection) == ["a1-001", "a1-002"]
    assert [d.name for d in loaded.decks] == ["Leafy Rush"]
    assert loaded.campaign is not None
    assert loaded.campaign.current_club == "grass"


async def test_unloaded_relationship_raises_instead_of_lazy_loading(
    db_session: AsyncSession,
) -> None:
    user = await add_user(db_session)
    db_session.add(new_active_game(user))
    await db_session.flush()
    db_session.expunge_all()

    plain = await db_session.get(User, user.id)
    assert plain is not None
    with pytest.raises(InvalidRequestError, match="lazy='raise'"):
        _ = plain.decks

    game = (
        await db_session.execute(
            select(ActiveGame)
            .where(ActiveGame.player1_id == user.id)
            .options(selectinload(ActiveGame.player1)),
        )
    ).scalar_one()
    assert game.player1 is not None
    assert game.player1.id == user.id


def test_repr_shows_only_the_primary_key() -> None:
    key = uuid.uuid4()
    text = repr(User(id=key, email="secret@example.com"))
    assert text == f"<User id={key}>"
    assert "secret" not in text
