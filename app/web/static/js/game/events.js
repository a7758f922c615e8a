// Engine events in words (docs/engine-events.md). Pure: `ctx` says who is who and names cards.
//   ctx.who(seat) -> "You" / "Ada"; ctx.card(instanceId) -> a card's name; ctx.def(definitionId)

const STATUS = { asleep: "asleep", burned: "burned", confused: "confused", paralyzed: "paralyzed", poisoned: "poisoned" };

const REASONS = {
  points: "on points",
  prizes: "by taking every prize",
  no_creatures: "with no creature left in play",
  deck_out: "by deck-out",
  resignation: "by resignation",
  timeout: "on time",
  turn_limit: "at the turn limit",
  abandoned: "by abandonment",
};

export function reasonText(reason) {
  return REASONS[reason] || (reason ? reason.replace(/_/g, " ") : "");
}

function plural(count, word) {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

function cards(ctx, ids) {
  return (ids || []).map((id) => ctx.card(id)).join(", ");
}

const TEXT = {
  turn_started: (e, c) => `Turn ${e.data.turn}: ${c.who(e.player)} ${c.verb(e.player, "start", "starts")}.`,
  turn_ended: () => null,
  setup_finished: (e, c) => `${c.who(e.player)} ${c.verb(e.player, "are", "is")} ready.`,
  revealed: (e, c) => `Both Front creatures are revealed: ${cards(c, e.data.actives)}.`,
  game_ended: (e, c) =>
    e.player === null || e.player === undefined
      ? `The game ends in a draw ${reasonText(e.data.reason)}.`
      : `${c.who(e.player)} ${c.verb(e.player, "win", "wins")} ${reasonText(e.data.reason)}.`,
  drew: (e, c) => `${c.who(e.player)} ${c.verb(e.player, "draw", "draws")} ${plural(e.data.count, "card")}.`,
  draw_skipped: (e, c) => `${c.who(e.player)} cannot draw.`,
  deck_shuffled: (e, c) => `${c.whose(e.player)} deck is shuffled.`,
  deck_arranged: (e, c) => `${plural(e.data.count, "card")} on top of ${c.whose(e.player).toLowerCase()} deck are rearranged.`,
  zone_energy: (e, c) => `${c.whose(e.player)} energy zone: ${e.data.current || "none"} now, ${e.data.next || "none"} next.`,
  placed: (e, c) =>
    e.data.card ? `${c.who(e.player)} ${c.verb(e.player, "place", "places")} ${c.card(e.data.card)} ${e.data.zone === "active" ? "in the Front" : "on the bench"}.`
      : `${c.who(e.player)} ${c.verb(e.player, "place", "places")} a creature face down ${e.data.zone === "active" ? "in the Front" : "on the bench"}.`,
  energy_drawn: (e, c) => (e.data.card ? `${c.who(e.player)} ${c.verb(e.player, "draw", "draws")} ${c.card(e.data.card)} from the energy deck.` : `${c.who(e.player)} ${c.verb(e.player, "draw", "draws")} an energy card.`),
  played_creature: (e, c) => `${c.who(e.player)} ${c.verb(e.player, "play", "plays")} ${c.def(e.data.definition) || c.card(e.data.card)}.`,
  played_trainer: (e, c) => `${c.who(e.player)} ${c.verb(e.player, "play", "plays")} ${c.def(e.data.definition) || c.card(e.data.card)}.`,
  evolved: (e, c) => `${c.card(e.data.source)} evolves into ${c.card(e.data.card)}.`,
  energy_attached: (e, c) => `${c.who(e.player)} ${c.verb(e.player, "attach", "attaches")} ${c.def(e.data.definition) || "energy"} to ${c.card(e.data.target)}.`,
  energy_moved: (e, c) => `Energy moves from ${c.card(e.data.source)} to ${c.card(e.data.target)}.`,
  energy_discarded: (e, c) => `${c.card(e.data.card)} is discarded${e.data.source ? ` from ${c.card(e.data.source)}` : ""}.`,
  used_ability: (e, c) => `${c.card(e.data.card)} uses ${e.data.ability || "its ability"}.`,
  used_stadium: (e, c) => `${c.who(e.player)} ${c.verb(e.player, "use", "uses")} the stadium ${c.card(e.data.card)}.`,
  attacked: (e, c) => `${c.card(e.data.card)} attacks with ${e.data.attack || "an attack"}.`,
  attack_failed: (e, c) => `${c.card(e.data.card)}'s attack fails${e.data.why ? ` (${e.data.why})` : ""}.`,
  coin_flipped: (e) => `Coin flip${e.data.why ? ` for ${String(e.data.why).replace(/_/g, " ")}` : ""}: ${e.data.heads ? "heads" : "tails"}.`,
  damaged: (e, c) => `${c.card(e.data.card)} takes ${e.data.amount} damage.`,
  healed: (e, c) => `${c.card(e.data.card)} heals ${e.data.amount} damage.`,
  counters_placed: (e, c) => `${plural(e.data.counters, "damage counter")} placed on ${c.card(e.data.card)}.`,
  damage_prevented: (e, c) => `Damage to ${c.card(e.data.card)} is prevented.`,
  switch_prevented: (e, c) => `${c.card(e.data.card)} cannot be switched.`,
  status_added: (e, c) => `${c.card(e.data.card)} is now ${STATUS[e.data.status] || e.data.status}.`,
  status_removed: (e, c) => `${c.card(e.data.card)} is no longer ${STATUS[e.data.status] || e.data.status}.`,
  status_blocked: (e, c) => `${c.card(e.data.card)} cannot become ${STATUS[e.data.status] || e.data.status}.`,
  lasting_added: (e, c) => `A lasting effect (${String(e.data.modifier).replace(/_/g, " ")}) applies${e.data.target ? ` to ${c.card(e.data.target)}` : ""}.`,
  switched: (e, c) => `${c.card(e.data.benched)} switches into the Front with ${c.card(e.data.active)}.`,
  retreated: (e, c) => `${c.card(e.data.card)} retreats.`,
  promoted: (e, c) => `${c.card(e.data.card)} moves up to the Front.`,
  knocked_out: (e, c) => `${c.card(e.data.card)} is knocked out${e.data.apex ? " (an Apex: worth more)" : ""}!`,
  scored: (e, c) => `${c.who(e.player)} ${c.verb(e.player, "score", "scores")} ${plural(e.data.points, "point")} (${e.data.total} in all).`,
  prizes_taken: (e, c) => `${c.who(e.player)} ${c.verb(e.player, "take", "takes")} ${plural(e.data.count, "prize")} (${e.data.left} left).`,
  discarded: (e, c) => `${c.who(e.player)} ${c.verb(e.player, "discard", "discards")} ${c.card(e.data.card)}.`,
  recovered: (e, c) => `${c.who(e.player)} ${c.verb(e.player, "take", "takes")} back ${cards(c, e.data.cards)} from the discard pile.`,
  returned_to_hand: (e, c) => `${c.card(e.data.card)} returns to ${c.whose(e.player).toLowerCase()} hand.`,
  stadium_discarded: (e, c) => `The stadium ${c.card(e.data.card)} is discarded.`,
  resigned: (e, c) => `${c.who(e.player)} ${c.verb(e.player, "resign", "resigns")}.`,
  choice_requested: (e, c) => (e.player === c.me ? null : `${c.who(e.player)} ${c.verb(e.player, "are", "is")} choosing (${String(e.data.prompt_kind).replace(/_/g, " ")}).`),
  chose: (e, c) => (e.data.choice ? `${c.who(e.player)} chose ${cards(c, e.data.choice) || "nothing"}.` : `${c.who(e.player)} chose ${plural(e.data.count ?? 0, "option")}.`),
  searched: (e, c) => (e.data.cards ? `${c.who(e.player)} ${c.verb(e.player, "search", "searches")} the deck for ${cards(c, e.data.cards) || "nothing"}.` : `${c.who(e.player)} ${c.verb(e.player, "search", "searches")} the deck and ${c.verb(e.player, "take", "takes")} ${plural(e.data.count ?? 0, "card")}.`),
  took_from_top: (e, c) => (e.data.cards ? `${c.who(e.player)} ${c.verb(e.player, "take", "takes")} ${cards(c, e.data.cards)} from the top of the deck.` : `${c.who(e.player)} ${c.verb(e.player, "take", "takes")} ${plural(e.data.count ?? 0, "card")} from the top of the deck.`),
  put_on_deck_bottom: (e, c) => `${c.who(e.player)} ${c.verb(e.player, "put", "puts")} ${e.data.card ? c.card(e.data.card) : plural(e.data.count ?? 0, "card")} under the deck.`,
  top_seen: (e, c) => (e.data.cards ? `${c.who(e.data.by)} ${c.verb(e.data.by, "see", "sees")} the top of the deck: ${e.data.cards.map((d) => c.def(d)).join(", ")}.` : `${c.who(e.data.by)} ${c.verb(e.data.by, "look", "looks")} at ${plural(e.data.count ?? 0, "card")} on top of a deck.`),
  hand_revealed: (e, c) => (e.data.cards ? `${c.whose(e.player)} hand is shown: ${e.data.cards.map((d) => c.def(d)).join(", ")}.` : `${c.whose(e.player)} hand is shown.`),
};

// One event as a sentence, or null for bookkeeping events not worth a line.
export function eventText(event, ctx) {
  const text = TEXT[event.kind];
  if (!text) return `${event.kind.replace(/_/g, " ")}.`;
  return text(event, ctx);
}

// The naming helpers `eventText` needs, for the seat `me` (null for a spectator).
export function namingContext({ me, names, card, def }) {
  const who = (seat) => (seat === me && me !== null ? "You" : names[seat] ?? `Player ${seat + 1}`);
  return {
    me,
    who,
    whose: (seat) => (seat === me && me !== null ? "Your" : `${who(seat)}'s`),
    verb: (seat, you, they) => (seat === me && me !== null ? you : they),
    card,
    def,
  };
}
