"""The card catalog over HTTP: sets, card search and single cards.

Everything here is served from the in-memory catalog loaded at start-up, so
these routes never touch PostgreSQL or Redis and cannot fail because of them.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from app.api.deps import CardsDep
from app.api.errors import InvalidRequestError, problem_responses
from app.catalog.card_service import CardSearchFilters, SetNotFoundError
from app.core.cards import CardDefinition, SetInfo

MAX_CARD_ID_LENGTH = 64
"""Longer path segments are refused with a 422 before any lookup (ids are ``set-NNN``)."""

router = APIRouter(tags=["cards"], responses=problem_responses(HTTPStatus.SERVICE_UNAVAILABLE))


class SetList(BaseModel):
    """Every set of the catalog, in release order."""

    items: list[SetInfo]
    total: int


class CardList(BaseModel):
    """One page of a card search; ``total`` counts the matches across all pages."""

    items: list[CardDefinition]
    total: int = Field(description="Matches across all pages.")
    limit: int
    offset: int
    has_more: bool = Field(description="Whether a later page (offset + limit) holds more cards.")


@router.get("/sets", summary="List the card sets")
async def list_sets(cards: CardsDep) -> SetList:
    """Every set, in catalog order."""
    return SetList(items=list(cards.sets), total=len(cards.sets))


@router.get(
    "/sets/{set_id}",
    summary="Get one card set",
    responses=problem_responses(HTTPStatus.NOT_FOUND, HTTPStatus.UNPROCESSABLE_ENTITY),
)
async def get_set(
    cards: CardsDep,
    set_id: Annotated[str, Path(max_length=32, description="Set code, case-insensitive.")],
) -> SetInfo:
    """One set by its code; an unknown code is a 404 that lists the known sets."""
    return cards.get_set(set_id)


@router.get(
    "/cards",
    summary="Search the cards",
    responses=problem_responses(
        described={
            HTTPStatus.UNPROCESSABLE_ENTITY: (
                "A filter is invalid: a value of the wrong type or out of range, an unknown "
                "query parameter, a set_id naming no set, or hp_min greater than hp_max; "
                "``errors`` names each one."
            ),
        },
    ),
)
async def search_cards(cards: CardsDep, filters: Annotated[CardSearchFilters, Query()]) -> CardList:
    """Cards matching every filter given, ordered by set then collector number.

    Unknown query parameters and a ``set_id`` that names no set are refused
    with a 422 rather than ignored, so a typo never looks like an empty result.
    """
    if filters.set_id is not None:
        try:
            cards.get_set(filters.set_id)
        except SetNotFoundError as exc:
            raise InvalidRequestError(["query", "set_id"], str(exc), "unknown_set") from None
    page = cards.search_cards(filters)
    return CardList(
        items=page.items,
        total=page.total,
        limit=page.limit,
        offset=page.offset,
        has_more=page.has_more,
    )


@router.get(
    "/cards/{card_id}",
    summary="Get one card",
    responses=problem_responses(HTTPStatus.NOT_FOUND, HTTPStatus.UNPROCESSABLE_ENTITY),
)
async def get_card(
    cards: CardsDep,
    card_id: Annotated[
        str, Path(max_length=MAX_CARD_ID_LENGTH, description="Card id, e.g. ``mv1-001``.")
    ],
) -> CardDefinition:
    """One card by id; an unknown id is a 404 suggesting the closest existing ids."""
    return cards.get_card(card_id)
