"""The signed-in player's collection over HTTP: owned cards, completion, the ledger, the starter.

Every route acts on the caller's own collection (there is no user id in a path
to probe); the starter deck is chosen once, and a second choice is a 409.
"""

from __future__ import annotations

from datetime import datetime
from http import HTTPStatus
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from app.accounts import collections, decks
from app.accounts.deps import CurrentUser
from app.api.deps import CardsDep, SessionDep, StartersDep
from app.api.errors import InvalidRequestError, problem_responses
from app.api.v1.decks import DeckOut, deck_out
from app.catalog.card_service import CardSearchFilters, SetNotFoundError
from app.core.cards import CardDefinition, CardId, EnergyType, Rarity
from app.core.enums import CardSource

router = APIRouter(
    prefix="/me",
    tags=["collection"],
    responses=problem_responses(HTTPStatus.UNAUTHORIZED, HTTPStatus.SERVICE_UNAVAILABLE),
)


class OwnedCardOut(BaseModel):
    """A card of the catalog the player owns, and how many copies."""

    card_id: str
    quantity: int = Field(ge=1)
    source: CardSource = Field(description="Where the first copies came from.")
    obtained_at: datetime
    card: CardDefinition


class CollectionList(BaseModel):
    """One page of owned cards matching the filters; ``total`` counts owned matches."""

    items: list[OwnedCardOut]
    total: int
    limit: int
    offset: int
    has_more: bool


class CompletionOut(BaseModel):
    """Distinct cards owned out of those printed, and copies owned."""

    owned: int
    total: int
    copies: int


class RarityCompletion(CompletionOut):
    """Completion of one rarity within a set."""

    rarity: Rarity


class SetCompletionOut(CompletionOut):
    """Completion of one set, with each rarity it prints."""

    set_id: str
    by_rarity: list[RarityCompletion]


class CompletionReport(BaseModel):
    """Completion per set (catalog order) and over the whole catalog."""

    sets: list[SetCompletionOut]
    overall: CompletionOut


class LedgerEntryOut(BaseModel):
    """One recorded change of a card's quantity."""

    model_config = ConfigDict(from_attributes=True)

    id: int = Field(description="Increases in the order changes were applied.")
    card_definition_id: str
    delta: int
    quantity_after: int
    source: CardSource
    reference: str | None
    created_at: datetime


class LedgerList(BaseModel):
    """One page of the ledger, latest change first."""

    items: list[LedgerEntryOut]
    total: int
    limit: int
    offset: int


class StarterOut(BaseModel):
    """A starter deck a new player may choose."""

    starter_type: str
    name: str
    description: str
    element: EnergyType
    card_total: int
    energy_total: int


class StarterStatus(BaseModel):
    """The starter decks on offer, and the one chosen (null until the player chooses)."""

    chosen: str | None
    starters: list[StarterOut]


class StarterChoiceIn(BaseModel):
    """The starter deck to take."""

    model_config = ConfigDict(extra="forbid")

    starter_type: str = Field(max_length=32, description="One of the offered starter types.")


class CardChangeOut(BaseModel):
    """One card granted by the choice."""

    card_id: str
    delta: int
    quantity_after: int


class StarterGranted(BaseModel):
    """What choosing the starter did: the cards granted and the deck saved."""

    starter_type: str
    granted: list[CardChangeOut]
    deck: DeckOut


@router.get(
    "/collection",
    summary="List the cards I own",
    responses=problem_responses(
        described={
            HTTPStatus.UNPROCESSABLE_ENTITY: (
                "A filter is invalid, as for the catalog search; ``errors`` names each one."
            )
        }
    ),
)
async def get_collection(
    user: CurrentUser,
    session: SessionDep,
    cards: CardsDep,
    filters: Annotated[CardSearchFilters, Query()],
) -> CollectionList:
    """Owned cards matching the catalog's filters, in catalog order, paged the same way."""
    if filters.set_id is not None:
        try:
            cards.get_set(filters.set_id)
        except SetNotFoundError as exc:
            raise InvalidRequestError(["query", "set_id"], str(exc), "unknown_set") from None
    page = await collections.get_collection(session, user.id, filters, cards)
    return CollectionList(
        items=[
            OwnedCardOut(
                card_id=owned.card.id,
                quantity=owned.quantity,
                source=owned.source,
                obtained_at=owned.obtained_at,
                card=owned.card,
            )
            for owned in page.items
        ],
        total=page.total,
        limit=page.limit,
        offset=page.offset,
        has_more=page.offset + len(page.items) < page.total,
    )


@router.get("/collection/completion", summary="How complete my collection is")
async def get_completion(
    user: CurrentUser, session: SessionDep, cards: CardsDep
) -> CompletionReport:
    """Distinct cards owned out of those printed, per set and rarity, and overall."""
    sets = await collections.completion(session, user.id, cards)
    out = [
        SetCompletionOut(
            set_id=entry.set_id,
            owned=entry.overall.owned,
            total=entry.overall.total,
            copies=entry.overall.copies,
            by_rarity=[
                RarityCompletion(rarity=rarity, owned=c.owned, total=c.total, copies=c.copies)
                for rarity, c in entry.by_rarity.items()
            ],
        )
        for entry in sets
    ]
    return CompletionReport(
        sets=out,
        overall=CompletionOut(
            owned=sum(s.owned for s in out),
            total=sum(s.total for s in out),
            copies=sum(s.copies for s in out),
        ),
    )


@router.get(
    "/collection/ledger",
    summary="The record of every change to my collection",
    responses=problem_responses(HTTPStatus.UNPROCESSABLE_ENTITY),
)
async def get_ledger(
    user: CurrentUser,
    session: SessionDep,
    card_id: Annotated[CardId | None, Query(description="Only this card's changes.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> LedgerList:
    """Every grant and removal with its source, latest first; they sum to the quantities."""
    entries, total = await collections.ledger(
        session, user.id, card_id=card_id, limit=limit, offset=offset
    )
    return LedgerList(
        items=[LedgerEntryOut.model_validate(entry) for entry in entries],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get("/starter", summary="The starter decks, and the one I chose")
async def get_starter(
    user: CurrentUser, session: SessionDep, starters: StartersDep
) -> StarterStatus:
    """The five starter decks on offer; ``chosen`` is null until one is taken."""
    return StarterStatus(
        chosen=await collections.chosen_starter(session, user.id),
        starters=[
            StarterOut(
                starter_type=deck.starter_type,
                name=deck.name,
                description=deck.description,
                element=deck.element,
                card_total=deck.card_total,
                energy_total=deck.energy_total,
            )
            for _, deck in sorted(starters.items())
        ],
    )


@router.post(
    "/starter",
    summary="Choose my starter deck (once)",
    status_code=HTTPStatus.CREATED,
    responses=problem_responses(
        described={
            HTTPStatus.CONFLICT: "A starter was already chosen (``chosen`` names it).",
            HTTPStatus.UNPROCESSABLE_ENTITY: "Not a starter type (``known`` lists them).",
        }
    ),
)
async def choose_starter(
    user: CurrentUser,
    session: SessionDep,
    cards: CardsDep,
    starters: StartersDep,
    choice: StarterChoiceIn,
) -> StarterGranted:
    """Grant the starter's cards (source ``starter``) and save it as a deck; only once."""
    grant, saved = await decks.choose_starter(
        session, user.id, choice.starter_type, starters, cards
    )
    await session.commit()
    return StarterGranted(
        starter_type=grant.starter.starter_type,
        granted=[
            CardChangeOut(card_id=c.card_id, delta=c.delta, quantity_after=c.quantity_after)
            for c in grant.changes
        ],
        deck=deck_out(saved),
    )
