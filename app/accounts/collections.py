"""A player's cards: grants and removals recorded in a ledger, the starter choice, reading.

Every change of a quantity goes through `change_cards`, which writes the new
quantity and a `CollectionLedgerEntry` in the same transaction while holding the
collection row's lock, so the ledger of a card always sums to its quantity and
concurrent grants neither lose nor double a copy. Functions here take the
caller's session and only flush; the caller commits (one request, one command).
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.catalog.card_service import CardNotFoundError, CardSearchFilters, CardService
from app.core.cards import CardDefinition, Rarity
from app.core.decks import StarterDeck
from app.core.enums import CardSource
from app.db.models import Collection, CollectionLedgerEntry, StarterChoice
from app.errors import MantimonError

_SEARCH_PAGE = 500
"""The catalog search's largest page; a collection read walks every page of its matches."""


class UnknownStarterError(MantimonError, LookupError):
    """A starter type that is not one of the shipped starter decks; lists the known ones."""

    def __init__(self, starter_type: str, known: list[str]) -> None:
        self.starter_type = starter_type
        self.known = known
        super().__init__(
            f"unknown starter deck {starter_type!r}; the starters are {', '.join(known)}"
        )


class StarterAlreadyChosenError(MantimonError):
    """The user has chosen a starter deck already; ``chosen`` is that deck's type."""

    def __init__(self, chosen: str) -> None:
        self.chosen = chosen
        super().__init__(f"a starter deck was already chosen ({chosen!r}); it is chosen only once")


class NotEnoughCardsError(MantimonError):
    """A removal asks for more copies than the collection holds; nothing was changed."""

    def __init__(self, card_id: str, owned: int, requested: int) -> None:
        self.card_id = card_id
        super().__init__(f"cannot remove {requested} cop(ies) of {card_id}: {owned} owned")


@dataclass(frozen=True, slots=True)
class CardChange:
    """One applied change: the card, by how much, and the quantity it left."""

    card_id: str
    delta: int
    quantity_after: int


@dataclass(frozen=True, slots=True)
class StarterGrant:
    """What choosing a starter granted: its deck and the cards added to the collection."""

    starter: StarterDeck
    changes: list[CardChange]


@dataclass(frozen=True, slots=True)
class OwnedCard:
    """A card of the catalog and how many copies the user holds."""

    card: CardDefinition
    quantity: int
    source: CardSource
    obtained_at: datetime


@dataclass(frozen=True, slots=True)
class CollectionPage:
    """Owned cards matching a search, one page; ``total`` counts owned matches on all pages."""

    items: list[OwnedCard]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True, slots=True)
class CompletionCount:
    """Distinct cards owned out of those printed, and copies owned, for a set or a rarity."""

    owned: int
    total: int
    copies: int


@dataclass(frozen=True, slots=True)
class SetCompletion:
    """Completion of one set, overall and per rarity (rarities printed in the set only)."""

    set_id: str
    overall: CompletionCount
    by_rarity: dict[Rarity, CompletionCount]


# ------------------------------------------------------------------ changes


async def change_cards(
    session: AsyncSession,
    user_id: uuid.UUID,
    changes: Mapping[str, int],
    source: CardSource,
    cards: CardService,
    *,
    reference: str | None = None,
) -> list[CardChange]:
    """Add (positive) or remove (negative) copies, recording each change in the ledger.

    Cards are changed in id order, so two transactions changing the same cards
    lock their rows in the same order and cannot deadlock. A zero change is
    skipped. Either every change applies or, on an error, the caller's rollback
    undoes them all.

    Raises:
        CardNotFoundError: an id is not in the catalog (nothing is written).
        NotEnoughCardsError: a removal exceeds the copies owned.
    """
    unknown = [card_id for card_id in changes if card_id not in cards]
    if unknown:
        raise CardNotFoundError(
            unknown, {card_id: cards.suggest_ids(card_id) for card_id in unknown}
        )
    applied: list[CardChange] = []
    for card_id in sorted(changes):
        delta = changes[card_id]
        if delta == 0:
            continue
        if delta > 0:
            after = await _add(session, user_id, card_id, delta, source)
        else:
            after = await _remove(session, user_id, card_id, -delta)
        session.add(
            CollectionLedgerEntry(
                user_id=user_id,
                card_definition_id=card_id,
                delta=delta,
                quantity_after=after,
                source=source,
                reference=reference,
            )
        )
        applied.append(CardChange(card_id=card_id, delta=delta, quantity_after=after))
    await session.flush()
    return applied


async def _add(
    session: AsyncSession, user_id: uuid.UUID, card_id: str, count: int, source: CardSource
) -> int:
    statement = (
        insert(Collection)
        .values(
            id=uuid.uuid4(),
            user_id=user_id,
            card_definition_id=card_id,
            quantity=count,
            source=source,
        )
        .on_conflict_do_update(
            index_elements=[Collection.user_id, Collection.card_definition_id],
            set_={"quantity": Collection.quantity + count, "updated_at": func.now()},
        )
        .returning(Collection.quantity)
    )
    quantity: int = (await session.execute(statement)).scalar_one()
    return quantity


async def _remove(session: AsyncSession, user_id: uuid.UUID, card_id: str, count: int) -> int:
    where = (Collection.user_id == user_id, Collection.card_definition_id == card_id)
    owned = (
        await session.execute(select(Collection.quantity).where(*where).with_for_update())
    ).scalar_one_or_none() or 0
    if owned < count:
        raise NotEnoughCardsError(card_id, owned, count)
    if owned == count:
        await session.execute(delete(Collection).where(*where))
    else:
        await session.execute(
            update(Collection)
            .where(*where)
            .values(quantity=Collection.quantity - count, updated_at=func.now())
        )
    return owned - count


# ------------------------------------------------------------------ starter decks


async def chosen_starter(session: AsyncSession, user_id: uuid.UUID) -> str | None:
    """The starter type the user chose, or None while they have not."""
    return (
        await session.execute(
            select(StarterChoice.starter_type).where(StarterChoice.user_id == user_id)
        )
    ).scalar_one_or_none()


async def grant_starter(
    session: AsyncSession,
    user_id: uuid.UUID,
    starter_type: str,
    starters: Mapping[str, StarterDeck],
    cards: CardService,
) -> StarterGrant:
    """Record the user's one starter choice and grant its cards (source ``starter``).

    The choice is a row keyed by the user: of two transactions choosing at once,
    the second waits for the first and, if it commits, grants nothing.
    `app.accounts.decks.choose_starter` also saves the starter deck; use that.

    Raises:
        UnknownStarterError: `starter_type` is not a shipped starter.
        StarterAlreadyChosenError: the user chose before (this or another starter).
    """
    starter = starters.get(starter_type)
    if starter is None:
        raise UnknownStarterError(starter_type, sorted(starters))
    inserted = (
        await session.execute(
            insert(StarterChoice)
            .values(user_id=user_id, starter_type=starter_type)
            .on_conflict_do_nothing(index_elements=[StarterChoice.user_id])
            .returning(StarterChoice.user_id)
        )
    ).scalar_one_or_none()
    if inserted is None:
        raise StarterAlreadyChosenError(await chosen_starter(session, user_id) or "?")
    granted = Counter(starter.cards) + Counter(starter.energy_cards)
    changes = await change_cards(
        session,
        user_id,
        dict(granted),
        CardSource.STARTER,
        cards,
        reference=f"starter:{starter_type}",
    )
    return StarterGrant(starter=starter, changes=changes)


# ------------------------------------------------------------------ reading


async def owned_quantities(session: AsyncSession, user_id: uuid.UUID) -> dict[str, int]:
    """Card id -> copies owned, for every card the user holds."""
    rows = await session.execute(
        select(Collection.card_definition_id, Collection.quantity).where(
            Collection.user_id == user_id
        )
    )
    return {row.card_definition_id: row.quantity for row in rows}


async def get_collection(
    session: AsyncSession, user_id: uuid.UUID, filters: CardSearchFilters, cards: CardService
) -> CollectionPage:
    """Owned cards matching the catalog `filters`, in catalog order, paged by its limit/offset."""
    rows = (
        (await session.execute(select(Collection).where(Collection.user_id == user_id)))
        .scalars()
        .all()
    )
    owned = {row.card_definition_id: row for row in rows}
    matches: list[OwnedCard] = []
    if owned:
        offset = 0
        while True:
            page = cards.search_cards(
                filters.model_copy(update={"limit": _SEARCH_PAGE, "offset": offset})
            )
            for card in page.items:
                row = owned.get(card.id)
                if row is not None:
                    matches.append(
                        OwnedCard(
                            card=card,
                            quantity=row.quantity,
                            source=row.source,
                            obtained_at=row.obtained_at,
                        )
                    )
            offset += _SEARCH_PAGE
            if offset >= page.total:
                break
    window = matches[filters.offset : filters.offset + filters.limit]
    return CollectionPage(
        items=window, total=len(matches), limit=filters.limit, offset=filters.offset
    )


async def completion(
    session: AsyncSession, user_id: uuid.UUID, cards: CardService
) -> list[SetCompletion]:
    """Per set, in catalog order: distinct cards owned of those printed, overall and per rarity."""
    owned = await owned_quantities(session, user_id)
    result: list[SetCompletion] = []
    for card_set in cards.sets:
        per_rarity: dict[Rarity, list[int]] = {}
        for card in cards.get_cards_by_set(card_set.id):
            counts = per_rarity.setdefault(card.rarity, [0, 0, 0])
            copies = owned.get(card.id, 0)
            counts[0] += 1 if copies else 0
            counts[1] += 1
            counts[2] += copies
        by_rarity = {
            rarity: CompletionCount(owned=o, total=t, copies=c)
            for rarity, (o, t, c) in sorted(
                per_rarity.items(), key=lambda item: _RARITY_ORDER[item[0]]
            )
        }
        result.append(
            SetCompletion(
                set_id=card_set.id,
                overall=CompletionCount(
                    owned=sum(c.owned for c in by_rarity.values()),
                    total=sum(c.total for c in by_rarity.values()),
                    copies=sum(c.copies for c in by_rarity.values()),
                ),
                by_rarity=by_rarity,
            )
        )
    return result


_RARITY_ORDER = {rarity: position for position, rarity in enumerate(Rarity)}


async def ledger(
    session: AsyncSession,
    user_id: uuid.UUID,
    *,
    card_id: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[CollectionLedgerEntry], int]:
    """The user's ledger entries, latest applied first, one page, and how many there are in all."""
    where = [CollectionLedgerEntry.user_id == user_id]
    if card_id is not None:
        where.append(CollectionLedgerEntry.card_definition_id == card_id)
    total = (
        await session.execute(select(func.count()).select_from(CollectionLedgerEntry).where(*where))
    ).scalar_one()
    entries = (
        (
            await session.execute(
                select(CollectionLedgerEntry)
                .where(*where)
                .order_by(CollectionLedgerEntry.id.desc())
                .limit(limit)
                .offset(offset)
            )
        )
        .scalars()
        .all()
    )
    return list(entries), total
