// A finished game, step by step: each step is one version's public events, in words;
// the last step shows the final board.
import { api } from "../api.js";
import { loadCatalog, nameOf } from "../cards.js";
import { clear, h } from "../dom.js";
import { boardView } from "../game/board.js";
import { eventText, namingContext } from "../game/events.js";

export async function render(main, { params: [gameId] }) {
  await loadCatalog();
  const replay = await api(`/games/${gameId}/replay`);
  const names = ["Player 1", "Player 2"];
  let me = null;
  try {
    const game = await api(`/games/${gameId}`);
    for (const p of game.players) names[p.seat] = p.name;
    me = game.seat ?? null;
  } catch {
    /* names stay seat numbers */
  }
  const ids = new Map();
  const learn = (card) => {
    if (!card || card.hidden) return;
    ids.set(card.instance_id, card.definition_id);
    for (const held of [...(card.attached_energy || []), ...(card.evolved_from || []), card.attached_tool]) if (held) ids.set(held.instance_id, held.definition_id);
  };
  for (const step of replay.steps) for (const e of step.events) if (e.data?.card && e.data?.definition) ids.set(e.data.card, e.data.definition);
  const final = replay.final_view;
  if (final) for (const p of final.players) for (const c of [...(p.hand || []), p.active, ...p.bench, ...p.discard]) learn(c);
  const ctx = namingContext({ me, names, card: (id) => (ids.has(id) ? nameOf(ids.get(id)) : "a card"), def: (d) => (d ? nameOf(d) : null) });
  const lines = replay.steps.map((step) => step.events.map((e) => eventText(e, ctx)).filter(Boolean));

  let at = 0;
  const total = replay.steps.length;
  const counter = h("p", { id: "replay-step", "aria-live": "polite" });
  const current = h("ul", { class: "current-step" });
  const history = h("ol", { class: "log", "aria-label": "Everything so far" });
  const board = h("div", {});
  const buttons = {
    first: h("button", { type: "button", onclick: () => show(0) }, "First"),
    prev: h("button", { type: "button", onclick: () => show(at - 1), "aria-keyshortcuts": "ArrowLeft" }, "Previous"),
    next: h("button", { type: "button", id: "replay-next", onclick: () => show(at + 1), "aria-keyshortcuts": "ArrowRight" }, "Next"),
    last: h("button", { type: "button", onclick: () => show(total - 1) }, "Last"),
  };

  function show(index) {
    at = Math.max(0, Math.min(total - 1, index));
    const step = replay.steps[at];
    counter.textContent = total ? `Step ${at + 1} of ${total} (version ${step.v})` : "No step recorded.";
    clear(current).append(...(lines[at] || []).map((line) => h("li", {}, line)));
    clear(history).append(...lines.slice(0, at).flat().map((line) => h("li", {}, line)));
    history.scrollTop = history.scrollHeight;
    buttons.first.disabled = buttons.prev.disabled = at === 0;
    buttons.next.disabled = buttons.last.disabled = at >= total - 1;
    clear(board);
    if (final && at === total - 1) board.append(h("h3", {}, "The final board"), boardView(final, { me: final.viewer ?? null, names, wrap: (_id, face, words) => h("div", { class: "cardslot", role: "img", "aria-label": words }, face), presence: () => null }));
  }

  const keys = (event) => {
    if (event.target.closest("input, select, textarea")) return;
    if (event.key === "ArrowRight") show(at + 1);
    if (event.key === "ArrowLeft") show(at - 1);
  };
  document.addEventListener("keydown", keys);
  main.append(
    h(
      "section",
      { class: "panel", "aria-labelledby": "replay-title" },
      h("h2", { id: "replay-title" }, "Replay"),
      h("div", { class: "row" }, Object.values(buttons)),
      counter,
      h("h3", {}, "This step"),
      current,
      h("details", { open: true }, h("summary", {}, "Earlier steps"), history),
      board,
      h("a", { class: "button", href: "#/play" }, "Back to the lobby"),
    ),
  );
  show(0);
  return () => document.removeEventListener("keydown", keys);
}
