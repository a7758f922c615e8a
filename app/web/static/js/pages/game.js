// A live game, as a player (#/game/<id>) or a spectator (#/watch/<id>): the board, the
// offered actions (nothing else is clickable), choices, the log, clocks, presence, the end.
import { api } from "../api.js";
import { go } from "../app.js";
import { cardOf, loadCatalog, nameOf } from "../cards.js";
import { announce, clear, h } from "../dom.js";
import { subjectOf } from "../game/actions.js";
import { boardView, handView } from "../game/board.js";
import { GameConnection } from "../game/connection.js";
import { eventText, namingContext } from "../game/events.js";
import { GameLog } from "../game/log.js";
import { endScreen, movesPanel, statusBar } from "../game/panel.js";

const EVENT_WAIT_MS = 400;

// Where a card in play is, in words: "Front", "bench 2", "their Front"...
function placeOf(view, instanceId, me) {
  if (!view?.players) return null;
  for (const [seat, player] of view.players.entries()) {
    const whose = me === null ? `seat ${seat + 1} ` : seat === me ? "" : "their ";
    if (player.active?.instance_id === instanceId) return `${whose}Front`;
    const slot = player.bench.findIndex((card) => card.instance_id === instanceId);
    if (slot >= 0) return `${whose}bench ${slot + 1}`;
  }
  return null;
}

export async function render(main, { params: [gameId], name }) {
  await loadCatalog();
  const role = name === "watch" ? "spectator" : "player";
  const st = { view: null, actions: [], rqid: null, seat: null, names: ["Player 1", "Player 2"], focus: null, busy: false, clock: null, presence: {}, offer: null, status: "connecting", rematchAsked: false, gameOut: null };
  const log = new GameLog(gameId, role);

  try {
    st.gameOut = await api(`/games/${gameId}`);
    for (const player of st.gameOut.players) st.names[player.seat] = player.name;
  } catch {
    /* spectators of other people's games may not read it; the seats keep their numbers */
  }

  const bar = h("div", { class: "gamebar" });
  const table = h("div", { class: "table" });
  const panel = h("section", { class: "actions", "aria-labelledby": "actions-title" });
  const logList = h("ol", { class: "log", "aria-label": "Game log", "aria-live": "polite" });
  const end = h("div", { class: "gameover-slot" });
  main.append(
    h(
      "div",
      { class: "game", dataset: { gameId } },
      h("h2", { class: "visually-hidden" }, role === "spectator" ? "Watching a game" : "Game"),
      bar,
      end,
      h("div", { class: "layout" }, table, h("aside", { class: "side-panel" }, panel, h("section", { "aria-labelledby": "log-title" }, h("h3", { id: "log-title" }, "Log"), logList))),
    ),
  );

  const me = () => (role === "player" ? st.seat : null);
  const look = {
    card: (id) => (log.known(id) ? nameOf(log.known(id)) : "a card"),
    def: (id) => cardOf(log.known(id)),
    option: (id) => (log.known(id) ? look.at(id) : id.replace(/_/g, " ")),
    at: (id) => {
      const place = placeOf(st.view, id, me());
      return place ? `${look.card(id)} (${place})` : look.card(id);
    },
  };
  const naming = () => namingContext({ me: me(), names: st.names, card: look.card, def: (d) => (d ? nameOf(d) : null) });

  function wrap(instanceId, face, words) {
    const offered = st.actions.some((a) => subjectOf(a) === instanceId || a.card === instanceId || a.target === instanceId);
    if (!offered || st.busy) return h("div", { class: "cardslot", "aria-label": words, role: "img" }, face);
    return h(
      "button",
      {
        type: "button",
        class: `cardslot actionable ${st.focus === instanceId ? "focused" : ""}`,
        dataset: { key: `card-${instanceId}`, instance: instanceId },
        "aria-label": `${words}: show its moves`,
        "aria-pressed": st.focus === instanceId ? "true" : "false",
        onclick: () => {
          st.focus = st.focus === instanceId ? null : instanceId;
          draw();
        },
      },
      face,
    );
  }

  function presenceChip(seat) {
    const p = st.presence[seat];
    if (!p) return null;
    return h("span", { class: `presence ${p.connected ? "on" : "off"}`, "aria-label": p.connected ? "connected" : "disconnected" }, p.connected ? " ●" : " ○");
  }

  function drawBar() {
    clear(bar).append(...statusBar(g));
  }

  function act(action) {
    if (st.busy) return;
    st.busy = true;
    st.focus = null;
    st.conn.command({ type: "act", rqid: st.rqid, action });
    draw();
  }

  function draw() {
    const key = document.activeElement?.dataset?.key;
    clear(table);
    if (st.view?.players) {
      log.learn(st.view);
      const ctx = { me: me(), names: st.names, wrap, presence: presenceChip, myMove: role === "player" ? st.actions.length > 0 : undefined };
      table.append(boardView(st.view, ctx));
      const hand = handView(st.view, ctx);
      if (hand) table.append(hand);
    } else table.append(h("p", { class: "loading" }, "Loading the board…"));
    clear(panel).append(...movesPanel(g));
    drawBar();
    clear(end).append(...endScreen(g));
    clear(logList).append(...log.lines.slice(-200).map((line) => h("li", {}, line)));
    logList.scrollTop = logList.scrollHeight;
    if (key) main.querySelector(`[data-key="${CSS.escape(key)}"]`)?.focus();
  }

  // Events are written once the view that follows them is known: it names the cards they
  // moved (an evolution from the opponent's hand, say). A view that does not come is not waited for.
  const unwritten = [];
  let flushTimer = null;
  function writeEvents() {
    clearTimeout(flushTimer);
    const ctx = naming();
    for (const event of unwritten.splice(0)) {
      const line = eventText(event, ctx);
      if (!line) continue;
      log.add(line);
      if (event.kind === "coin_flipped") announce(line);
    }
  }

  function onMessage(message) {
    switch (message.type) {
      case "welcome":
        st.seat = message.seat ?? null;
        break;
      case "events":
        for (const event of message.events) log.learnEvent(event);
        unwritten.push(...message.events);
        clearTimeout(flushTimer);
        flushTimer = setTimeout(() => (writeEvents(), draw()), EVENT_WAIT_MS);
        return;
      case "resync":
        st.view = message.view;
        log.learn(st.view);
        writeEvents();
        break;
      case "request": {
        const wasIdle = !st.actions.length;
        st.view = message.view;
        log.learn(st.view);
        writeEvents();
        st.actions = message.actions;
        st.rqid = message.rqid;
        st.busy = false;
        if (st.focus && !st.actions.some((a) => subjectOf(a) === st.focus || a.card === st.focus || a.target === st.focus)) st.focus = null;
        if (wasIdle && st.actions.length) announce("Your move");
        if (st.view.phase === "ended") announce(st.view.winner === me() ? "You won" : "Game over");
        break;
      }
      case "error":
        st.busy = false;
        if (message.code === "game_over" && !st.view) {
          showEndedGame();
          return;
        }
        announce(message.message, { error: true });
        break;
      case "presence":
        st.presence[message.seat] = message;
        if (message.seat !== me()) announce(message.connected ? `${st.names[message.seat]} is back` : `${st.names[message.seat]} disconnected`);
        break;
      case "clock":
        st.clock = message;
        if (message.warning && message.acting === me()) announce("Hurry: your time is almost up");
        break;
      case "offer":
        st.offer = message;
        announce(`${st.names[message.seat]} offers ${message.kind === "draw" ? "a draw" : "a rematch"}`);
        break;
      case "rematch_ready":
        announce("Rematch!");
        go(`/game/${message.game_id}`);
        return;
      default:
        return;
    }
    draw();
  }

  // A connection that keeps dropping before its welcome may be to a game that ended while
  // this page was away: then the final board comes from the replay, and no one reconnects.
  let drops = 0;
  async function showEndedGame() {
    try {
      const game = await api(`/games/${gameId}`);
      if (game.status !== "ended") return;
      st.conn.stop();
      const replay = await api(`/games/${gameId}/replay`);
      st.status = "game over";
      if (replay.final_view) st.view = replay.final_view;
      else st.view = { ...(st.view || {}), phase: "ended", winner: game.winner, end_reason: game.end_reason };
      st.actions = [];
      st.seat = game.seat;
      draw();
    } catch {
      /* keep trying to reconnect */
    }
  }

  const g = { st, role, gameId, look, me, act, send: (message) => st.conn.command(message), redraw: () => draw() };

  st.conn = new GameConnection({
    gameId,
    role,
    onMessage,
    onStatus: (status) => {
      st.status = status;
      if (status === "signed-out") return go("/signin");
      if (status === "connected") drops = 0;
      if (status === "disconnected" && ++drops >= 2) showEndedGame();
      drawBar();
    },
  });
  draw();
  st.conn.start();
  const ticker = setInterval(drawBar, 1000);
  return () => {
    clearInterval(ticker);
    clearTimeout(flushTimer);
    st.conn.stop();
  };
}
