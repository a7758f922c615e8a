"""``mantimon games``: look at games in progress, and recover or flush them by hand."""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table
from sqlalchemy import func, select

from app.cli._support import announce, command, fail, out, print_table, progress_bar, run, settings
from app.core.game_state import GameState
from app.db.models import ActiveGame
from app.runtime import open_database, open_stores
from app.store.manager import (
    FlushSummary,
    GameFailure,
    GameStateManager,
    RecoverySummary,
    parse_uuid,
)

app = typer.Typer(
    help="List, inspect, recover and flush games in progress.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


async def _list(limit: int) -> tuple[int, list[ActiveGame]]:
    async with open_database(settings()) as stores:  # PostgreSQL's rows only: no Redis
        announce(stores.infrastructure)
        async with stores.sessionmaker() as session:
            total = (await session.execute(select(func.count()).select_from(ActiveGame))).scalar()
            rows = await session.execute(
                select(ActiveGame).order_by(ActiveGame.last_action_at.desc()).limit(limit),
            )
            return total or 0, list(rows.scalars())


async def _show(game_id: str) -> GameState | None:
    async with open_stores(settings()) as stores:
        announce(stores.infrastructure)
        manager = GameStateManager.from_settings(settings(), stores.redis, stores.sessionmaker)
        return await manager.load_state(parse_uuid(game_id))


async def _recover(batch_size: int) -> RecoverySummary:
    async with open_stores(settings()) as stores:
        announce(stores.infrastructure)
        manager = GameStateManager.from_settings(settings(), stores.redis, stores.sessionmaker)
        async with stores.sessionmaker() as session:
            total = (await session.execute(select(func.count()).select_from(ActiveGame))).scalar()
        with progress_bar("recovering games", total) as advance:
            return await manager.recover_active_games(batch_size=batch_size, progress=advance)


async def _flush() -> FlushSummary:
    async with open_stores(settings()) as stores:
        announce(stores.infrastructure)
        manager = GameStateManager.from_settings(settings(), stores.redis, stores.sessionmaker)
        dirty = await manager.dirty_stats()
        with progress_bar("flushing games", dirty.count) as advance:
            return await manager.flush_dirty(progress=advance)


def _player(row: ActiveGame, which: int) -> str:
    user_id = row.player1_id if which == 1 else row.player2_id
    if user_id is not None:
        return str(user_id)[:8]
    return f"npc:{row.npc_id}" if which == 2 and row.npc_id else "-"


def _report(counts: str, failed: list[GameFailure]) -> None:
    """Print a batch summary and each failure; exit 1 when any game failed."""
    out.print(f"{counts}, failed {len(failed)}")
    for failure in failed:
        out.print(f"  failed {failure.game_id}: {failure.reason}")
    if failed:
        raise typer.Exit(1)


@app.command("list")
@command
def list_games(limit: int = typer.Option(50, "--limit", min=1, max=10_000)) -> None:
    """List games in progress, most recently played first (as persisted in PostgreSQL)."""
    total, rows = run(_list(limit))
    table = Table("game id", "type", "player 1", "player 2", "turn", "version", "last action")
    for row in rows:
        table.add_row(
            str(row.id),
            row.game_type,
            _player(row, 1),
            _player(row, 2),
            str(row.turn_number),
            str(row.version),
            row.last_action_at.isoformat(timespec="seconds"),
        )
    print_table(table)
    out.print(f"{total} active game(s); showing {len(rows)}")


@app.command()
@command
def show(
    game_id: str = typer.Argument(..., help="The game's UUID."),
    as_json: bool = typer.Option(False, "--json", help="Print the whole state as JSON."),
) -> None:
    """Show a game's latest state (Redis first, then PostgreSQL)."""
    state = run(_show(game_id))
    if state is None:
        fail(f"no active game {game_id} in Redis or PostgreSQL")
    if as_json:
        out.print_json(state.model_dump_json())
        return
    summary: dict[str, Any] = {
        "game": str(state.game_id),
        "type": state.game_type.value,
        "version": state.version,
        "turn": state.turn_number,
        "current player": state.current_player,
        "phase": state.phase.value,
        "winner": state.winner,
        "actions logged": len(state.action_log),
    }
    for index, player in enumerate(state.players, start=1):
        who = player.user_id or f"npc:{player.npc_id}"
        summary[f"player {index}"] = (
            f"{who}  deck {len(player.deck)}, hand {len(player.hand)}, "
            f"bench {len(player.bench)}, points {player.points}"
        )
    for key, value in summary.items():
        out.print(f"{key:>15}: {value}")


@app.command()
@command
def recover(batch_size: int = typer.Option(500, "--batch-size", min=1)) -> None:
    """Copy every active game from PostgreSQL into Redis (what start-up does)."""
    summary = run(_recover(batch_size))
    _report(
        f"recovered {summary.recovered}, kept newer in Redis {summary.skipped_newer}, "
        f"already current {summary.unchanged}",
        summary.failed,
    )


@app.command()
@command
def flush() -> None:
    """Persist every game whose latest state is only in Redis (what shutdown does)."""
    summary = run(_flush())
    _report(
        f"persisted {summary.persisted}, already current {summary.already_current}, "
        f"ended {summary.ended}, refreshed from PostgreSQL {summary.refreshed}, "
        f"diverged {summary.diverged}",
        summary.failed,
    )
