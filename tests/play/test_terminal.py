"""The terminal client plays a whole game against a bot, typing the first offered action."""

from __future__ import annotations

from tests.play.harness import Service


async def test_the_terminal_client_plays_a_bot_to_the_end(service: Service) -> None:
    from app.play.terminal import TerminalClient

    lines: list[str] = []
    client = TerminalClient(service.base, out=lines.append)
    deck_id = client.sign_in(None, "grass")
    game_id = client.start(deck_id, "easy", invite=False, join=None)
    await client.play(game_id, read=lambda: "0")
    text = "\n".join(lines)
    assert "game over: winner" in text
    assert "front:" in text
    assert " 0. " in text
    assert "! " not in text  # no error frame: every typed action was one offered
