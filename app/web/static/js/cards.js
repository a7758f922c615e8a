// The card catalog, loaded once, and how a card is drawn. No card art ships with the
// catalog yet, so every card is a clean placeholder: its element's colour, initial and text.
import { api } from "./api.js";
import { h, label } from "./dom.js";

let loading = null;
const byId = new Map();

export async function loadCatalog() {
  loading ||= (async () => {
    let offset = 0;
    for (;;) {
      const page = await api(`/cards?limit=500&offset=${offset}`, { auth: false });
      for (const card of page.items) byId.set(card.id, card);
      if (!page.has_more) break;
      offset += page.items.length;
    }
    return byId;
  })();
  return loading;
}

export function cardOf(definitionId) {
  return byId.get(definitionId) || null;
}

export function nameOf(definitionId) {
  return cardOf(definitionId)?.name || definitionId || "a card";
}

export function elementOf(card) {
  if (!card) return "none";
  return card.element || card.energy_type || "trainer";
}

export function describe(card) {
  if (!card) return "unknown card";
  if (card.card_type === "creature") {
    return `${card.name}, ${label(card.stage)} ${card.element} creature, ${card.hp} HP`;
  }
  if (card.card_type === "trainer") return `${card.name}, ${card.trainer_subtype} trainer`;
  return `${card.name}, ${card.energy_kind} ${card.energy_type} energy`;
}

function subtitle(card) {
  if (card.card_type === "creature") {
    const from = card.evolves_from ? ` · from ${card.evolves_from}` : "";
    return `${label(card.stage)} · ${label(card.element)}${from}`;
  }
  if (card.card_type === "trainer") return `Trainer · ${label(card.trainer_subtype)}`;
  return `Energy · ${label(card.energy_kind)}`;
}

function costText(cost) {
  return cost.length ? cost.map((type) => type[0].toUpperCase()).join("") : "free";
}

function body(card) {
  if (card.card_type === "creature") {
    return h(
      "ul",
      { class: "moves" },
      card.abilities.map((ability) => h("li", {}, h("b", {}, ability.name), " ", ability.text)),
      card.attacks.map((attack) =>
        h(
          "li",
          {},
          h("span", { class: "cost", title: attack.cost.join(", ") || "no energy" }, costText(attack.cost)),
          " ",
          h("b", {}, attack.name),
          attack.damage ? ` ${attack.damage}${attack.damage_modifier === "plus" ? "+" : attack.damage_modifier === "times" ? "×" : ""}` : "",
          attack.effect_text ? h("span", { class: "fx" }, ` ${attack.effect_text}`) : "",
        ),
      ),
    );
  }
  return h("p", { class: "text" }, card.text || "");
}

// A card face. `compact` draws only name, HP and element (board and lists).
export function cardFace(card, { compact = false, extra = null } = {}) {
  if (!card) return h("div", { class: "card unknown" }, "?");
  const element = elementOf(card);
  return h(
    "div",
    { class: `card el-${element} ${compact ? "compact" : ""}`, title: describe(card) },
    h("div", { class: "art", "aria-hidden": "true" }, card.name[0]),
    h(
      "div",
      { class: "head" },
      h("span", { class: "name" }, card.name),
      card.hp ? h("span", { class: "hp" }, `${card.hp} HP`) : null,
    ),
    h("div", { class: "sub" }, subtitle(card)),
    compact ? null : body(card),
    compact ? null : h("div", { class: "foot" }, `${card.id} · ${label(card.rarity)}`),
    extra,
  );
}

export const ELEMENTS = ["grass", "fire", "water", "lightning", "psychic", "fighting", "darkness", "metal", "colorless"];
