"""The GameStateManager's operations over every game: start-up recovery and the flush.

Both walk all games in batches so memory holds one batch whatever their number,
and both report per game (a summary with the failures named) rather than stop
at the first bad one. Recovery streams ``active_games`` from a server-side
cursor straight into Redis pipelines, so it holds its own session rather than
going through `GameRows`; the flush reuses the one-game paths of
`GameCopies` and `GameRows`, so a flushed game is persisted exactly as
`persist_to_db` would.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

from pydantic import ValidationError
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.game_state import GameState
from app.observability.metrics import GameMetrics
from app.store.cache import CachedCopy, GameCache
from app.store.copies import GameCopies
from app.store.errors import (
    DivergedStateError,
    GamePersistRefusedError,
    GameStoreUnavailableError,
    logger,
    store_error,
    validation_summary,
)
from app.store.results import (
    FlushSummary,
    GameFailure,
    PersistOutcome,
    ProgressCallback,
    RecoverySummary,
)
from app.store.rows import GameRows
from app.store.statements import RECOVERY_SQL


def _game_id(member: str) -> UUID | None:
    try:
        return UUID(member)
    except ValueError:
        return None


def _batches(items: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class GameBatches:
    """Recovery into Redis and the flush of dirty games, for one manager."""

    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        cache: GameCache,
        rows: GameRows,
        copies: GameCopies,
        metrics: GameMetrics,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._cache = cache
        self._rows = rows
        self._copies = copies
        self._metrics = metrics

    async def recover(
        self, *, batch_size: int, validate: bool, progress: ProgressCallback | None
    ) -> RecoverySummary:
        """See `GameStateManager.recover_active_games`."""
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        summary = RecoverySummary()
        try:
            async with self._sessionmaker() as session:
                result = await session.stream(
                    RECOVERY_SQL.execution_options(yield_per=batch_size),
                )
                async for rows in result.partitions(batch_size):
                    await self._recover_batch(rows, summary, validate=validate)
                    if progress is not None:
                        progress(summary.total)
        except RedisError as exc:
            self._cache.health.failed("recover_active_games", exc)
            raise GameStoreUnavailableError(
                f"recovery stopped after {summary.total} games: Redis failed ({exc})",
            ) from exc
        except (SQLAlchemyError, OSError) as exc:
            raise store_error(
                f"recovery stopped after {summary.total} games: cannot read PostgreSQL ({exc})",
                exc,
            ) from exc
        logger.info(
            "recovered %d games into Redis (%d newer in Redis, %d unchanged, %d failed)",
            summary.recovered,
            summary.skipped_newer,
            summary.unchanged,
            len(summary.failed),
        )
        self._metrics.recovered(
            recovered=summary.recovered,
            skipped_newer=summary.skipped_newer,
            unchanged=summary.unchanged,
            failed=len(summary.failed),
        )
        return summary

    async def _recover_batch(
        self,
        rows: Sequence[Any],
        summary: RecoverySummary,
        *,
        validate: bool,
    ) -> None:
        pending: list[Any] = []
        for row in rows:
            reason = self._recovery_problem(row, validate=validate)
            if reason is not None:
                summary.failed.append(GameFailure(row.id, reason))
                logger.error("game %s: not recovered: %s", row.id, reason)
                continue
            pending.append(row)
        replies = await self._cache.recache([(UUID(r.id), r.version, r.state) for r in pending])
        self._cache.health.ok()
        for row, reply in zip(pending, replies, strict=True):
            if isinstance(reply, Exception):
                summary.failed.append(GameFailure(row.id, f"Redis refused it: {reply}"))
            elif reply[0] == 1:
                summary.recovered += 1
            elif reply[1] > row.version:
                summary.skipped_newer += 1
            else:
                summary.unchanged += 1

    @staticmethod
    def _recovery_problem(row: Any, *, validate: bool) -> str | None:
        if not row.consistent:
            return f"its game_state does not carry its id and version {row.version}"
        if validate:
            try:
                GameState.model_validate_json(row.state)
            except ValidationError as exc:
                return f"invalid game state: {validation_summary(exc)}"
        return None

    async def flush(self, *, batch_size: int, progress: ProgressCallback | None) -> FlushSummary:
        """See `GameStateManager.flush_dirty`."""
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        summary = FlushSummary()
        try:
            members = await self._cache.dirty_members()
            for chunk in _batches(members, batch_size):
                ids = [_game_id(member) for member in chunk]
                copies = await self._cache.copies([i for i in ids if i is not None])
                found = dict(zip([i for i in ids if i is not None], copies, strict=True))
                for member, game_id in zip(chunk, ids, strict=True):
                    copy = found.get(game_id) if game_id is not None else None
                    await self._flush_one(member, copy, summary)
                if progress is not None:
                    progress(summary.total)
        except RedisError as exc:
            self._cache.health.failed("flush_dirty", exc)
            raise GameStoreUnavailableError(f"flush stopped: Redis failed ({exc})") from exc
        self._cache.health.ok()
        return summary

    async def _flush_one(self, member: str, copy: CachedCopy | None, summary: FlushSummary) -> None:
        if copy is None or (copy.state is None and copy.problem is None):
            await self._cache.unmark_dirty(member)
            summary.failed.append(GameFailure(member, "no cached state left to persist"))
            logger.error("game %s: marked dirty but its cached state is gone", member)
            return
        if copy.state is None:
            reason = f"cached state is unusable: {copy.problem}"
            summary.failed.append(GameFailure(member, reason))
            logger.error("game %s: not flushed: %s", member, reason)
            return
        state = copy.state
        try:
            outcome, stored_version = await self._rows.upsert(state, state.model_dump_json())
        except GamePersistRefusedError as exc:
            summary.failed.append(GameFailure(member, str(exc)))
            logger.error("game %s: not flushed: %s", member, exc)
            return
        except DivergedStateError as exc:
            self._metrics.refused(exc.refusal_reason)
            await self._copies.refresh_after_flush(state)
            summary.diverged += 1
            return
        if stored_version is not None and stored_version > state.version:
            await self._copies.refresh_after_flush(state)
            summary.refreshed += 1
            return
        await self._copies.after_persist(state.game_id, state.version, outcome)
        if outcome is PersistOutcome.WRITTEN:
            summary.persisted += 1
        elif outcome is PersistOutcome.ALREADY_CURRENT:
            summary.already_current += 1
        else:
            summary.ended += 1
