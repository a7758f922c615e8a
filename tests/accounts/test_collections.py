"""Collections on real PostgreSQL: the ledger, the one starter choice, reading, completion."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.accounts.collections import (
    NotEnoughCardsError,
    StarterAlreadyChosenError,
    UnknownStarterError,
    change_cards,
    chosen_starter,
    completion,
    get_collection,
    ledger,
    owned_quantities,
)
from app.accounts.decks import choose_starter, list_decks
from app.catalog.card_service import CardNotFoundError, CardSearchFilters, CardService
from app.core.cards import CardType, Rarity
from app.core.decks import StarterDeck
from app.core.enums import CardSource, DeckMode
from app.db.models import Collection, CollectionLedgerEntry, Deck
from tests.db.factories import add_user

CARD = "mv1-001"


async def test_changes_are_applied_and_each_recorded_with_its_source(
    db_session: AsyncSession, cards: CardService
) -> None:
    user = await add_user(db_session)
    await change_cards(db_session, user.id, {CARD: 3}, CardSource.BOOSTER, cards, reference="b-1")
    await change_cards(db_session, user.id, {CARD: 2, "mv1-002": 1}, CardSource.REWARD, cards)
    changes = await change_cards(
        db_session, user.id, {CARD: -4, "mv1-003": 0}, CardSource.REWARD, cards
    )

    assert [(c.card_id, c.delta, c.quantity_after) for c in changes] == [(CARD, -4, 1)]
    assert await owned_quantities(db_session, user.id) == {CARD: 1, "mv1-002": 1}
    entries, total = await ledger(db_session, user.id, card_id=CARD)
    assert total == 3
    assert [(e.delta, e.quantity_after, e.source, e.reference) for e in entries] == [
        (-4, 1, CardSource.REWARD, None),
        (2, 5, CardSource.REWARD, None),
        (3, 3, CardSource.BOOSTER, "b-1"),
    ]
    row = (
        await db_session.execute(
            select(Collection).where(
                Collection.card_definition_id == CARD, Collection.user_id == user.id
            )
        )
    ).scalar_one()
    assert row.source is CardSource.BOOSTER  # where the first copies came from


async def test_removing_the_last_copy_deletes_the_row_and_more_is_refused(
    db_session: AsyncSession, cards: CardService
) -> None:
    user = await add_user(db_session)
    await change_cards(db_session, user.id, {CARD: 2}, CardSource.BOOSTER, cards)
    with pytest.raises(NotEnoughCardsError, match="cannot remove 3 cop"):
        await change_cards(db_session, user.id, {CARD: -3}, CardSource.REWARD, cards)
    await change_cards(db_session, user.id, {CARD: -2}, CardSource.REWARD, cards)
    assert await owned_quantities(db_session, user.id) == {}
    entries, _ = await ledger(db_session, user.id)
    assert entries[0].quantity_after == 0


async def test_unknown_cards_are_refused_before_anything_is_written(
    db_session: AsyncSession, cards: CardService
) -> None:
    user = await add_user(db_session)
    with pytest.raises(CardNotFoundError) as error:
        await change_cards(db_session, user.id, {CARD: 1, "mv1-9999": 1}, CardSource.BOOSTER, cards)
    assert error.value.card_ids == ("mv1-9999",) or list(error.value.card_ids) == ["mv1-9999"]
    assert await owned_quantities(db_session, user.id) == {}


async def test_fifty_concurrent_grants_end_with_the_exact_sum(
    sessionmaker: async_sessionmaker[AsyncSession], committed_user: uuid.UUID, cards: CardService
) -> None:
    async def grant(copies: int) -> None:
        async with sessionmaker() as session:
            await change_cards(
                session, committed_user, {CARD: copies, "mv1-002": 1}, CardSource.REWARD, cards
            )
            await session.commit()

    amounts = [1 + n % 3 for n in range(50)]
    await asyncio.gather(*(grant(n) for n in amounts))

    async with sessionmaker() as session:
        assert await owned_quantities(session, committed_user) == {
            CARD: sum(amounts),
            "mv1-002": 50,
        }
        entries, total = await ledger(session, committed_user, card_id=CARD, limit=100)
    assert total == 50
    assert sum(e.delta for e in entries) == sum(amounts)
    # Applied one after another: each entry's quantity_after is the previous plus its delta.
    running = 0
    for entry in reversed(entries):
        running += entry.delta
        assert entry.quantity_after == running


async def test_a_starter_is_chosen_once_grants_its_cards_and_saves_its_deck(
    db_session: AsyncSession, cards: CardService, starters: dict[str, StarterDeck]
) -> None:
    user = await add_user(db_session)
    assert await chosen_starter(db_session, user.id) is None
    grant, saved = await choose_starter(db_session, user.id, "water", starters, cards)

    water = starters["water"]
    expected = dict(water.cards) | dict(water.energy_cards)
    assert await owned_quantities(db_session, user.id) == expected
    assert {c.card_id: c.delta for c in grant.changes} == expected
    entries, _ = await ledger(db_session, user.id, limit=500)
    assert {(e.source, e.reference) for e in entries} == {(CardSource.STARTER, "starter:water")}
    assert saved.deck.is_starter
    assert saved.deck.starter_type == "water"
    assert saved.check.is_valid
    assert saved.check.mode is DeckMode.CAMPAIGN
    assert await chosen_starter(db_session, user.id) == "water"

    with pytest.raises(StarterAlreadyChosenError, match="'water'"):
        await choose_starter(db_session, user.id, "fire", starters, cards)
    with pytest.raises(UnknownStarterError, match="fire, grass, lightning, psychic, water"):
        await choose_starter(db_session, user.id, "plasma", starters, cards)
    assert len(await list_decks(db_session, user.id, cards)) == 1


async def test_two_concurrent_starter_choices_grant_once(
    sessionmaker: async_sessionmaker[AsyncSession],
    committed_user: uuid.UUID,
    cards: CardService,
    starters: dict[str, StarterDeck],
) -> None:
    async def choose(starter_type: str) -> str:
        async with sessionmaker() as session:
            try:
                await choose_starter(session, committed_user, starter_type, starters, cards)
            except StarterAlreadyChosenError:
                await session.rollback()
                return "refused"
            await session.commit()
            return starter_type

    outcomes = await asyncio.gather(*(choose(t) for t in ["fire", "grass", "fire", "psychic"]))
    winners = [o for o in outcomes if o != "refused"]
    assert len(winners) == 1
    winner = starters[winners[0]]
    async with sessionmaker() as session:
        assert await owned_quantities(session, committed_user) == dict(winner.cards) | dict(
            winner.energy_cards
        )
        decks = (
            await session.execute(select(func.count()).where(Deck.user_id == committed_user))
        ).scalar_one()
        grants = (
            await session.execute(
                select(func.count()).where(CollectionLedgerEntry.user_id == committed_user)
            )
        ).scalar_one()
    assert decks == 1
    assert grants == len(winner.cards) + len(winner.energy_cards)


async def test_the_collection_is_searched_with_the_catalog_filters_and_paged(
    db_session: AsyncSession, cards: CardService, starters: dict[str, StarterDeck]
) -> None:
    user = await add_user(db_session)
    empty = await get_collection(db_session, user.id, CardSearchFilters(), cards)
    assert (empty.items, empty.total) == ([], 0)
    await choose_starter(db_session, user.id, "fire", starters, cards)
    fire = starters["fire"]

    everything = await get_collection(db_session, user.id, CardSearchFilters(limit=500), cards)
    assert [o.card.id for o in everything.items] == sorted(
        dict(fire.cards) | dict(fire.energy_cards)
    )
    assert {o.card.id: o.quantity for o in everything.items} == dict(fire.cards) | dict(
        fire.energy_cards
    )

    trainers = await get_collection(
        db_session, user.id, CardSearchFilters(card_type=CardType.TRAINER), cards
    )
    assert trainers.items
    assert all(o.card.card_type is CardType.TRAINER for o in trainers.items)

    page = await get_collection(db_session, user.id, CardSearchFilters(limit=5, offset=5), cards)
    assert page.total == everything.total
    assert [o.card.id for o in page.items] == [o.card.id for o in everything.items[5:10]]


async def test_completion_counts_distinct_cards_per_set_and_rarity(
    db_session: AsyncSession, cards: CardService
) -> None:
    user = await add_user(db_session)
    first = cards.get_cards_by_set("mv1")[0]
    await change_cards(db_session, user.id, {first.id: 3}, CardSource.BOOSTER, cards)
    sets = await completion(db_session, user.id, cards)

    assert [s.set_id for s in sets] == [s.id for s in cards.sets]
    mv1 = sets[0]
    assert mv1.overall.total == len(cards.get_cards_by_set("mv1"))
    assert (mv1.overall.owned, mv1.overall.copies) == (1, 3)
    assert mv1.by_rarity[first.rarity].owned == 1
    assert sum(c.total for c in mv1.by_rarity.values()) == mv1.overall.total
    assert list(mv1.by_rarity) == [r for r in Rarity if r in mv1.by_rarity]
    assert all(s.overall.owned == 0 for s in sets[1:])
