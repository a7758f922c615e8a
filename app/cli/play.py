"""``mantimon play``: a terminal client for a running service (two terminals make a game)."""

from __future__ import annotations

import asyncio

import typer

from app.cli._support import command


@command
def play(
    server: str = typer.Option("http://127.0.0.1:8000", "--server", help="The service's address."),
    bot: str = typer.Option(
        None, "--bot", help="Play a bot of this level (easy, normal, hard, master)."
    ),
    invite: bool = typer.Option(
        False, "--invite", help="Start a private game and print its invite code."
    ),
    join: str = typer.Option(None, "--join", help="Join a friend's game by its invite code."),
    game: str = typer.Option(None, "--game", help="Continue one of your games by its id."),
    name: str = typer.Option(
        None, "--name", help="Sign in as this dev account (default: a guest)."
    ),
    starter: str = typer.Option("fire", "--starter", help="The starter deck a new player chooses."),
) -> None:
    """Play a game in this terminal: the board, the offered actions numbered, type one."""
    from app.play.terminal import TerminalClient

    client = TerminalClient(server)
    deck_id = client.sign_in(name, starter)
    game_id = game or client.start(deck_id, bot, invite, join)
    typer.echo(f"game {game_id}")
    asyncio.run(client.play(game_id))
