"""The signed-in player's decks over HTTP, and deck codes.

A deck's ``ETag`` is its version; ``PUT``, ``PATCH`` and ``DELETE`` must send
it back in ``If-Match`` (``*`` to overwrite whatever is there). A stale tag is a
412 carrying the current version (in ``current_version`` and the ``ETag``
header); no ``If-Match`` at all is a 428. A deck id of another player is a 404,
exactly like an id that does not exist.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from http import HTTPStatus
from typing import Annotated, Any, Self

from fastapi import APIRouter, Header, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from app.accounts import decks
from app.accounts.deck_codes import CURRENT_VERSION, decode_deck, encode_deck
from app.accounts.deps import CurrentUser
from app.api.deps import CardsDep, SessionDep, SettingsDep
from app.api.errors import PreconditionRequiredError, entity_tag, problem_responses
from app.core.decks import CardCounts
from app.core.enums import DeckMode
from app.core.rules import RulesPreset
from app.db.models import User

router = APIRouter(
    tags=["decks"],
    responses=problem_responses(HTTPStatus.UNAUTHORIZED, HTTPStatus.SERVICE_UNAVAILABLE),
)
codes_router = APIRouter(
    prefix="/decks/code",
    tags=["decks"],
    responses=problem_responses(HTTPStatus.UNPROCESSABLE_ENTITY),
)


MAX_ZONE_ENTRIES = 100
"""Distinct cards a zone may list; more is refused with a 422 before validation."""

DeckName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Zone = Annotated[CardCounts, Field(max_length=MAX_ZONE_ENTRIES)]
DeckCode = Annotated[str, StringConstraints(max_length=4096)]
_IF_MATCH_DOC = (
    'The deck\'s ETag as last read (e.g. "3"), or * to apply whatever its version. Required.'
)


class DeckOut(BaseModel):
    """A saved deck, in the seed's shape, with its validity as of now."""

    id: uuid.UUID
    name: str
    cards: dict[str, int] = Field(description="Main deck: card id -> copies.")
    energy_cards: dict[str, int] = Field(description="Energy deck: card id -> copies.")
    rules_preset: RulesPreset = Field(description="The rules the deck is validated under.")
    mode: DeckMode = Field(description="freeplay: any card; campaign: only owned cards.")
    is_valid: bool
    validation_errors: list[str] = Field(description="Why the deck is a draft; empty if valid.")
    missing_cards: dict[str, int] = Field(
        description="Campaign mode: card id -> copies used beyond those owned."
    )
    is_starter: bool
    starter_type: str | None
    version: int = Field(ge=1, description="Also the ETag; grows with every change.")
    created_at: datetime
    updated_at: datetime


class DeckList(BaseModel):
    """All of the player's decks, oldest first, and their slots."""

    items: list[DeckOut]
    total: int
    slots: int | None = Field(description="How many decks the account may hold; null: no limit.")


class DeckCreate(BaseModel):
    """A new deck: its cards directly, or a deck code (not both). Anything left out defaults."""

    model_config = ConfigDict(extra="forbid")

    name: DeckName = "New deck"
    cards: Zone | None = None
    energy_cards: Zone | None = None
    code: DeckCode | None = Field(default=None, description="A deck code to import.")
    rules_preset: RulesPreset = RulesPreset.MANTIMON
    mode: DeckMode = DeckMode.FREEPLAY

    @model_validator(mode="after")
    def _code_or_cards(self) -> Self:
        if self.code is not None and (self.cards is not None or self.energy_cards is not None):
            raise ValueError("give either a deck code or the cards, not both")
        return self


class DeckReplace(BaseModel):
    """The whole deck, as ``PUT`` replaces it (omitted zones become empty)."""

    model_config = ConfigDict(extra="forbid")

    name: DeckName
    cards: Zone = Field(default_factory=dict)
    energy_cards: Zone = Field(default_factory=dict)
    rules_preset: RulesPreset = RulesPreset.MANTIMON
    mode: DeckMode = DeckMode.FREEPLAY


class DeckPatch(BaseModel):
    """The fields to change; the others stay as they are."""

    model_config = ConfigDict(extra="forbid")

    name: DeckName | None = None
    cards: Zone | None = None
    energy_cards: Zone | None = None
    rules_preset: RulesPreset | None = None
    mode: DeckMode | None = None


class DeckCodeOut(BaseModel):
    """A deck's code and the format version it is written in."""

    code: str
    version: int


class DeckCodeIn(BaseModel):
    """A deck code to read."""

    model_config = ConfigDict(extra="forbid")

    code: DeckCode


class DeckContents(BaseModel):
    """The two zones of a deck (what a code carries)."""

    model_config = ConfigDict(extra="forbid")

    cards: Zone = Field(default_factory=dict)
    energy_cards: Zone = Field(default_factory=dict)


class DecodedDeckOut(DeckContents):
    """A decoded deck and the format version its code was written in."""

    version: int


def deck_out(saved: decks.SavedDeck) -> DeckOut:
    """The response body of a saved deck."""
    deck, check = saved.deck, saved.check
    return DeckOut(
        id=deck.id,
        name=deck.name,
        cards=deck.cards,
        energy_cards=deck.energy_cards,
        rules_preset=check.rules_preset,
        mode=check.mode,
        is_valid=check.is_valid,
        validation_errors=check.validation_errors,
        missing_cards=check.missing_cards,
        is_starter=deck.is_starter,
        starter_type=deck.starter_type,
        version=deck.version,
        created_at=deck.created_at,
        updated_at=deck.updated_at,
    )


def _with_tag(response: Response, saved: decks.SavedDeck) -> DeckOut:
    response.headers["ETag"] = entity_tag(saved.deck.version)
    return deck_out(saved)


def _expected_versions(if_match: str | None) -> frozenset[int] | None:
    """The versions an ``If-Match`` accepts (None for ``*``); weak or foreign tags match none.

    Raises:
        PreconditionRequiredError: no ``If-Match`` header.
    """
    if if_match is None or not if_match.strip():
        raise PreconditionRequiredError(
            "send If-Match with the deck's ETag (or *) so a change based on an old version is "
            "refused rather than overwriting someone else's"
        )
    tags = [tag.strip() for tag in if_match.split(",")]
    if "*" in tags:
        return None
    versions = set()
    for tag in tags:
        inner = tag[1:-1] if len(tag) >= 2 and tag[0] == tag[-1] == '"' else ""
        if inner.isascii() and inner.isdigit() and len(inner) <= 9:
            versions.add(int(inner))
    return frozenset(versions)


def _slots(settings: SettingsDep) -> decks.DeckSlots:
    return decks.DeckSlots(free=settings.free_deck_slots, premium=settings.premium_deck_slots)


_VERSIONED = problem_responses(
    HTTPStatus.NOT_FOUND,
    described={
        HTTPStatus.PRECONDITION_FAILED: (
            "The deck changed since the If-Match version; ``current_version`` and the ETag "
            "header give the current one."
        ),
        HTTPStatus.PRECONDITION_REQUIRED: "No If-Match header was sent.",
        HTTPStatus.UNPROCESSABLE_ENTITY: "The id, body or a header is malformed.",
    },
)


@router.get("/me/decks", summary="List my decks")
async def list_decks(
    user: CurrentUser, session: SessionDep, cards: CardsDep, settings: SettingsDep
) -> DeckList:
    """Every deck of mine, oldest first, each with its validity as of now."""
    saved = await decks.list_decks(session, user.id, cards)
    slots = _slots(settings)
    return DeckList(
        items=[deck_out(s) for s in saved],
        total=len(saved),
        slots=slots.premium if decks.is_premium(user) else slots.free,
    )


@router.post(
    "/me/decks",
    summary="Create a deck",
    status_code=HTTPStatus.CREATED,
    responses=problem_responses(
        described={
            HTTPStatus.CONFLICT: "Every deck slot is used (``slots`` says how many there are).",
            HTTPStatus.UNPROCESSABLE_ENTITY: "The body is malformed, or its deck code unreadable.",
        }
    ),
)
async def create_deck(
    user: CurrentUser,
    session: SessionDep,
    cards: CardsDep,
    settings: SettingsDep,
    body: DeckCreate,
    response: Response,
) -> DeckOut:
    """Save a deck, valid or as a draft that says why it is not; from its cards or a code."""
    main, energy = body.cards, body.energy_cards
    if body.code is not None:
        decoded = decode_deck(body.code)
        main, energy = decoded.cards, decoded.energy_cards
    content = decks.DeckContent(
        name=body.name,
        cards=main,
        energy_cards=energy,
        rules_preset=body.rules_preset,
        mode=body.mode,
    )
    saved = await decks.create_deck(session, user.id, content, cards, _slots(settings))
    await session.commit()
    response.headers["Location"] = f"/api/v1/me/decks/{saved.deck.id}"
    return _with_tag(response, saved)


@router.get(
    "/me/decks/{deck_id}",
    summary="Get one of my decks",
    responses=problem_responses(HTTPStatus.NOT_FOUND, HTTPStatus.UNPROCESSABLE_ENTITY),
)
async def get_deck(
    user: CurrentUser, session: SessionDep, cards: CardsDep, deck_id: uuid.UUID, response: Response
) -> DeckOut:
    """One deck with its validity as of now; the ETag header is its version."""
    return _with_tag(response, await decks.get_deck(session, user.id, deck_id, cards))


@router.put("/me/decks/{deck_id}", summary="Replace one of my decks", responses=_VERSIONED)
async def replace_deck(
    user: CurrentUser,
    session: SessionDep,
    cards: CardsDep,
    deck_id: uuid.UUID,
    body: DeckReplace,
    response: Response,
    if_match: Annotated[str | None, Header(description=_IF_MATCH_DOC, max_length=200)] = None,
) -> DeckOut:
    """Replace the deck's name, cards, preset and mode, if it is still at the If-Match version."""
    return await _update(user, session, cards, deck_id, if_match, body.model_dump(), response)


@router.patch("/me/decks/{deck_id}", summary="Change part of one of my decks", responses=_VERSIONED)
async def patch_deck(
    user: CurrentUser,
    session: SessionDep,
    cards: CardsDep,
    deck_id: uuid.UUID,
    body: DeckPatch,
    response: Response,
    if_match: Annotated[str | None, Header(description=_IF_MATCH_DOC, max_length=200)] = None,
) -> DeckOut:
    """Change the fields given, if the deck is still at the If-Match version."""
    return await _update(
        user, session, cards, deck_id, if_match, body.model_dump(exclude_none=True), response
    )


async def _update(
    user: User,
    session: SessionDep,
    cards: CardsDep,
    deck_id: uuid.UUID,
    if_match: str | None,
    fields: dict[str, Any],
    response: Response,
) -> DeckOut:
    expected = _expected_versions(if_match)
    saved = await decks.update_deck(
        session, user.id, deck_id, expected, decks.DeckContent(**fields), cards
    )
    await session.commit()
    return _with_tag(response, saved)


@router.delete(
    "/me/decks/{deck_id}",
    summary="Delete one of my decks",
    status_code=HTTPStatus.NO_CONTENT,
    responses=_VERSIONED,
)
async def delete_deck(
    user: CurrentUser,
    session: SessionDep,
    deck_id: uuid.UUID,
    if_match: Annotated[str | None, Header(description=_IF_MATCH_DOC, max_length=200)] = None,
) -> None:
    """Delete the deck, if it is still at the If-Match version."""
    await decks.delete_deck(session, user.id, deck_id, _expected_versions(if_match))
    await session.commit()


@router.get(
    "/me/decks/{deck_id}/code",
    summary="Export one of my decks as a code",
    responses=problem_responses(
        HTTPStatus.NOT_FOUND,
        described={
            HTTPStatus.UNPROCESSABLE_ENTITY: (
                "A malformed id, or a deck holding an id no code can carry."
            )
        },
    ),
)
async def export_deck(
    user: CurrentUser, session: SessionDep, cards: CardsDep, deck_id: uuid.UUID
) -> DeckCodeOut:
    """The deck's code, to share or import elsewhere (``POST /me/decks`` with ``code``)."""
    saved = await decks.get_deck(session, user.id, deck_id, cards)
    return DeckCodeOut(
        code=encode_deck(saved.deck.cards, saved.deck.energy_cards), version=CURRENT_VERSION
    )


@codes_router.post("/decode", summary="Read a deck code")
async def decode_code(body: DeckCodeIn) -> DecodedDeckOut:
    """The deck a code holds; a corrupt or truncated code is a 422 naming what is wrong."""
    decoded = decode_deck(body.code)
    return DecodedDeckOut(
        version=decoded.version, cards=decoded.cards, energy_cards=decoded.energy_cards
    )


@codes_router.post("/encode", summary="Make a deck code")
async def encode_code(body: DeckContents) -> DeckCodeOut:
    """The code of a deck given by its two zones (the cards need not exist or be legal)."""
    return DeckCodeOut(code=encode_deck(body.cards, body.energy_cards), version=CURRENT_VERSION)
