// Draws a seat's view (app/engine/view.py) of the board: both sides, the stadium, the hand.
// Cards the offered actions are about are buttons; everything else is plain text and art.
import { cardFace, cardOf, nameOf } from "../cards.js";
import { h, label } from "../dom.js";

function energyChips(card) {
  return card.attached_energy.length
    ? h(
        "ul",
        { class: "chips", "aria-label": "Attached energy" },
        card.attached_energy.map((energy) => {
          const def = cardOf(energy.definition_id);
          const type = def?.energy_type || "colorless";
          return h("li", { class: `chip el-${type}`, title: nameOf(energy.definition_id) }, def?.name || type);
        }),
      )
    : null;
}

function inPlay(card, ctx, where) {
  if (!card) return h("div", { class: "slot empty" }, where === "front" ? "No Front creature" : "");
  if (card.hidden) return h("div", { class: "slot facedown", "aria-label": "A face-down card" }, "Face down");
  const def = cardOf(card.definition_id);
  const hp = def?.hp ?? 0;
  const left = Math.max(0, hp - card.damage);
  const details = h(
    "div",
    { class: "state" },
    card.damage ? h("span", { class: "damage" }, `${card.damage} damage · ${left} HP left`) : null,
    card.status_conditions.map((status) => h("span", { class: `status s-${status}` }, label(status))),
    card.attached_tool ? h("span", { class: "tool" }, `Tool: ${nameOf(card.attached_tool.definition_id)}`) : null,
    energyChips(card),
  );
  const face = cardFace(def, { compact: true, extra: details });
  const words = `${def?.name || "card"}${card.damage ? `, ${card.damage} damage` : ""}${card.status_conditions.length ? `, ${card.status_conditions.join(", ")}` : ""}, ${card.attached_energy.length} energy`;
  return ctx.wrap(card.instance_id, face, words);
}

function score(player, rules) {
  if (rules.win.condition === "prizes") return `Prizes left ${player.prizes_count}`;
  return `Points ${player.points}/${rules.win.points_to_win}`;
}

function stats(player, rules, isMe) {
  const zone = player.zone_current ? ` · Energy zone ${player.zone_current}${player.zone_next ? ` (next ${player.zone_next})` : ""}` : "";
  return h(
    "div",
    { class: "stats" },
    h("span", { class: "score" }, score(player, rules)),
    ` · Deck ${player.deck_count}`,
    rules.energy.source === "energy_deck" ? ` · Energy deck ${player.energy_deck_count}` : "",
    isMe ? "" : ` · Hand ${player.hand_count}`,
    zone,
    h(
      "details",
      { class: "discard" },
      h("summary", {}, `Discard ${player.discard.length}`),
      h("ul", {}, player.discard.map((card) => h("li", {}, nameOf(card.definition_id)))),
    ),
  );
}

function side(view, seat, ctx) {
  const player = view.players[seat];
  const isMe = seat === ctx.me;
  const bench = h(
    "ul",
    { class: "bench", "aria-label": `${ctx.names[seat]}'s bench` },
    player.bench.map((card) => h("li", {}, inPlay(card, ctx, "bench"))),
    player.bench.length ? null : h("li", { class: "sub" }, "Bench empty"),
  );
  const front = h("div", { class: "front", "aria-label": `${ctx.names[seat]}'s Front creature` }, inPlay(player.active, ctx, "front"));
  const parts = [h("h3", { class: "who" }, ctx.names[seat], ctx.presence(seat)), stats(player, view.rules, isMe), bench, front];
  return h(
    "section",
    { class: `side ${isMe || (ctx.me === null && seat === 0) ? "near" : "far"}`, "aria-label": `${ctx.names[seat]}'s side`, dataset: { seat } },
    isMe || (ctx.me === null && seat === 0) ? parts.reverse() : parts,
  );
}

// The whole board. ctx: {me, names, wrap(id, el, words), presence(seat)}.
export function boardView(view, ctx) {
  const bottom = ctx.me ?? 0;
  const top = 1 - bottom;
  const turn = view.phase === "setup" ? "Setup" : `Turn ${view.turn_number}`;
  const acting = view.pending_choice ? view.pending_choice.player : view.current_player;
  let who = acting === ctx.me ? "your move" : `${ctx.names[acting]} to move`;
  if (view.phase === "ended") who = "game over";
  else if (ctx.myMove !== undefined) who = ctx.myMove ? "your move" : `waiting for ${ctx.names[1 - ctx.me]}`;
  const middle = h(
    "div",
    { class: "middle" },
    h("span", { class: "turn" }, `${turn} · ${who}`),
    view.stadium ? h("span", { class: "stadium" }, `Stadium: ${nameOf(view.stadium.card.definition_id)}`) : h("span", { class: "sub" }, "No stadium"),
  );
  return h("div", { class: "board", "aria-label": "Board" }, side(view, top, ctx), middle, side(view, bottom, ctx));
}

export function handView(view, ctx) {
  if (ctx.me === null) return null;
  const hand = view.players[ctx.me].hand || [];
  return h(
    "section",
    { class: "hand", "aria-label": `Your hand, ${hand.length} cards` },
    h("h3", {}, `Your hand (${hand.length})`),
    h("ul", {}, hand.map((card) => h("li", {}, ctx.wrap(card.instance_id, cardFace(cardOf(card.definition_id), { compact: true }), nameOf(card.definition_id))))),
  );
}
