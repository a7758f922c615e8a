// Start or continue a game: a bot, a friend by invite link, the quick-match queue;
// my waiting and active games; watching a game by its id.
import { api } from "../api.js";
import { go } from "../app.js";
import { announce, clear, h, label } from "../dom.js";

const POLL_MS = 1000;

function deckPicker(decks, id) {
  const valid = decks.filter((deck) => deck.is_valid);
  return h(
    "label",
    { for: id },
    "Deck",
    h(
      "select",
      { id, required: true },
      valid.map((deck) => h("option", { value: deck.id, dataset: { preset: deck.rules_preset } }, `${deck.name} (${deck.rules_preset})`)),
    ),
  );
}

function presetOf(select, decks) {
  return decks.find((deck) => deck.id === select.value)?.rules_preset || "mantimon";
}

export async function render(main) {
  const decks = (await api("/me/decks")).items;
  const error = h("p", { class: "error", role: "alert" });
  const waiting = h("div", { class: "waiting", "aria-live": "polite" });
  let timer = null;
  const stopPolling = () => clearTimeout(timer);
  const poll = (fn) => {
    stopPolling();
    const step = async () => {
      try {
        if (await fn()) return;
      } catch (failure) {
        error.textContent = failure.message;
        return;
      }
      timer = setTimeout(step, POLL_MS);
    };
    step();
  };
  const guard = (fn) => async (event) => {
    event.preventDefault();
    error.textContent = "";
    try {
      await fn(event);
    } catch (failure) {
      error.textContent = failure.message;
    }
  };

  if (!decks.some((deck) => deck.is_valid)) {
    main.append(h("section", { class: "panel" }, h("h2", {}, "Play"), h("p", {}, "You need a valid deck first. ", h("a", { href: "#/decks" }, "Build one"))));
    return stopPolling;
  }

  // --- a bot
  const botDeck = deckPicker(decks, "bot-deck");
  const level = h("select", { id: "bot-level" }, ["easy", "normal", "hard", "master"].map((l) => h("option", { value: l, selected: l === "normal" }, label(l))));
  const botTimed = h("input", { type: "checkbox", id: "bot-timed" });
  const botForm = h(
    "form",
    {
      class: "card-form",
      "aria-labelledby": "bot-title",
      onsubmit: guard(async () => {
        const select = botDeck.querySelector("select");
        const game = await api("/games", { method: "POST", body: { opponent: "bot", preset: presetOf(select, decks), deck_id: select.value, bot_level: level.value, timed: botTimed.checked } });
        go(`/game/${game.game_id}`);
      }),
    },
    h("h3", { id: "bot-title" }, "Play a bot"),
    botDeck,
    h("label", { for: "bot-level" }, "Level", level),
    h("label", { for: "bot-timed", class: "inline" }, botTimed, " Timed"),
    h("button", { type: "submit", class: "primary", id: "play-bot" }, "Play the bot"),
  );

  // --- a friend
  const friendDeck = deckPicker(decks, "friend-deck");
  const friendForm = h(
    "form",
    {
      class: "card-form",
      "aria-labelledby": "friend-title",
      onsubmit: guard(async () => {
        const select = friendDeck.querySelector("select");
        const game = await api("/games", { method: "POST", body: { opponent: "friend", preset: presetOf(select, decks), deck_id: select.value } });
        showInvite(game);
      }),
    },
    h("h3", { id: "friend-title" }, "Play a friend"),
    friendDeck,
    h("button", { type: "submit", class: "primary", id: "invite-friend" }, "Make an invite link"),
  );

  function showInvite(game) {
    const url = new URL(game.invite_url, location.origin).href;
    clear(waiting).append(
      h("p", {}, "Send this link to your friend; the game starts when they join."),
      h("input", { id: "invite-url", readonly: true, value: url, "aria-label": "Invite link", onfocus: (e) => e.target.select() }),
      h("button", { type: "button", onclick: () => navigator.clipboard?.writeText(url).then(() => announce("Link copied")) }, "Copy link"),
      game.invite_expires_at ? h("p", { class: "sub" }, `Valid until ${new Date(game.invite_expires_at).toLocaleTimeString()}`) : null,
      h("p", { class: "sub" }, "Waiting for your friend…"),
    );
    poll(async () => {
      const now = await api(`/games/${game.game_id}`);
      if (now.status === "waiting") return false;
      go(`/game/${game.game_id}`);
      return true;
    });
  }

  // --- quick match
  const queueDeck = deckPicker(decks, "queue-deck");
  const mode = h("select", { id: "queue-mode" }, h("option", { value: "casual" }, "Casual"), h("option", { value: "ranked" }, "Ranked"));
  const queueForm = h(
    "form",
    {
      class: "card-form",
      "aria-labelledby": "queue-title",
      onsubmit: guard(async () => {
        const select = queueDeck.querySelector("select");
        const ticket = await api("/matchmaking/tickets", { method: "POST", body: { mode: mode.value, preset: presetOf(select, decks), deck_id: select.value } });
        const leave = h(
          "button",
          {
            type: "button",
            onclick: guard(async () => {
              stopPolling();
              await api(`/matchmaking/tickets/${ticket.ticket_id}`, { method: "DELETE" });
              clear(waiting).append(h("p", {}, "You left the queue."));
            }),
          },
          "Leave the queue",
        );
        const started = Date.now();
        const line = h("p", {}, "Looking for an opponent…");
        clear(waiting).append(line, leave);
        poll(async () => {
          const now = await api(`/matchmaking/tickets/${ticket.ticket_id}`);
          line.textContent = `Looking for an opponent… ${Math.round((Date.now() - started) / 1000)} s`;
          if (now.status === "matched" && now.game_id) {
            go(`/game/${now.game_id}`);
            return true;
          }
          if (now.status === "cancelled") {
            clear(waiting).append(h("p", {}, "The queue ticket was cancelled."));
            return true;
          }
          return false;
        });
      }),
    },
    h("h3", { id: "queue-title" }, "Quick match"),
    queueDeck,
    h("label", { for: "queue-mode" }, "Mode", mode),
    h("button", { type: "submit", class: "primary", id: "quick-match" }, "Find an opponent"),
  );

  // --- continue and watch
  const mine = h("ul", { class: "games", "aria-label": "My games" });
  try {
    const games = (await api("/me/games")).games;
    for (const game of games) {
      const others = game.players.filter((p) => p.seat !== game.seat).map((p) => p.name).join(", ") || "a friend (not joined yet)";
      mine.append(
        h(
          "li",
          {},
          `${label(game.kind)} game vs ${others} · ${game.status} `,
          game.status === "waiting" ? h("button", { type: "button", onclick: () => showInvite(game) }, "Show invite") : h("a", { class: "button", href: `#/game/${game.game_id}` }, "Continue"),
        ),
      );
    }
    if (!games.length) mine.append(h("li", { class: "sub" }, "No game in progress."));
  } catch {
    mine.append(h("li", { class: "sub" }, "Your games could not be listed."));
  }
  const watchId = h("input", { id: "watch-id", placeholder: "game id", pattern: "[0-9a-fA-F-]{36}", required: true });

  main.append(
    h(
      "section",
      { class: "panel", "aria-labelledby": "play-title" },
      h("h2", { id: "play-title" }, "Play"),
      h("div", { class: "modes" }, botForm, friendForm, queueForm),
      waiting,
      error,
      h("h3", {}, "Continue your games"),
      mine,
      h(
        "form",
        { class: "row", onsubmit: guard(async () => go(`/watch/${watchId.value.trim()}`)) },
        h("label", { for: "watch-id" }, "Watch a game"),
        watchId,
        h("button", { type: "submit" }, "Watch"),
      ),
    ),
  );
  return stopPolling;
}
