// The catalog's search filters as a form; shared by the collection and the deck builder.
import { api } from "./api.js";
import { ELEMENTS } from "./cards.js";
import { h, label } from "./dom.js";

const RARITIES = ["common", "uncommon", "rare", "double_rare", "art_rare", "super_rare", "special_art_rare", "vista_rare", "gilded_rare"];

function select(name, text, values) {
  const id = `f-${name}`;
  return h(
    "label",
    { for: id },
    text,
    h("select", { id, name }, h("option", { value: "" }, "Any"), values.map((v) => h("option", { value: v }, label(v)))),
  );
}

function number(name, text) {
  const id = `f-${name}`;
  return h("label", { for: id }, text, h("input", { id, name, type: "number", min: 0, max: 400, step: 10, inputmode: "numeric" }));
}

let sets = null;

// A filter form; `onchange(filters)` runs (debounced) whenever a field changes.
export async function filterForm(onchange) {
  sets ||= (await api("/sets", { auth: false })).items;
  let timer = null;
  const form = h(
    "form",
    { class: "filters", role: "search", "aria-label": "Card filters", onsubmit: (e) => e.preventDefault() },
    h("label", { for: "f-name_contains" }, "Name", h("input", { id: "f-name_contains", name: "name_contains", type: "search", maxlength: 60 })),
    select("card_type", "Type", ["creature", "trainer", "energy"]),
    select("element", "Element", ELEMENTS),
    select("stage", "Stage", ["basic", "stage_1", "stage_2"]),
    select("trainer_subtype", "Trainer", ["item", "supporter", "tool", "stadium"]),
    select("rarity", "Rarity", RARITIES),
    h("label", { for: "f-set_id" }, "Set", h("select", { id: "f-set_id", name: "set_id" }, h("option", { value: "" }, "Any"), sets.map((s) => h("option", { value: s.id }, s.name)))),
    number("hp_min", "HP from"),
    number("hp_max", "HP to"),
  );
  const values = () => Object.fromEntries([...new FormData(form)].filter(([, v]) => v !== ""));
  const changed = () => {
    clearTimeout(timer);
    timer = setTimeout(() => onchange(values()), 250);
  };
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  return { form, values };
}

// A problem's field errors as one line ("hp_min: ...").
export function explain(error) {
  const issues = error.problem?.errors;
  if (!issues?.length) return error.message;
  return issues.map((issue) => `${issue.loc.slice(1).join(".")}: ${issue.msg}`).join("; ");
}
