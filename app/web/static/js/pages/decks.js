// My decks: create, import a deck code, export one, delete, open in the builder.
import { api } from "../api.js";
import { go } from "../app.js";
import { announce, clear, h } from "../dom.js";

export async function render(main) {
  const list = h("ul", { class: "decks", "aria-label": "My decks" });
  const error = h("p", { class: "error", role: "alert" });
  const guard = (fn) => async (event) => {
    event?.preventDefault();
    error.textContent = "";
    try {
      await fn();
    } catch (failure) {
      error.textContent = failure.problem?.code_problem ? `${failure.message} (${failure.problem.code_problem})` : failure.message;
    }
  };

  async function load() {
    const decks = await api("/me/decks");
    clear(list);
    for (const deck of decks.items) list.append(row(deck));
    if (!decks.items.length) list.append(h("li", {}, "No deck yet."));
  }

  function row(deck) {
    const code = h("output", { class: "code", "aria-live": "polite" });
    const cards = Object.values(deck.cards).reduce((a, b) => a + b, 0);
    const energy = Object.values(deck.energy_cards).reduce((a, b) => a + b, 0);
    return h(
      "li",
      { class: "deck-row", dataset: { deckId: deck.id } },
      h("div", {}, h("strong", {}, deck.name), " ", h("span", { class: deck.is_valid ? "ok" : "bad" }, deck.is_valid ? "valid" : `draft: ${deck.validation_errors.length} problem(s)`)),
      h("div", { class: "sub" }, `${deck.rules_preset} · ${deck.mode} · ${cards} cards + ${energy} energy`),
      h(
        "div",
        { class: "row" },
        h("a", { class: "button", href: `#/deck/${deck.id}` }, `Edit ${deck.name}`),
        h(
          "button",
          {
            type: "button",
            onclick: guard(async () => {
              const out = await api(`/me/decks/${deck.id}/code`);
              code.textContent = out.code;
              navigator.clipboard?.writeText(out.code).catch(() => {});
              announce("Deck code copied");
            }),
          },
          "Export code",
        ),
        h(
          "button",
          {
            type: "button",
            class: "danger",
            onclick: guard(async () => {
              if (!confirm(`Delete ${deck.name}?`)) return;
              await api(`/me/decks/${deck.id}`, { method: "DELETE", headers: { "If-Match": `"${deck.version}"` } });
              announce(`${deck.name} deleted`);
              await load();
            }),
          },
          "Delete",
        ),
      ),
      code,
    );
  }

  const name = h("input", { id: "new-name", value: "New deck", maxlength: 100, required: true });
  const codeInput = h("textarea", { id: "import-code", rows: 2, maxlength: 4096, placeholder: "Paste a deck code" });
  main.append(
    h(
      "section",
      { class: "panel", "aria-labelledby": "decks-title" },
      h("h2", { id: "decks-title" }, "Decks"),
      list,
      h(
        "form",
        {
          class: "row",
          onsubmit: guard(async () => {
            const deck = await api("/me/decks", { method: "POST", body: { name: name.value } });
            go(`/deck/${deck.id}`);
          }),
        },
        h("label", { for: "new-name" }, "Name"),
        name,
        h("button", { type: "submit", class: "primary" }, "New deck"),
      ),
      h(
        "form",
        {
          class: "row",
          onsubmit: guard(async () => {
            const deck = await api("/me/decks", { method: "POST", body: { name: name.value, code: codeInput.value.trim() } });
            announce(`Imported ${deck.name}`);
            go(`/deck/${deck.id}`);
          }),
        },
        h("label", { for: "import-code" }, "Deck code"),
        codeInput,
        h("button", { type: "submit" }, "Import"),
      ),
      error,
    ),
  );
  await load();
}
