"""A player's saved decks: create, read, update, delete, validated and versioned.

A deck is validated against its rules preset with `validate_deck`; a deck in
campaign mode must also use only cards its owner holds (every card, energy
included), while a free-play deck may use any card of the catalog. An invalid
deck is still saved, as a draft: ``is_valid`` is false and ``validation_errors``
says why. Validity is computed again on every read, because a campaign deck
becomes valid or invalid as the collection changes.

Every change a player makes bumps ``version``; a change or deletion names the
version it was based on and is refused (`DeckVersionMismatchError`) if the deck
has moved on, so two editors never silently overwrite each other. A deck of
another user is reported exactly like a missing one (`DeckNotFoundError`).

Functions take the caller's session and only flush; the caller commits.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.accounts.collections import StarterGrant, grant_starter, owned_quantities
from app.catalog.card_service import CardService
from app.catalog.deck_validation import validate_deck
from app.core.decks import StarterDeck
from app.core.enums import DeckMode
from app.core.rules import RulesConfig, RulesPreset
from app.db.models import Deck, User
from app.errors import MantimonError


class DeckNotFoundError(MantimonError, LookupError):
    """No deck with this id belongs to the user (it may not exist, or be someone else's)."""

    def __init__(self, deck_id: uuid.UUID) -> None:
        self.deck_id = deck_id
        super().__init__(f"no deck {deck_id} among your decks")


class DeckVersionMismatchError(MantimonError):
    """The change was based on an older version of the deck; ``current_version`` is the latest."""

    def __init__(self, deck_id: uuid.UUID, current_version: int) -> None:
        self.deck_id = deck_id
        self.current_version = current_version
        super().__init__(
            f"deck {deck_id} is at version {current_version}, not the version your change was "
            "based on: it was changed since you read it; read it again and reapply your change"
        )


class DeckSlotsFullError(MantimonError):
    """The user already has as many decks as their account allows."""

    def __init__(self, slots: int) -> None:
        self.slots = slots
        super().__init__(
            f"all {slots} deck slots are used; delete a deck, or go premium for unlimited decks"
        )


@dataclass(frozen=True, slots=True)
class DeckCheck:
    """A deck's validity under its preset and mode, and the cards a campaign deck lacks."""

    rules_preset: RulesPreset
    mode: DeckMode
    is_valid: bool
    validation_errors: list[str]
    missing_cards: dict[str, int] = field(default_factory=dict)
    """Card id -> copies the deck uses beyond those owned (campaign mode only)."""


@dataclass(frozen=True, slots=True)
class SavedDeck:
    """A stored deck and its validity as of now."""

    deck: Deck
    check: DeckCheck


@dataclass(frozen=True, slots=True)
class DeckContent:
    """What a player sets on a deck; None in an update means "leave as it is"."""

    name: str | None = None
    cards: Mapping[str, int] | None = None
    energy_cards: Mapping[str, int] | None = None
    rules_preset: RulesPreset | None = None
    mode: DeckMode | None = None


@dataclass(frozen=True, slots=True)
class DeckSlots:
    """How many decks an account may hold: `free` for a free account, `premium` (None: no limit)."""

    free: int
    premium: int | None = None


def check_deck(
    cards: Mapping[str, int],
    energy_cards: Mapping[str, int],
    rules_preset: RulesPreset,
    mode: DeckMode,
    owned: Mapping[str, int],
    card_service: CardService,
) -> DeckCheck:
    """Validate a deck under `rules_preset`, and in campaign mode against the `owned` copies.

    The campaign errors come after the rules' errors, one per card lacking,
    naming the card, the copies used and the copies owned.
    """
    result = validate_deck(cards, energy_cards, RulesConfig.preset(rules_preset), card_service)
    errors = list(result.validation_errors)
    missing: dict[str, int] = {}
    if mode is DeckMode.CAMPAIGN:
        used = Counter[str]()
        for zone in (cards, energy_cards):
            for card_id, copies in zone.items():
                if card_id in card_service and isinstance(copies, int):
                    used[card_id] += copies
        for card_id in sorted(used):
            have = owned.get(card_id, 0)
            if used[card_id] > have:
                missing[card_id] = used[card_id] - have
                name = card_service.get_card(card_id).name
                errors.append(
                    f"campaign decks use only owned cards: {card_id!r} ({name}) x{used[card_id]} "
                    f"in the deck, {have} owned"
                )
    return DeckCheck(
        rules_preset=rules_preset,
        mode=mode,
        is_valid=not errors,
        validation_errors=errors,
        missing_cards=missing,
    )


async def _owned_if_campaign(
    session: AsyncSession, user_id: uuid.UUID, decks: Sequence[Deck | DeckContent]
) -> dict[str, int]:
    if any(deck.mode is DeckMode.CAMPAIGN for deck in decks):
        return await owned_quantities(session, user_id)
    return {}


def _recheck(deck: Deck, owned: Mapping[str, int], cards: CardService) -> DeckCheck:
    return check_deck(deck.cards, deck.energy_cards, deck.rules_preset, deck.mode, owned, cards)


def _store_check(deck: Deck, check: DeckCheck) -> None:
    deck.is_valid = check.is_valid
    deck.validation_errors = list(check.validation_errors)


# ------------------------------------------------------------------ reading


async def list_decks(
    session: AsyncSession, user_id: uuid.UUID, cards: CardService
) -> list[SavedDeck]:
    """The user's decks, oldest first, each with its validity as of now."""
    decks = (
        (
            await session.execute(
                select(Deck).where(Deck.user_id == user_id).order_by(Deck.created_at, Deck.id)
            )
        )
        .scalars()
        .all()
    )
    owned = await _owned_if_campaign(session, user_id, decks)
    return [SavedDeck(deck, _recheck(deck, owned, cards)) for deck in decks]


async def get_deck(
    session: AsyncSession, user_id: uuid.UUID, deck_id: uuid.UUID, cards: CardService
) -> SavedDeck:
    """One of the user's decks with its validity as of now.

    Raises:
        DeckNotFoundError: no such deck among the user's.
    """
    deck = await _own_deck(session, user_id, deck_id, lock=False)
    owned = await _owned_if_campaign(session, user_id, [deck])
    return SavedDeck(deck, _recheck(deck, owned, cards))


async def _own_deck(
    session: AsyncSession, user_id: uuid.UUID, deck_id: uuid.UUID, *, lock: bool
) -> Deck:
    statement = (
        select(Deck)
        .where(Deck.id == deck_id, Deck.user_id == user_id)
        .execution_options(populate_existing=True)
    )
    if lock:
        statement = statement.with_for_update()
    deck = (await session.execute(statement)).scalar_one_or_none()
    if deck is None:
        raise DeckNotFoundError(deck_id)
    return deck


# ------------------------------------------------------------------ writing


async def create_deck(
    session: AsyncSession,
    user_id: uuid.UUID,
    content: DeckContent,
    cards: CardService,
    slots: DeckSlots,
) -> SavedDeck:
    """Save a new deck (version 1), valid or as a draft, if the user has a free slot.

    Slots are counted under a lock on the user's row, so two creations at once
    cannot both take the last slot. Missing fields take their defaults: an
    empty deck named "New deck", preset ``mantimon``, free play.

    Raises:
        DeckSlotsFullError: the account's deck slots are all used.
    """
    user = (
        await session.execute(
            select(User).where(User.id == user_id).with_for_update(key_share=True)
        )
    ).scalar_one()
    limit = slots.premium if is_premium(user) else slots.free
    if limit is not None:
        count = (
            await session.execute(select(func.count()).where(Deck.user_id == user_id))
        ).scalar_one()
        if count >= limit:
            raise DeckSlotsFullError(limit)
    deck = Deck(
        user_id=user_id,
        name=content.name or "New deck",
        cards=dict(content.cards or {}),
        energy_cards=dict(content.energy_cards or {}),
        rules_preset=content.rules_preset or RulesPreset.MANTIMON,
        mode=content.mode or DeckMode.FREEPLAY,
        version=1,
    )
    owned = await _owned_if_campaign(session, user_id, [deck])
    check = _recheck(deck, owned, cards)
    _store_check(deck, check)
    session.add(deck)
    await session.flush()
    await session.refresh(deck)
    return SavedDeck(deck, check)


def is_premium(user: User) -> bool:
    """Whether the account has premium now (a lapsed ``premium_until`` counts as free)."""
    return user.is_premium and (
        user.premium_until is None or user.premium_until > datetime.now(UTC)
    )


async def update_deck(
    session: AsyncSession,
    user_id: uuid.UUID,
    deck_id: uuid.UUID,
    expected_versions: AbstractSet[int] | None,
    content: DeckContent,
    cards: CardService,
) -> SavedDeck:
    """Apply the fields `content` sets, if the deck is still at one of `expected_versions`.

    `expected_versions` None applies the change whatever the version (a client's
    ``If-Match: *``); an empty set matches no version. The deck's row is locked
    while its version is compared and bumped, so of two updates based on the same
    version exactly one applies.

    Raises:
        DeckNotFoundError: no such deck among the user's.
        DeckVersionMismatchError: the deck is at another version.
    """
    deck = await _own_deck(session, user_id, deck_id, lock=True)
    if expected_versions is not None and deck.version not in expected_versions:
        raise DeckVersionMismatchError(deck_id, deck.version)
    if content.name is not None:
        deck.name = content.name
    if content.cards is not None:
        deck.cards = dict(content.cards)
    if content.energy_cards is not None:
        deck.energy_cards = dict(content.energy_cards)
    if content.rules_preset is not None:
        deck.rules_preset = content.rules_preset
    if content.mode is not None:
        deck.mode = content.mode
    deck.version += 1
    owned = await _owned_if_campaign(session, user_id, [deck])
    check = _recheck(deck, owned, cards)
    _store_check(deck, check)
    await session.flush()
    await session.refresh(deck, ["updated_at"])
    return SavedDeck(deck, check)


async def delete_deck(
    session: AsyncSession,
    user_id: uuid.UUID,
    deck_id: uuid.UUID,
    expected_versions: AbstractSet[int] | None,
) -> None:
    """Delete one of the user's decks, if it is still at one of `expected_versions` (None: any).

    Raises:
        DeckNotFoundError: no such deck among the user's.
        DeckVersionMismatchError: the deck is at another version.
    """
    deck = await _own_deck(session, user_id, deck_id, lock=True)
    if expected_versions is not None and deck.version not in expected_versions:
        raise DeckVersionMismatchError(deck_id, deck.version)
    await session.delete(deck)
    await session.flush()


async def choose_starter(
    session: AsyncSession,
    user_id: uuid.UUID,
    starter_type: str,
    starters: Mapping[str, StarterDeck],
    cards: CardService,
) -> tuple[StarterGrant, SavedDeck]:
    """The user's one starter choice: its cards granted and it saved as their starter deck.

    The starter deck is a campaign deck of the default preset (all its cards are
    now owned) and is saved whatever the deck slots: it is part of the grant.

    Raises:
        UnknownStarterError: `starter_type` is not a shipped starter.
        StarterAlreadyChosenError: the user chose before; nothing is granted.
    """
    grant = await grant_starter(session, user_id, starter_type, starters, cards)
    starter = grant.starter
    deck = Deck(
        user_id=user_id,
        name=starter.name,
        cards=dict(starter.cards),
        energy_cards=dict(starter.energy_cards),
        is_starter=True,
        starter_type=starter.starter_type,
        rules_preset=RulesPreset.MANTIMON,
        mode=DeckMode.CAMPAIGN,
        version=1,
    )
    check = _recheck(deck, await owned_quantities(session, user_id), cards)
    _store_check(deck, check)
    session.add(deck)
    await session.flush()
    await session.refresh(deck)
    return grant, SavedDeck(deck, check)
