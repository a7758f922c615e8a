"""What a person does in the client, as steps the browser tests share."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Sequence
from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import expect

MOVE = "button.move:not([disabled])"
GAME_OVER = ".gameover"

# Which offered move a test player takes first: enough to finish a game, never a move
# the page did not offer (the page only draws buttons for the request's actions).
PREFERENCE = """
(buttons) => {
  const order = ["choose", "place_active", "attack", "evolve", "attach_energy",
                 "play_creature", "place_bench", "finish_setup", "end_turn"];
  const offered = buttons.map((b) => ({ kind: b.dataset.kind, index: b.dataset.index }));
  for (const kind of order) {
    const found = offered.find((b) => b.kind === kind);
    if (found) return found;
  }
  return offered[0] || null;
}
"""


async def sign_in_as_guest(page: Any, starter: str = "fire", path: str = "/play") -> None:
    """Open `path`, play as a guest and choose `starter`; ends past the starter page."""
    await page.goto(path)
    await page.get_by_role("button", name="Play as a guest").click()
    await expect(page.get_by_role("heading", name="Choose your starter deck")).to_be_visible()
    await page.locator(f"button[data-starter='{starter}']").click()
    await expect(page.get_by_role("heading", name="Choose your starter deck")).to_have_count(0)


async def start_bot_game(page: Any, level: str = "normal") -> str:
    """From the lobby, start a game against the bot of `level`; returns the game id."""
    await page.locator("#bot-level").select_option(level)
    await page.get_by_role("button", name="Play the bot").click()
    await expect(page.locator(".game .board")).to_be_visible(timeout=30_000)
    return str(await page.locator(".game").get_attribute("data-game-id"))


async def my_move(page: Any) -> bool:
    """Wait until the page offers a move (True) or shows the game over (False).

    While a page offers a move the server waits for that seat: in an untimed game nothing
    changes until it moves, so whatever the test does next starts from a settled game.
    """
    await expect(page.locator(f"{MOVE}, {GAME_OVER}").first).to_be_visible(timeout=30_000)
    return not await is_over(page)


async def start_a_lasting_bot_game(page: Any, level: str, *, moves: int, tries: int = 3) -> str:
    """Start a game against the bot and take `moves` moves in it, and end at the page's move.

    A starter can lose its only creature in its first turns; a test about a game in
    progress then starts another (up to `tries` games). Returns the game id.
    """
    for _ in range(tries):
        game_id = await start_bot_game(page, level)
        await play_moves([page], moves=moves)
        if await my_move(page):
            return game_id
        await page.get_by_role("link", name="Back to the lobby").click()
    raise AssertionError(f"{tries} games against the {level} bot ended within {moves} moves")


async def take_a_move(page: Any) -> str | None:
    """Click one offered move if the page offers any now; the kind clicked, or None."""
    buttons = page.locator(MOVE)
    if not await buttons.count():
        return None
    choice = await buttons.evaluate_all(PREFERENCE)
    if choice is None:
        return None
    button = page.locator(f"{MOVE}[data-index='{choice['index']}']")
    try:
        await button.click(timeout=2_000)
    except PlaywrightError:  # the request moved on under the click; look again
        return None
    return str(choice["kind"])


async def is_over(page: Any) -> bool:
    """Whether the page shows the game-over panel."""
    return bool(await page.locator(GAME_OVER).count())


async def play_moves(pages: Sequence[Any], *, moves: int = 10_000, deadline_s: float = 500) -> int:
    """Take moves on whichever page has one until the game ends or `moves` were taken."""
    taken = 0
    ends = time.monotonic() + deadline_s
    while taken < moves:
        if all([await is_over(page) for page in pages]):
            return taken
        assert time.monotonic() < ends, f"the game did not end in {deadline_s} s ({taken} moves)"
        moved = False
        for page in pages:
            if taken < moves and await take_a_move(page):
                taken += 1
                moved = True
        if not moved:
            await asyncio.sleep(0.05)
    return taken


UNNAMED = """
() => [...document.querySelectorAll("button, a[href], input, select, textarea")]
  .filter((el) => el.offsetParent !== null)
  .filter((el) => {
    const labelled = el.id && document.querySelector(`label[for="${el.id}"]`);
    const wrapped = el.closest("label");
    const name = el.getAttribute("aria-label") || el.textContent.trim() || el.value;
    return !(name || labelled || wrapped);
  })
  .map((el) => el.outerHTML.slice(0, 120))
"""


async def unnamed_controls(page: Any) -> list[str]:
    """Visible controls a screen reader would announce without a name (should be none)."""
    return list(await page.evaluate(UNNAMED))


async def stray_words(page: Any) -> list[str]:
    """JavaScript's words for nothing (null, undefined, NaN...) shown as text on the page."""
    text = await page.locator("body").inner_text()
    return re.findall(r"\b(?:null|undefined|NaN)\b|\[object Object\]", text)
