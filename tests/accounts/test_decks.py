"""Decks on real PostgreSQL: validation and drafts, modes, slots, versions, ownership."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.accounts.collections import change_cards
from app.accounts.decks import (
    DeckContent,
    DeckNotFoundError,
    DeckSlots,
    DeckSlotsFullError,
    DeckVersionMismatchError,
    choose_starter,
    create_deck,
    delete_deck,
    get_deck,
    list_decks,
    update_deck,
)
from app.catalog.card_service import CardService
from app.core.decks import StarterDeck
from app.core.enums import CardSource, DeckMode
from app.core.rules import RulesPreset
from tests.db.factories import add_user

SLOTS = DeckSlots(free=5)


def starter_content(starter: StarterDeck, **overrides: object) -> DeckContent:
    values: dict[str, object] = {
        "name": starter.name,
        "cards": dict(starter.cards),
        "energy_cards": dict(starter.energy_cards),
    }
    return DeckContent(**(values | overrides))  # type: ignore[arg-type]


async def test_a_legal_deck_saves_valid_and_an_illegal_one_as_a_draft_saying_why(
    db_session: AsyncSession, cards: CardService, starters: dict[str, StarterDeck]
) -> None:
    user = await add_user(db_session)
    fire = starters["fire"]
    legal = await create_deck(db_session, user.id, starter_content(fire), cards, SLOTS)
    assert legal.check.is_valid
    assert legal.deck.version == 1
    assert legal.deck.is_valid
    assert legal.deck.validation_errors == []

    half = dict(list(fire.cards.items())[:3]) | {"mv1-9999": 1}
    draft = await create_deck(db_session, user.id, starter_content(fire, cards=half), cards, SLOTS)
    assert not draft.check.is_valid
    assert not draft.deck.is_valid
    assert any("unknown card id 'mv1-9999'" in e for e in draft.check.validation_errors)
    assert any("the rules require exactly 40" in e for e in draft.check.validation_errors)
    assert draft.deck.validation_errors == draft.check.validation_errors

    empty = await create_deck(db_session, user.id, DeckContent(), cards, SLOTS)
    assert empty.deck.name == "New deck"
    assert empty.deck.rules_preset is RulesPreset.MANTIMON
    assert empty.deck.mode is DeckMode.FREEPLAY


async def test_a_deck_is_validated_under_its_preset(
    db_session: AsyncSession, cards: CardService, starters: dict[str, StarterDeck]
) -> None:
    user = await add_user(db_session)
    saved = await create_deck(
        db_session,
        user.id,
        starter_content(starters["grass"], rules_preset=RulesPreset.POCKET),
        cards,
        SLOTS,
    )
    assert saved.check.rules_preset is RulesPreset.POCKET
    assert not saved.check.is_valid


async def test_campaign_decks_use_only_owned_cards_and_say_which_are_missing(
    db_session: AsyncSession, cards: CardService, starters: dict[str, StarterDeck]
) -> None:
    user = await add_user(db_session)
    fire = starters["fire"]
    content = starter_content(fire, mode=DeckMode.CAMPAIGN)
    free = await create_deck(db_session, user.id, starter_content(fire), cards, SLOTS)
    assert free.check.is_valid

    campaign = await create_deck(db_session, user.id, content, cards, SLOTS)
    assert campaign.check.mode is DeckMode.CAMPAIGN
    assert not campaign.check.is_valid
    assert campaign.check.missing_cards == dict(fire.cards) | dict(fire.energy_cards)
    first = next(iter(sorted(fire.cards)))
    assert any(
        e.startswith(f"campaign decks use only owned cards: {first!r}") and e.endswith(", 0 owned")
        for e in campaign.check.validation_errors
    )

    owned = dict(fire.cards) | dict(fire.energy_cards)
    owned[first] -= 1
    await change_cards(db_session, user.id, owned, CardSource.BOOSTER, cards)
    again = await get_deck(db_session, user.id, campaign.deck.id, cards)
    assert again.check.missing_cards == {first: 1}
    await change_cards(db_session, user.id, {first: 1}, CardSource.REWARD, cards)
    listed = await list_decks(db_session, user.id, cards)
    assert [d.check.is_valid for d in listed] == [True, True]


async def test_free_accounts_have_five_slots_and_premium_unlimited(
    db_session: AsyncSession, cards: CardService, starters: dict[str, StarterDeck]
) -> None:
    free = await add_user(db_session)
    await choose_starter(db_session, free.id, "fire", starters, cards)
    for _ in range(4):
        await create_deck(db_session, free.id, DeckContent(), cards, SLOTS)
    with pytest.raises(DeckSlotsFullError, match="all 5 deck slots are used"):
        await create_deck(db_session, free.id, DeckContent(), cards, SLOTS)

    premium = await add_user(db_session, is_premium=True)
    for _ in range(7):
        await create_deck(db_session, premium.id, DeckContent(), cards, SLOTS)
    with pytest.raises(DeckSlotsFullError, match="all 7"):
        await create_deck(db_session, premium.id, DeckContent(), cards, DeckSlots(5, 7))

    lapsed = await add_user(
        db_session, is_premium=True, premium_until=datetime.now(UTC) - timedelta(days=1)
    )
    with pytest.raises(DeckSlotsFullError):
        await create_deck(db_session, lapsed.id, DeckContent(), cards, DeckSlots(free=0))


async def test_an_update_based_on_an_old_version_is_refused_with_the_current_one(
    db_session: AsyncSession, cards: CardService, starters: dict[str, StarterDeck]
) -> None:
    user = await add_user(db_session)
    saved = await create_deck(db_session, user.id, DeckContent(name="Draft"), cards, SLOTS)
    deck_id = saved.deck.id
    water = starters["water"]

    updated = await update_deck(
        db_session, user.id, deck_id, {1}, starter_content(water, name=None), cards
    )
    assert updated.deck.version == 2
    assert updated.deck.name == "Draft"
    assert updated.check.is_valid

    with pytest.raises(DeckVersionMismatchError) as stale:
        await update_deck(db_session, user.id, deck_id, {1, 3}, DeckContent(name="Lost"), cards)
    assert stale.value.current_version == 2
    forced = await update_deck(db_session, user.id, deck_id, None, DeckContent(name="Mine"), cards)
    assert (forced.deck.version, forced.deck.name) == (3, "Mine")

    with pytest.raises(DeckVersionMismatchError):
        await delete_deck(db_session, user.id, deck_id, set())
    await delete_deck(db_session, user.id, deck_id, {2, 3})
    with pytest.raises(DeckNotFoundError):
        await get_deck(db_session, user.id, deck_id, cards)


async def test_another_users_deck_is_not_found(
    db_session: AsyncSession, cards: CardService
) -> None:
    owner = await add_user(db_session)
    other = await add_user(db_session)
    saved = await create_deck(db_session, owner.id, DeckContent(), cards, SLOTS)
    deck_id = saved.deck.id
    with pytest.raises(DeckNotFoundError):
        await get_deck(db_session, other.id, deck_id, cards)
    with pytest.raises(DeckNotFoundError):
        await update_deck(db_session, other.id, deck_id, None, DeckContent(name="x"), cards)
    with pytest.raises(DeckNotFoundError):
        await delete_deck(db_session, other.id, deck_id, None)
    assert await list_decks(db_session, other.id, cards) == []
    assert (await get_deck(db_session, owner.id, deck_id, cards)).deck.name == "New deck"


async def test_of_concurrent_updates_from_one_version_exactly_one_applies(
    sessionmaker: async_sessionmaker[AsyncSession], committed_user: uuid.UUID, cards: CardService
) -> None:
    async with sessionmaker() as session:
        deck_id = (await create_deck(session, committed_user, DeckContent(), cards, SLOTS)).deck.id
        await session.commit()

    async def rename(name: str) -> str:
        async with sessionmaker() as session:
            try:
                await update_deck(
                    session, committed_user, deck_id, {1}, DeckContent(name=name), cards
                )
            except DeckVersionMismatchError:
                return "refused"
            await session.commit()
            return name

    outcomes = await asyncio.gather(*(rename(f"editor {n}") for n in range(8)))
    winners = [o for o in outcomes if o != "refused"]
    assert len(winners) == 1
    async with sessionmaker() as session:
        final = await get_deck(session, committed_user, deck_id, cards)
    assert (final.deck.name, final.deck.version) == (winners[0], 2)


async def test_concurrent_creations_cannot_exceed_the_slots(
    sessionmaker: async_sessionmaker[AsyncSession], committed_user: uuid.UUID, cards: CardService
) -> None:
    async def create() -> bool:
        async with sessionmaker() as session:
            try:
                await create_deck(session, committed_user, DeckContent(), cards, SLOTS)
            except DeckSlotsFullError:
                return False
            await session.commit()
            return True

    created = await asyncio.gather(*(create() for _ in range(9)))
    assert created.count(True) == 5
    async with sessionmaker() as session:
        assert len(await list_decks(session, committed_user, cards)) == 5
