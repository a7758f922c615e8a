"""What a person does in the client, as steps the browser tests share."""

from __future__ import annotations

from typing import Any

from playwright.async_api import expect


async def sign_in_as_guest(page: Any, starter: str = "fire") -> None:
    """Open /play, play as a guest and choose `starter`; ends on the lobby."""
    await page.goto("/play")
    await page.get_by_role("button", name="Play as a guest").click()
    await expect(page.get_by_role("heading", name="Choose your starter deck")).to_be_visible()
    await page.locator(f"button[data-starter='{starter}']").click()
    await expect(page.get_by_role("heading", name="Play", exact=True)).to_be_visible()
