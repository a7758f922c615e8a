"""The ``mantimon`` command: run the service and administer its data.

Every command reads the same settings as the service. In dev with
``DATABASE_URL`` / ``REDIS_URL`` unset, commands that need a store use the
embedded servers of ``DATA_DIR`` (those of a running ``serve``, or started for
the command and stopped after it) and say where they are.
"""

from __future__ import annotations

import typer

from app.cli import cards, db, games, play, sim, users
from app.cli._support import PlainErrorsGroup, command, configure_logging, settings

cli = typer.Typer(
    name="mantimon",
    help="Mantimon TCG backend: serve the API and manage its database, cards and games.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
    cls=PlainErrorsGroup,
)
cli.add_typer(db.app, name="db")
cli.add_typer(cards.app, name="cards")
cli.add_typer(games.app, name="games")
cli.add_typer(users.app, name="users")
cli.command("sim")(sim.sim)
cli.command("play")(play.play)


@cli.command()
@command
def serve(
    host: str = typer.Option("127.0.0.1", "--host", envvar="MANTIMON_HOST", help="Bind address."),
    port: int = typer.Option(8000, "--port", envvar="MANTIMON_PORT", min=0, max=65535),
) -> None:
    """Start the HTTP service (uvicorn); Ctrl-C or SIGTERM flushes games and stops cleanly."""
    import uvicorn

    from app.main import create_app

    config = settings()
    configure_logging(config.log_level)
    app = create_app(config)
    app.state.settle_gc = True  # this process is the service: see `app.main.lifespan`
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_config=None,
        timeout_graceful_shutdown=30,
    )


def main() -> None:
    """Entry point of the ``mantimon`` console script."""
    cli()
