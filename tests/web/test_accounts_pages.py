"""Sign-in, the starter choice, the collection and the deck builder, in a real browser."""

from __future__ import annotations

from playwright.async_api import expect

from tests.web.conftest import NewPage, shot
from tests.web.flows import sign_in_as_guest


async def test_a_guest_signs_in_and_chooses_a_starter(new_page: NewPage) -> None:
    page = await new_page()
    await page.goto("/play")
    await expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    await shot(page, "01-sign-in")
    await page.get_by_role("button", name="Play as a guest").click()
    await expect(page.get_by_role("heading", name="Choose your starter deck")).to_be_visible()
    await expect(page.locator("button[data-starter]")).to_have_count(5)
    await shot(page, "02-starter")
    await page.locator("button[data-starter='water']").click()
    await expect(page.get_by_role("heading", name="Play", exact=True)).to_be_visible()
    # The starter is a valid deck, offered for every kind of game.
    await expect(page.locator("#bot-deck option")).to_have_count(1)
    await page.reload()
    await expect(page.get_by_role("heading", name="Play", exact=True)).to_be_visible()
    await expect(page.locator("#who")).not_to_be_empty()


async def test_the_collection_filters_owned_cards(new_page: NewPage) -> None:
    page = await new_page()
    await sign_in_as_guest(page, "grass")
    await page.get_by_role("link", name="Collection").click()
    info = page.locator("section p.sub[aria-live]")
    await expect(info).to_contain_text("of")
    everything = int((await info.inner_text()).split(" of ")[1].split()[0])
    await page.locator("#f-card_type").select_option("trainer")
    await expect(info).not_to_contain_text(f"of {everything} cards")
    cards = page.locator("ul.grid > li")
    await expect(cards.first).to_contain_text("Trainer")
    await page.locator("#f-hp_min").fill("100")
    await page.locator("#f-hp_max").fill("50")
    await expect(info).to_contain_text("hp_min")
    await shot(page, "03-collection-invalid-filter")


async def test_a_deck_builder_explains_an_invalid_deck_and_round_trips_a_code(
    new_page: NewPage,
) -> None:
    page = await new_page()
    await sign_in_as_guest(page, "fire")
    await page.get_by_role("link", name="Decks").click()
    await page.locator("#new-name").fill("Tiny")
    await page.get_by_role("button", name="New deck").click()
    await expect(page.get_by_role("heading", name="Deck builder")).to_be_visible()
    verdict = page.locator("#validation")
    await expect(verdict).to_contain_text("Not playable yet")
    await page.locator("#f-card_type").select_option("energy")
    await page.locator("#f-element").select_option("fire")
    await expect(page.locator("[data-add]")).to_have_count(1)
    await page.locator("[data-add]").first.click()
    await page.locator("[data-add]").first.click()
    await expect(page.locator("#save-state")).to_have_text("Saved")
    await expect(verdict.locator(".problems")).to_contain_text("energy deck has 2 cards")
    await shot(page, "04-deck-builder-invalid")
    await page.get_by_role("button", name="Export code").click()
    code = page.locator("output.code")
    await expect(code).not_to_be_empty()
    text = await code.inner_text()
    await page.get_by_role("link", name="Back to decks").click()
    await page.locator("#new-name").fill("Imported")
    await page.locator("#import-code").fill(text)
    await page.get_by_role("button", name="Import").click()
    await expect(page.get_by_role("heading", name="Deck builder")).to_be_visible()
    await expect(page.locator("#deck-name")).to_have_value("Imported")
    energy = page.locator("ul[aria-label='Energy deck'] li")
    await expect(energy.locator(".name")).to_have_text("Fire Energy")
    await expect(energy.locator(".count")).to_have_text("2\u00d7")
    await page.get_by_role("link", name="Back to decks").click()
    await page.locator("#import-code").fill("not a code")
    await page.get_by_role("button", name="Import").click()
    await expect(page.locator("p.error")).not_to_be_empty()
