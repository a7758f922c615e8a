"""Games over HTTP: start, join, queue, list, read, replay; the live game is ``/ws/play``.

Start one against a bot, with a friend by invite code, or from the quick-match queue; list
mine; read one; read a finished one's replay.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Annotated, Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from app.accounts import decks
from app.accounts.deps import CurrentUser
from app.api.deps import CardsDep, ServicesDep, SessionDep
from app.api.errors import problem_responses
from app.core.decks import DeckList
from app.core.rules import RulesPreset
from app.db.models import User
from app.play.errors import DeckNotPlayableError, PlayNotFoundError, RankedNeedsAccountError
from app.play.matchmaking import QueueTicket
from app.play.records import GameRecord, GameStatus, SeatInfo
from app.play.replays import game_replay

router = APIRouter(
    tags=["games"],
    responses=problem_responses(HTTPStatus.UNAUTHORIZED, HTTPStatus.SERVICE_UNAVAILABLE),
)

BotLevel = Literal["random", "easy", "normal", "hard", "master"]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GameCreate(_Body):
    """A game against a bot (it starts at once) or with a friend (it waits for the invite)."""

    opponent: Literal["bot", "friend"]
    preset: RulesPreset = RulesPreset.MANTIMON
    deck_id: uuid.UUID = Field(description="One of my decks, valid as it is now.")
    bot_level: BotLevel = "normal"
    timed: bool | None = Field(
        default=None,
        description="Play with the battle timer (default: off against a bot, on with a friend).",
    )


class GameJoin(_Body):
    """Take a friend's invite with one of my decks."""

    code: Annotated[str, Field(min_length=4, max_length=16, pattern=r"^[A-Za-z0-9]+$")]
    deck_id: uuid.UUID


class PlayerOut(BaseModel):
    """Who sits in a seat."""

    seat: int
    name: str
    bot: str | None = None


class GameOut(BaseModel):
    """A game as its players see it outside the live connection."""

    game_id: uuid.UUID
    status: GameStatus
    kind: str
    preset: str
    seat: int | None = Field(description="My seat; null when I do not play this game.")
    players: list[PlayerOut]
    invite_code: str | None = None
    invite_url: str | None = None
    invite_expires_at: datetime | None = None
    winner: int | None = None
    end_reason: str | None = None
    version: int
    timed: bool


class GameListOut(BaseModel):
    """My waiting and active games, most recent first."""

    games: list[GameOut]


class TicketCreate(_Body):
    """Join the quick-match queue of a mode and preset with one of my decks."""

    mode: Literal["casual", "ranked"] = "casual"
    preset: RulesPreset = RulesPreset.MANTIMON
    deck_id: uuid.UUID


class TicketOut(BaseModel):
    """My place in a queue; poll it (asking keeps it alive) until ``matched``."""

    ticket_id: uuid.UUID
    mode: str
    preset: str
    status: str
    game_id: uuid.UUID | None = None
    rating: float | None = None


def game_out(record: GameRecord, user_id: uuid.UUID) -> GameOut:
    """`record` as `user_id` sees it (the invite only for its creator)."""
    seat = record.seat_of(user_id)
    mine = seat == 0 and record.status is GameStatus.WAITING
    expires = record.invite_expires_ms
    return GameOut(
        game_id=record.game_id,
        status=record.status,
        kind=record.kind.value,
        preset=record.preset,
        seat=seat,
        players=[
            PlayerOut(seat=index, name=info.name, bot=info.bot)
            for index, info in enumerate(record.seats)
        ],
        invite_code=record.invite_code if mine else None,
        invite_url=f"/play?invite={record.invite_code}" if mine and record.invite_code else None,
        invite_expires_at=(
            datetime.fromtimestamp(expires / 1000, UTC) if mine and expires is not None else None
        ),
        winner=record.winner,
        end_reason=record.end_reason,
        version=record.version,
        timed=record.control is not None,
    )


def _ticket_out(ticket: QueueTicket) -> TicketOut:
    return TicketOut(
        ticket_id=ticket.ticket_id,
        mode=ticket.mode,
        preset=ticket.preset,
        status=ticket.status,
        game_id=ticket.game_id,
        rating=ticket.rating if ticket.mode == "ranked" else None,
    )


async def _seat(user: User, deck_id: uuid.UUID, session: SessionDep, cards: CardsDep) -> SeatInfo:
    """The user with one of their decks, refused unless the deck is valid now."""
    saved = await decks.get_deck(session, user.id, deck_id, cards)
    if not saved.check.is_valid:
        problems = "; ".join(saved.check.validation_errors)
        raise DeckNotPlayableError(f"deck {saved.deck.name!r} cannot be played: {problems}")
    deck = DeckList(main=dict(saved.deck.cards), energy=dict(saved.deck.energy_cards))
    # Give the request's connection back now: starting the game takes connections of its own,
    # and many starts at once must not each hold two and exhaust the pool.
    await session.close()
    return SeatInfo(user_id=user.id, name=user.display_name, deck=deck, deck_id=deck_id)


_GAME_ERRORS = problem_responses(
    HTTPStatus.NOT_FOUND,
    described={HTTPStatus.UNPROCESSABLE_ENTITY: "The body is malformed, or the deck is not valid."},
)


@router.post(
    "/games", summary="Start a game", status_code=HTTPStatus.CREATED, responses=_GAME_ERRORS
)
async def create_game(
    user: CurrentUser,
    services: ServicesDep,
    session: SessionDep,
    cards: CardsDep,
    body: GameCreate,
    response: Response,
) -> GameOut:
    """Against a bot, the game starts at once; with a friend it waits for the invite code."""
    seat = await _seat(user, body.deck_id, session, cards)
    lobby = services.play.lobby
    if body.opponent == "bot":
        record = await lobby.create_bot_game(seat, body.preset.value, body.bot_level, body.timed)
    else:
        record = await lobby.create_friend_game(seat, body.preset.value, body.timed)
    response.headers["Location"] = f"/api/v1/games/{record.game_id}"
    return game_out(record, user.id)


@router.post(
    "/games/join",
    summary="Join a friend's game by its invite code",
    responses=problem_responses(
        HTTPStatus.NOT_FOUND,
        described={
            HTTPStatus.CONFLICT: "It is my own game, or someone else took the invite.",
            HTTPStatus.UNPROCESSABLE_ENTITY: "The body is malformed, or the deck is not valid.",
        },
    ),
)
async def join_game(
    user: CurrentUser, services: ServicesDep, session: SessionDep, cards: CardsDep, body: GameJoin
) -> GameOut:
    """Take the invite: the game starts, and both players open it over the WebSocket."""
    seat = await _seat(user, body.deck_id, session, cards)
    record = await services.play.lobby.join(body.code, seat)
    return game_out(record, user.id)


@router.get("/games/{game_id}", summary="Get a game", responses=_GAME_ERRORS)
async def get_game(user: CurrentUser, services: ServicesDep, game_id: uuid.UUID) -> GameOut:
    """Any game's players and status (spectating is open); the invite only for its creator."""
    record = await services.play.service.storage.load(game_id)
    if record is None:
        raise PlayNotFoundError("no such game")
    return game_out(record, user.id)


@router.get("/games/{game_id}/replay", summary="Replay a finished game", responses=_GAME_ERRORS)
async def get_replay(
    user: CurrentUser, services: ServicesDep, session: SessionDep, game_id: uuid.UUID
) -> dict[str, object]:
    """The public events version by version; a player also gets their own final view."""
    return await game_replay(services.play.service, session, game_id, user.id)


@router.get("/me/games", summary="List my waiting and active games")
async def list_my_games(user: CurrentUser, services: ServicesDep) -> GameListOut:
    """Drives "continue your games": every game of mine that has not ended."""
    records = await services.play.service.storage.records_of(user.id, ("waiting", "active"))
    return GameListOut(games=[game_out(record, user.id) for record in records])


@router.post(
    "/matchmaking/tickets",
    summary="Join the quick-match queue",
    status_code=HTTPStatus.CREATED,
    responses=problem_responses(
        HTTPStatus.NOT_FOUND,
        described={
            HTTPStatus.FORBIDDEN: "Ranked play is for full accounts, not guests.",
            HTTPStatus.UNPROCESSABLE_ENTITY: "The body is malformed, or the deck is not valid.",
        },
    ),
)
async def create_ticket(
    user: CurrentUser,
    services: ServicesDep,
    session: SessionDep,
    cards: CardsDep,
    body: TicketCreate,
) -> TicketOut:
    """Queue for a game; poll the ticket (at least every few seconds) until it is matched."""
    if body.mode == "ranked" and user.is_guest:
        raise RankedNeedsAccountError("ranked play is for full accounts: link a sign-in first")
    seat = await _seat(user, body.deck_id, session, cards)
    assert seat.deck is not None
    ticket = await services.play.matchmaker.enqueue(
        user.id, seat.name, body.mode, body.preset.value, seat.deck, body.deck_id
    )
    return _ticket_out(ticket)


@router.get(
    "/matchmaking/tickets/{ticket_id}",
    summary="Get my queue ticket",
    responses=problem_responses(HTTPStatus.NOT_FOUND, HTTPStatus.UNPROCESSABLE_ENTITY),
)
async def get_ticket(user: CurrentUser, services: ServicesDep, ticket_id: uuid.UUID) -> TicketOut:
    """Where my ticket stands; asking keeps it in the queue."""
    return _ticket_out(await services.play.matchmaker.get(user.id, ticket_id))


@router.delete(
    "/matchmaking/tickets/{ticket_id}",
    summary="Leave the queue",
    status_code=HTTPStatus.NO_CONTENT,
    responses=problem_responses(HTTPStatus.NOT_FOUND, HTTPStatus.UNPROCESSABLE_ENTITY),
)
async def cancel_ticket(user: CurrentUser, services: ServicesDep, ticket_id: uuid.UUID) -> None:
    """Leave the queue (a ticket already matched keeps its game)."""
    await services.play.matchmaker.cancel(user.id, ticket_id)
