// Join a friend's game from an invite link (/play?invite=<code>): pick a deck, join, play.
import { api } from "../api.js";
import { go } from "../app.js";
import { h } from "../dom.js";

export async function render(main, { params: [code] }) {
  const decks = (await api("/me/decks")).items.filter((deck) => deck.is_valid);
  const error = h("p", { class: "error", role: "alert" });
  const select = h("select", { id: "join-deck" }, decks.map((deck) => h("option", { value: deck.id }, `${deck.name} (${deck.rules_preset})`)));
  main.append(
    h(
      "section",
      { class: "panel narrow", "aria-labelledby": "join-title" },
      h("h2", { id: "join-title" }, "Join a friend's game"),
      h("p", {}, "You were invited to a game. Choose your deck."),
      h(
        "form",
        {
          onsubmit: async (event) => {
            event.preventDefault();
            error.textContent = "";
            try {
              const game = await api("/games/join", { method: "POST", body: { code, deck_id: select.value } });
              sessionStorage.removeItem("mantimon.invite");
              go(`/game/${game.game_id}`);
            } catch (failure) {
              error.textContent = failure.message;
            }
          },
        },
        h("label", { for: "join-deck" }, "Deck", select),
        h("button", { type: "submit", class: "primary", id: "join" }, "Join the game"),
        h("button", { type: "button", onclick: () => (sessionStorage.removeItem("mantimon.invite"), go("/play")) }, "Not now"),
      ),
      error,
    ),
  );
}
