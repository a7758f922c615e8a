"""Whole games in a real browser: against the heuristic bot, across a reload, between friends."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from playwright.async_api import expect

from tests.web.conftest import NewPage, shot
from tests.web.flows import (
    GAME_OVER,
    MOVE,
    is_over,
    my_move,
    play_moves,
    sign_in_as_guest,
    start_a_lasting_bot_game,
    start_bot_game,
    stray_words,
    unnamed_controls,
)

pytestmark = pytest.mark.timeout(900)


async def test_a_whole_game_against_the_heuristic_bot_by_clicking(new_page: NewPage) -> None:
    page = await new_page()
    await sign_in_as_guest(page, "fire")
    await start_bot_game(page, "normal")
    await expect(page.locator("button.move").first).to_be_visible(timeout=30_000)
    await shot(page, "10-bot-game-setup")
    await play_moves([page], moves=15)
    if not await is_over(page):
        await shot(page, "11-bot-game-mid")
    await play_moves([page])
    await expect(page.locator(GAME_OVER)).to_contain_text(re.compile("You won|You lost|A draw"))
    await expect(page.locator(".log li").first).to_be_visible()
    await shot(page, "12-bot-game-over")
    assert await stray_words(page) == []
    await page.reload()
    await expect(page.locator(GAME_OVER)).to_contain_text(re.compile("You won|You lost|A draw"))
    # Nothing is offered once the game is over: the only buttons are the end screen's.
    await expect(page.locator("button.move")).to_have_count(0)
    await page.get_by_role("link", name="Replay step by step").click()
    step = page.locator("#replay-step")
    await expect(step).to_contain_text(re.compile(r"^Step 1 of \d+"))
    await page.keyboard.press("ArrowRight")
    await expect(step).to_contain_text(re.compile(r"^Step 2 of \d+"))
    await expect(page.locator(".current-step li").first).to_be_visible()
    await page.get_by_role("button", name="Last").click()
    await expect(page.get_by_role("heading", name="The final board")).to_be_visible()
    await shot(page, "14-replay-last-step")


async def test_a_reload_mid_game_resumes_from_the_last_version(new_page: NewPage) -> None:
    page = await new_page()
    await sign_in_as_guest(page, "water")
    game_id = await start_a_lasting_bot_game(page, "easy", moves=6)
    key = f"mantimon.v.{game_id}.player"
    before = int(await page.evaluate(f"sessionStorage.getItem('{key}')"))
    lines = await page.locator(".log li").count()
    assert before > 0
    assert lines > 0
    await page.reload()
    await expect(page.locator(".game .board")).to_be_visible()
    # The game waited for this seat's move: connected again, and it is still this seat's move.
    await expect(page.locator(".conn")).to_have_text("Connected")
    assert await my_move(page)
    # The log survived the reload and the page picked up where it was.
    assert await page.locator(".log li").count() >= lines
    await shot(page, "13-after-reload")
    await play_moves([page], moves=10)
    after = int(await page.evaluate(f"sessionStorage.getItem('{key}')"))
    assert after > before or await is_over(page)


async def test_a_dropped_connection_reconnects_and_play_goes_on(new_page: NewPage) -> None:
    page = await new_page()
    sockets: list[Any] = []

    async def through(socket: Any) -> None:
        socket.connect_to_server()
        sockets.append(socket)

    await page.route_web_socket(re.compile(r"/ws/play$"), through)
    await sign_in_as_guest(page, "grass")
    game_id = await start_a_lasting_bot_game(page, "easy", moves=6)
    await expect(page.locator(".conn")).to_have_text("Connected")
    key = f"mantimon.v.{game_id}.player"
    before = int(await page.evaluate(f"sessionStorage.getItem('{key}')"))
    await sockets[-1].close(code=1011, reason="dropped by the test")
    for _ in range(200):
        if len(sockets) == 2:
            break
        await asyncio.sleep(0.1)
    assert len(sockets) == 2, "the page did not open a second connection"
    await expect(page.locator(".conn")).to_have_text("Connected")
    # The game waited for this seat through the drop, so the page has a move to take; after
    # it, the bot may end the game (a starter can lose its only creature early: the CI run
    # on 04c3df7 saw that), else play goes on for four moves. Either way the page must have
    # moved past the version it had before the drop.
    assert await my_move(page)
    taken = await play_moves([page], moves=4, deadline_s=120)
    assert taken >= 1
    assert taken == 4 or await is_over(page)
    after = int(await page.evaluate(f"sessionStorage.getItem('{key}')"))
    assert after > before


async def test_a_spectator_watches_without_moves_and_a_player_moves_by_keyboard(
    new_page: NewPage,
) -> None:
    player = await new_page()
    await sign_in_as_guest(player, "fire")
    game_id = await start_bot_game(player, "easy")
    watcher = await new_page(width=390, height=844)
    await sign_in_as_guest(watcher, "water")
    await watcher.goto(f"/play#/watch/{game_id}")
    await expect(watcher.locator(".game .board")).to_be_visible()
    await expect(watcher.get_by_text("You are watching.")).to_be_visible()
    lines = watcher.locator(".log li")
    seen = await lines.count()
    for _ in range(3):
        move = player.locator(MOVE).first
        await move.focus()
        await player.keyboard.press("Enter")
        await expect(player.locator(MOVE).first).to_be_visible()
    await expect(lines).not_to_have_count(seen)
    await expect(watcher.locator("button.move")).to_have_count(0)
    await shot(watcher, "15-spectator-phone")
    for page in (player, watcher):
        assert await unnamed_controls(page) == []
        assert await stray_words(page) == []


async def test_two_friends_play_by_invite_link_and_ask_for_a_rematch(new_page: NewPage) -> None:
    host = await new_page()
    guest = await new_page(width=390, height=844)  # a phone
    await sign_in_as_guest(host, "lightning")
    await host.get_by_role("button", name="Make an invite link").click()
    invite = await host.locator("#invite-url").input_value()
    assert "/play?invite=" in invite
    await shot(host, "20-invite-link")
    await sign_in_as_guest(guest, "psychic", path=invite)
    await expect(guest.get_by_role("heading", name="Join a friend's game")).to_be_visible()
    await guest.get_by_role("button", name="Join the game").click()
    for page in (host, guest):
        await expect(page.locator(".game .board")).to_be_visible(timeout=30_000)
    await play_moves([host, guest], moves=8)
    game = guest.url
    await guest.get_by_role("link", name="Play", exact=True).click()
    away = host.locator("#opponent-presence")
    await expect(away).to_contain_text(re.compile(r"is disconnected(: \d+:\d\d to come back)?"))
    await shot(host, "24-friend-disconnected")
    await guest.goto(game)
    await expect(away).to_be_empty()
    await play_moves([host, guest], moves=20)
    await shot(host, "21-friends-host")
    await shot(guest, "22-friends-guest-phone")
    await play_moves([host, guest])
    await shot(host, "23-friends-over")
    old = host.url
    for page in (host, guest):
        await page.get_by_role("button", name="Rematch").click()
    for page in (host, guest):
        await expect(page).not_to_have_url(old, timeout=30_000)
        await expect(page.locator(".game .board")).to_be_visible(timeout=30_000)
    # The board can show before the first request's moves do, and a click can land as a
    # request replaces its buttons: the rematch is playable once either page takes a move.
    assert await play_moves([host, guest], moves=1, deadline_s=30) == 1


async def test_two_players_meet_in_the_quick_match_queue(new_page: NewPage) -> None:
    first = await new_page()
    second = await new_page()
    await sign_in_as_guest(first, "grass")
    await sign_in_as_guest(second, "fire")
    await first.get_by_role("button", name="Find an opponent").click()
    await expect(first.get_by_text("Looking for an opponent")).to_be_visible()
    await first.get_by_role("button", name="Leave the queue").click()
    await expect(first.get_by_text("You left the queue.")).to_be_visible()
    for page in (first, second):
        await page.get_by_role("button", name="Find an opponent").click()
    for page in (first, second):
        await expect(page.locator(".game .board")).to_be_visible(timeout=60_000)
    ids = {await page.locator(".game").get_attribute("data-game-id") for page in (first, second)}
    assert len(ids) == 1, "both players are in the same game"
    assert await play_moves([first, second], moves=6) == 6
