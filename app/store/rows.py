"""The PostgreSQL side of the GameStateManager: ``active_games`` rows and the history.

`GameRows` runs every statement the manager sends to PostgreSQL for one game:
the checked upsert of `app.store.statements` (a state replaces the
row only if it is newer *and* descends from it, see `app.store.lineage`),
the reads that check a cached copy against the row, the move to
``game_history`` and the players' listing. It is also where a state on another
branch is refused (`DivergedStateError`): the refusal is logged and the game's
cached copy distrusted, whichever path (save, persist, flush) met it.

Each method is its own transaction; errors from the driver become the manager's
errors (`GameStoreUnavailableError`, `GameStoreBusyError`, `GamePersistRefusedError`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, NoReturn
from uuid import UUID

from pydantic import ValidationError
from sqlalchemy import delete, exists, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import DataError, IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.game_state import GameState
from app.db.models import ActiveGame, GameHistory
from app.db.session import session_scope
from app.store.errors import (
    CorruptGameStateError,
    DivergedStateError,
    GamePersistRefusedError,
    GameStoreUnavailableError,
    logger,
    store_error,
    validation_summary,
)
from app.store.lineage import LineageCache, descends_from, head_digest, lineage_chain
from app.store.redis_epoch import RedisEpoch
from app.store.redis_health import RedisHealth
from app.store.results import EndHook, PersistHook, PersistOutcome, PlayerGame
from app.store.statements import NEXT_WRITE_SQL, READ_STATE_SQL, STORED_SQL, UPSERT_SQL

_AUTOCOMMIT: Final = {"isolation_level": "AUTOCOMMIT"}
_UPSERT_ATTEMPTS: Final = 3
"""How often a persist is retried when the row changes between its two statements."""


@dataclass(frozen=True, slots=True)
class StoredVersion:
    """What PostgreSQL holds for a game."""

    version: int | None
    """None when there is no active row."""
    lineage: bytes | None
    ended: bool


class GameRows:
    """One manager's PostgreSQL statements; `health` and `epoch` are shared with its cache."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        health: RedisHealth,
        epoch: RedisEpoch,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._health = health
        self._epoch = epoch
        self._lineage = LineageCache()
        self.high_water = 0
        """The highest ``store_write_seq`` value a write of this process drew (see
        `app.store.restore`): PostgreSQL must never come back below it."""

    def _drew(self, value: int | None) -> None:
        if value is not None and value > self.high_water:
            self.high_water = value

    def chain(self, state: GameState) -> bytes:
        """`state`'s lineage chain, extended from the last one computed for its game."""
        return self._lineage.chain(state)

    def forget_lineage(self, game_id: UUID) -> None:
        """Drop the game's remembered action-log chain (it has left the active games)."""
        self._lineage.forget(game_id)

    async def read(self, game_id: UUID) -> tuple[GameState, str] | None:
        """The game's state and its JSON, checked against the row's id and version."""
        try:
            async with self._sessionmaker() as session:
                row = (await session.execute(READ_STATE_SQL, {"id": game_id})).first()
        except (SQLAlchemyError, OSError) as exc:
            raise store_error(
                f"game {game_id}: cannot read PostgreSQL ({type(exc).__name__}: {exc})"
                + ("; Redis is unreachable too" if self._health.down else ""),
                exc,
            ) from exc
        if row is None:
            return None
        try:
            state = GameState.model_validate_json(row.state)
        except ValidationError as exc:
            reason = validation_summary(exc)
            logger.error("game %s: the state in PostgreSQL is unusable (%s)", game_id, reason)
            raise CorruptGameStateError(game_id, "PostgreSQL", reason) from None
        if state.game_id != game_id or state.version != row.version:
            reason = (
                f"the row (version {row.version}) holds game {state.game_id} "
                f"at version {state.version}"
            )
            logger.error("game %s: the state in PostgreSQL is unusable (%s)", game_id, reason)
            raise CorruptGameStateError(game_id, "PostgreSQL", reason)
        return state, row.state

    async def stored(self, game_id: UUID) -> StoredVersion:
        """The version and lineage PostgreSQL holds for a game, without reading its state."""
        try:
            async with self._sessionmaker() as session:
                row = (await session.execute(STORED_SQL, {"id": game_id})).one()
        except (SQLAlchemyError, OSError) as exc:
            raise store_error(
                f"game {game_id}: cannot read PostgreSQL to check the cached copy against it "
                f"({type(exc).__name__}: {exc})",
                exc,
            ) from exc
        return StoredVersion(row.version, row.lineage_digest, bool(row.ended))

    async def upsert(
        self, state: GameState, payload: str, also: PersistHook | None = None
    ) -> tuple[PersistOutcome, int | None]:
        """Write `state` if it is newer than, and descends from, PostgreSQL's state.

        Returns the outcome and, when nothing was written, the version PostgreSQL holds.
        `also` runs after it, whatever the outcome (see `GameStateManager.persist_to_db`):
        on the same connection when the state was written, else on a connection of its own.

        Raises:
            DivergedStateError: PostgreSQL holds a state `state` does not descend from.
            GamePersistRefusedError, GameStoreUnavailableError: as for `persist_to_db`.
        """
        first, second = state.players
        chain = self._lineage.chain(state)
        params = {
            "id": state.game_id,
            "game_type": state.game_type.value,
            "player1_id": first.user_id,
            "player2_id": second.user_id,
            "npc_id": state.npc_id,
            "rules_config": state.rules.model_dump_json(),
            "game_state": payload,
            "turn_number": state.turn_number,
            "version": state.version,
            "started_at": state.started_at,
            "last_action_at": state.last_action_at,
            "turn_deadline": state.turn_deadline,
            "lineage_digest": head_digest(chain),
            "lineage": chain,
        }
        for _ in range(_UPSERT_ATTEMPTS):
            written = None
            try:
                async with self._sessionmaker() as session:
                    # One statement is its own transaction: no BEGIN/COMMIT round trips.
                    connection = await session.connection(execution_options=_AUTOCOMMIT)
                    written = (await connection.execute(UPSERT_SQL, params)).first()
                    if written is not None:
                        self._drew(written.write_seq)
                        if also is not None:
                            await also(connection)
                        return PersistOutcome.WRITTEN, None
                    found = (await connection.execute(STORED_SQL, {"id": state.game_id})).one()
            except (IntegrityError, DataError) as exc:
                if written is not None:
                    raise  # the state is written: `also`'s own error, not the state's
                raise GamePersistRefusedError(
                    f"game {state.game_id}: PostgreSQL refused version {state.version}: {exc.orig}",
                ) from exc
            except (SQLAlchemyError, OSError) as exc:
                if written is not None:
                    raise
                raise store_error(
                    f"game {state.game_id}: cannot write version {state.version} to PostgreSQL "
                    f"({type(exc).__name__}: {exc})",
                    exc,
                ) from exc
            stored = StoredVersion(found.version, found.lineage_digest, bool(found.ended))
            if stored.ended:
                await self._also_apart(also)
                return PersistOutcome.GAME_ENDED, None
            if await self._already_held(state, chain, stored):
                await self._also_apart(also)
                return PersistOutcome.ALREADY_CURRENT, stored.version
        raise GameStoreUnavailableError(
            f"game {state.game_id}: its row kept changing while version {state.version} "
            "was written; nothing was written, call again",
        )

    async def _also_apart(self, also: PersistHook | None) -> None:
        """Run a persist's `also` on a connection of its own (nothing was written)."""
        if also is None:
            return
        async with self._sessionmaker() as session:
            await also(await session.connection(execution_options=_AUTOCOMMIT))

    async def _already_held(self, state: GameState, chain: bytes, stored: StoredVersion) -> bool:
        """After a refused upsert: True if PostgreSQL holds `state` or a descendant of it.

        False means the row changed between the two statements (try again).

        Raises:
            DivergedStateError: the two states are on different branches.
        """
        if stored.version is None:
            return False
        if stored.version <= state.version:
            if not descends_from(chain, stored.version, stored.lineage):
                self.diverged(state.game_id, state.version, stored.version)
            return stored.version == state.version
        row = await self.read(state.game_id)
        if row is None:
            return False
        held = row[0]
        if held.version <= state.version:
            return False
        if head_digest(lineage_chain(held, upto=state.version)) != head_digest(chain):
            self.diverged(state.game_id, state.version, held.version)
        return True

    def diverged(self, game_id: UUID, version: int, stored_version: int) -> NoReturn:
        """Refuse `version` as not descending from PostgreSQL's: log it, distrust the cache."""
        self._epoch.distrust(game_id)
        logger.error(
            "game %s: refused version %d, which does not descend from version %d in PostgreSQL",
            game_id,
            version,
            stored_version,
        )
        raise DivergedStateError(game_id, version, stored_version)

    async def delete(self, game_id: UUID) -> None:
        """Delete the active row (called once the game is gone from Redis)."""
        try:
            async with session_scope(self._sessionmaker) as session:
                await session.execute(delete(ActiveGame).where(ActiveGame.id == game_id))
        except (SQLAlchemyError, OSError) as exc:
            raise store_error(
                f"game {game_id}: deleted from Redis but not from PostgreSQL ({exc}); call again",
                exc,
            ) from exc

    async def end(
        self, game_id: UUID, history: dict[str, Any], also: EndHook | None = None
    ) -> bool:
        """Insert the history row and delete the active row, in one transaction.

        `also` runs in that transaction when this call inserted the row, so whatever it
        records (a ranked game's ratings) is written exactly once, with the result.
        Returns True if this call inserted the history row.
        """
        try:
            async with session_scope(self._sessionmaker) as session:
                inserted = (
                    await session.execute(
                        pg_insert(GameHistory)
                        .values(**history)
                        .on_conflict_do_nothing(index_elements=[GameHistory.id])
                        .returning(GameHistory.id),
                    )
                ).first()
                await session.execute(delete(ActiveGame).where(ActiveGame.id == game_id))
                if inserted is not None and also is not None:
                    await also(session)
                self._drew((await session.execute(NEXT_WRITE_SQL)).scalar_one())
        except (IntegrityError, DataError) as exc:
            raise GamePersistRefusedError(
                f"game {game_id}: PostgreSQL refused its history row: {exc.orig}",
            ) from exc
        except (SQLAlchemyError, OSError) as exc:
            raise store_error(
                f"game {game_id}: cannot end it in PostgreSQL ({exc}); nothing changed, call again",
                exc,
            ) from exc
        return inserted is not None

    async def player_games(self, user_id: UUID) -> list[PlayerGame]:
        """See `GameStateManager.get_player_active_games`."""
        stmt = (
            select(
                ActiveGame.id,
                ActiveGame.game_type,
                ActiveGame.player1_id,
                ActiveGame.player2_id,
                ActiveGame.npc_id,
                ActiveGame.turn_number,
                ActiveGame.version,
                ActiveGame.last_action_at,
                ActiveGame.turn_deadline,
            )
            .where(or_(ActiveGame.player1_id == user_id, ActiveGame.player2_id == user_id))
            .where(~exists().where(GameHistory.id == ActiveGame.id))
            .order_by(ActiveGame.last_action_at.desc(), ActiveGame.id)
        )
        try:
            async with self._sessionmaker() as session:
                rows = (await session.execute(stmt)).all()
        except (SQLAlchemyError, OSError) as exc:
            raise store_error(
                f"user {user_id}: cannot list active games ({exc})",
                exc,
            ) from exc
        return [
            PlayerGame(
                game_id=row.id,
                game_type=row.game_type,
                player1_id=row.player1_id,
                player2_id=row.player2_id,
                npc_id=row.npc_id,
                turn_number=row.turn_number,
                version=row.version,
                last_action_at=row.last_action_at,
                turn_deadline=row.turn_deadline,
            )
            for row in rows
        ]
