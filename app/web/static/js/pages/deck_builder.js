// Edit one deck: search cards, add and remove copies; every change is saved (with the
// deck's version in If-Match) and the server's validation is shown at once.
import { api, query } from "../api.js";
import { cardFace, cardOf, loadCatalog, nameOf } from "../cards.js";
import { announce, clear, h } from "../dom.js";
import { explain, filterForm } from "../filters.js";

const SAVE_AFTER_MS = 300;

export async function render(main, { params: [deckId] }) {
  await loadCatalog();
  const presets = (await api("/rules/presets", { auth: false })).items;
  let deck = await api(`/me/decks/${deckId}`);
  let timer = null;
  let saving = Promise.resolve();

  const energyInMain = () => presets.find((p) => p.name === deck.rules_preset)?.rules.energy.source === "main_deck";
  const zoneFor = (card) => (card.card_type === "energy" && !energyInMain() ? "energy_cards" : "cards");

  const results = h("ul", { class: "grid small", "aria-label": "Search results" });
  const resultInfo = h("p", { class: "sub", "aria-live": "polite" });
  const mainList = h("ul", { class: "deck-list", "aria-label": "Main deck" });
  const energyList = h("ul", { class: "deck-list", "aria-label": "Energy deck" });
  const mainCount = h("span");
  const energyCount = h("span");
  const verdict = h("div", { class: "verdict", id: "validation", role: "status", "aria-live": "polite" });
  const saveState = h("span", { class: "sub", id: "save-state" });
  const codeOut = h("output", { class: "code" });
  const name = h("input", { id: "deck-name", value: deck.name, maxlength: 100 });
  const preset = h("select", { id: "deck-preset" }, presets.map((p) => h("option", { value: p.name, selected: p.name === deck.rules_preset }, p.name)));
  const mode = h("select", { id: "deck-mode" }, ["freeplay", "campaign"].map((m) => h("option", { value: m, selected: m === deck.mode }, m)));

  function change(zone, cardId, delta) {
    const counts = { ...deck[zone] };
    counts[cardId] = (counts[cardId] || 0) + delta;
    if (counts[cardId] <= 0) delete counts[cardId];
    deck = { ...deck, [zone]: counts };
    showDeck();
    schedule();
  }

  function schedule() {
    saveState.textContent = "Saving…";
    clearTimeout(timer);
    timer = setTimeout(flush, SAVE_AFTER_MS);
  }

  function flush() {
    timer = null;
    saving = saving.then(save);
  }

  async function save() {
    try {
      deck = await api(`/me/decks/${deck.id}`, {
        method: "PUT",
        headers: { "If-Match": `"${deck.version}"` },
        body: { name: name.value.trim() || "Deck", cards: deck.cards, energy_cards: deck.energy_cards, rules_preset: preset.value, mode: mode.value },
      });
      saveState.textContent = "Saved";
      showDeck();
    } catch (error) {
      saveState.textContent = `Not saved: ${explain(error)}`;
      if (error.status === 412) deck = await api(`/me/decks/${deck.id}`);
      showDeck();
    }
  }

  function zoneRows(zone, list) {
    clear(list);
    const entries = Object.entries(deck[zone]).sort(([a], [b]) => a.localeCompare(b));
    for (const [cardId, count] of entries) {
      const missing = deck.missing_cards[cardId];
      list.append(
        h(
          "li",
          { dataset: { cardId } },
          h("span", { class: "count" }, `${count}×`),
          h("span", { class: "name" }, nameOf(cardId)),
          missing ? h("span", { class: "bad" }, ` (${missing} not owned)`) : null,
          h("button", { type: "button", class: "small", "aria-label": `Remove one ${nameOf(cardId)}`, onclick: () => change(zone, cardId, -1) }, "−"),
          h("button", { type: "button", class: "small", "aria-label": `Add one ${nameOf(cardId)}`, onclick: () => change(zone, cardId, 1) }, "+"),
        ),
      );
    }
    if (!entries.length) list.append(h("li", { class: "sub" }, "Empty"));
    return entries.reduce((sum, [, n]) => sum + n, 0);
  }

  function showDeck() {
    mainCount.textContent = ` (${zoneRows("cards", mainList)})`;
    energyCount.textContent = ` (${zoneRows("energy_cards", energyList)})`;
    clear(verdict);
    if (deck.is_valid) verdict.append(h("p", { class: "ok" }, `Valid under ${deck.rules_preset} rules: ready to play.`));
    else
      verdict.append(
        h("p", { class: "bad" }, "Not playable yet:"),
        h("ul", { class: "problems" }, deck.validation_errors.map((problem) => h("li", {}, problem))),
      );
  }

  const { form, values } = await filterForm(() => search());
  async function search() {
    const owned = mode.value === "campaign";
    try {
      const page = await api((owned ? "/me/collection" : "/cards") + query({ ...values(), limit: 60 }));
      clear(results);
      for (const item of page.items) {
        const card = item.card || cardOf(item.id) || item;
        results.append(
          h(
            "li",
            {},
            cardFace(card, {
              compact: true,
              extra: h("button", { type: "button", class: "add", "aria-label": `Add ${card.name}`, dataset: { add: card.id }, onclick: () => change(zoneFor(card), card.id, 1) }, "Add"),
            }),
          ),
        );
      }
      resultInfo.textContent = `${page.total} card(s)${page.has_more ? ", first 60 shown" : ""}`;
    } catch (error) {
      resultInfo.textContent = explain(error);
    }
  }

  for (const field of [name, preset, mode]) field.addEventListener("change", schedule);
  mode.addEventListener("change", search);

  main.append(
    h(
      "section",
      { class: "panel builder", "aria-labelledby": "builder-title" },
      h("h2", { id: "builder-title" }, "Deck builder"),
      h(
        "div",
        { class: "row" },
        h("label", { for: "deck-name" }, "Name"), name,
        h("label", { for: "deck-preset" }, "Rules"), preset,
        h("label", { for: "deck-mode" }, "Mode"), mode,
        saveState,
      ),
      h(
        "div",
        { class: "split" },
        h("div", { class: "search" }, h("h3", {}, "Cards"), form, resultInfo, results),
        h(
          "div",
          { class: "contents" },
          verdict,
          h("h3", {}, "Main deck", mainCount),
          mainList,
          h("h3", {}, "Energy deck", energyCount),
          energyList,
          h(
            "div",
            { class: "row" },
            h(
              "button",
              {
                type: "button",
                onclick: async () => {
                  if (timer !== null) {
                    clearTimeout(timer);
                    flush();
                  }
                  await saving;
                  const out = await api(`/me/decks/${deck.id}/code`);
                  codeOut.textContent = out.code;
                  navigator.clipboard?.writeText(out.code).catch(() => {});
                  announce("Deck code copied");
                },
              },
              "Export code",
            ),
            h("a", { class: "button", href: "#/decks" }, "Back to decks"),
          ),
          codeOut,
        ),
      ),
    ),
  );
  showDeck();
  await search();
  // Leaving the page saves a change still waiting for its timer.
  return () => {
    if (timer === null) return;
    clearTimeout(timer);
    flush();
  };
}
