"""Ranked ratings: Glicko-2 (the ``glicko2`` package), one rating per user and rules preset.

A finished ranked game updates both players once, as a rating period of one game each (how
Showdown's ladder and Lichess apply Glicko-2), inside the transaction that records the result
(`app.store.GameStateManager.end_game`'s hook), so a result is never counted twice or lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import glicko2  # type: ignore[import-untyped]
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models.play import PlayerRating

START_RATING = 1500.0
START_RD = 350.0
START_VOLATILITY = 0.06
_RATING_COLUMNS = ("rating", "rd", "volatility", "games")


@dataclass(frozen=True, slots=True)
class Rating:
    """A player's Glicko-2 rating on one ladder."""

    rating: float = START_RATING
    rd: float = START_RD
    volatility: float = START_VOLATILITY
    games: int = 0


def updated(mine: Rating, theirs: Rating, score: float) -> Rating:
    """`mine` after one game against `theirs` (`score`: 1 a win, 0.5 a draw, 0 a loss)."""
    player = glicko2.Player(rating=mine.rating, rd=mine.rd, vol=mine.volatility)
    player.update_player([theirs.rating], [theirs.rd], [score])
    return Rating(float(player.rating), float(player.rd), float(player.vol), mine.games + 1)


async def read_ratings(session: AsyncSession, users: list[UUID], preset: str) -> dict[UUID, Rating]:
    """The ratings of `users` on `preset`'s ladder (a newcomer's is the starting one)."""
    rows = await session.execute(
        select(PlayerRating).where(PlayerRating.user_id.in_(users), PlayerRating.preset == preset)
    )
    found = {
        row.user_id: Rating(row.rating, row.rd, row.volatility, row.games) for row in rows.scalars()
    }
    return {user: found.get(user, Rating()) for user in users}


async def record_result(
    session: AsyncSession, preset: str, players: tuple[UUID, UUID], winner: int | None
) -> tuple[Rating, Rating]:
    """Update both players' ratings for one finished game, in `session`'s transaction.

    The rows are locked (``FOR UPDATE``) so two games ending at once for one player apply
    one after the other.
    """
    await session.execute(
        select(PlayerRating.user_id)
        .where(PlayerRating.user_id.in_(players), PlayerRating.preset == preset)
        .with_for_update()
    )
    ratings = await read_ratings(session, list(players), preset)
    first, second = ratings[players[0]], ratings[players[1]]
    score = 0.5 if winner is None else (1.0 if winner == 0 else 0.0)
    new = (updated(first, second, score), updated(second, first, 1.0 - score))
    for user, rating in zip(players, new, strict=True):
        values = {
            "user_id": user,
            "preset": preset,
            "rating": rating.rating,
            "rd": rating.rd,
            "volatility": rating.volatility,
            "games": rating.games,
        }
        statement = pg_insert(PlayerRating).values(**values)
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=[PlayerRating.user_id, PlayerRating.preset],
                set_={
                    key: statement.excluded[key]
                    for key in values
                    if key not in ("user_id", "preset")
                },
            )
        )
    return new
