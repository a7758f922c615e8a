// The game page's parts around the board: the moves panel, the end screen, the status bar.
// Each takes the page's game `g` ({st, role, gameId, look, me(), act, send, redraw}) and
// returns the elements to show.
import { h } from "../dom.js";
import { actionText, sortActions, subjectOf } from "./actions.js";
import { clockText, presenceText } from "./clock.js";
import { reasonText } from "./events.js";

function choicePanel(choice, look) {
  const options = choice.options.map((id) => look.option(id));
  return h(
    "div",
    { class: "choice" },
    h("p", { class: "prompt" }, choice.prompt || "Choose"),
    choice.revealed?.length ? h("p", { class: "sub" }, `Seen: ${choice.revealed.map((id) => look.option(id)).join(", ")}`) : null,
    h("p", { class: "sub" }, `Options: ${options.join(", ") || "none"} (pick ${choice.min_count}–${choice.max_count})`),
  );
}

const about = (action, id) => subjectOf(action) === id || action.card === id || action.target === id;

function actionButtons(g) {
  const { st, look } = g;
  if (g.role === "spectator") return h("p", { class: "sub" }, "You are watching.");
  if (!st.actions.length) {
    if (st.view?.phase === "ended") return h("p", {}, "The game is over.");
    return h("p", { class: "sub" }, st.view ? `Waiting for ${st.names[1 - st.seat]}…` : "Waiting for the game…");
  }
  const shown = sortActions(st.actions).filter(({ action }) => !st.focus || about(action, st.focus));
  const showAll = () => {
    st.focus = null;
    g.redraw();
  };
  return h(
    "div",
    { class: "moves-list" },
    st.focus ? h("p", { class: "sub" }, `Moves with ${look.at(st.focus)} `, h("button", { type: "button", class: "link", onclick: showAll }, "show all")) : null,
    h(
      "ul",
      {},
      shown.map(({ action, i }) =>
        h(
          "li",
          {},
          h(
            "button",
            { type: "button", class: `move k-${action.kind}`, disabled: st.busy, dataset: { kind: action.kind, index: i, key: `move-${i}` }, onclick: () => g.act(action) },
            actionText(action, look, st.view),
          ),
        ),
      ),
    ),
  );
}

function drawOffer(g) {
  const answer = (accept) => {
    g.st.offer = null;
    g.send({ type: "answer_draw", accept });
    g.redraw();
  };
  return h(
    "div",
    { class: "offer", role: "alertdialog", "aria-label": "Draw offer" },
    h("p", {}, `${g.st.names[g.st.offer.seat]} offers a draw.`),
    h("button", { type: "button", onclick: () => answer(true) }, "Accept draw"),
    h("button", { type: "button", onclick: () => answer(false) }, "Decline"),
  );
}

export function movesPanel(g) {
  const { st } = g;
  const choice = st.view?.pending_choice;
  const mine = choice && choice.player === g.me() && choice.options;
  const playing = g.role === "player" && st.view && st.view.phase !== "ended";
  return [
    h("h3", { id: "actions-title" }, mine ? "Your choice" : st.actions.length ? "Your moves" : "Moves"),
    mine ? choicePanel(choice, g.look) : null,
    actionButtons(g),
    playing && st.offer?.kind === "draw" ? drawOffer(g) : null,
    playing
      ? h(
          "div",
          { class: "row controls" },
          h("button", { type: "button", onclick: () => g.send({ type: "offer_draw" }) }, "Offer a draw"),
          h("button", { type: "button", class: "danger", onclick: () => confirm("Resign this game?") && g.send({ type: "resign" }) }, "Resign"),
        )
      : null,
  ].filter(Boolean);
}

function title(g, winner) {
  if (winner === null || winner === undefined) return "A draw";
  if (winner === g.me()) return "You won!";
  return g.role === "player" ? "You lost" : `${g.st.names[winner]} won`;
}

export function endScreen(g) {
  const { st } = g;
  const view = st.view;
  if (!view || view.phase !== "ended") return [];
  const rematch = () => {
    st.rematchAsked = true;
    g.send({ type: "rematch" });
    g.redraw();
  };
  return [
    h(
      "section",
      { class: "gameover", role: "dialog", "aria-labelledby": "gameover-title" },
      h("h2", { id: "gameover-title" }, title(g, view.winner)),
      h("p", {}, `The game ended ${reasonText(view.end_reason)}.`),
      st.offer?.kind === "rematch" && !st.rematchAsked ? h("p", {}, `${st.names[st.offer.seat]} wants a rematch.`) : null,
      h(
        "div",
        { class: "row" },
        g.role === "player"
          ? h("button", { type: "button", class: "primary", id: "rematch", disabled: st.rematchAsked, onclick: rematch }, st.rematchAsked ? "Rematch asked…" : "Rematch")
          : null,
        h("a", { class: "button", href: `#/replay/${g.gameId}` }, "Replay step by step"),
        h("a", { class: "button", href: "#/play" }, "Back to the lobby"),
      ),
    ),
  ];
}

const CONNECTION = { connected: "Connected", connecting: "Connecting…", disconnected: "Connection lost: reconnecting…" };

export function statusBar(g) {
  const { st } = g;
  const now = Date.now();
  const me = g.me();
  return [
    h("span", { class: `conn ${st.status}` }, CONNECTION[st.status] || st.status),
    h("span", { class: "clock", id: "clock", dataset: { warning: st.clock?.warning ? "1" : "0" } }, clockText(st.clock, me, st.names, now)),
    ...[0, 1]
      .filter((seat) => seat !== me)
      .map((seat) => h("span", { class: "away", id: me !== null ? "opponent-presence" : null, role: "status" }, presenceText(st.presence[seat], st.names[seat], now))),
  ];
}
