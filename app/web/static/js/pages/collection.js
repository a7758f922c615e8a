// Browse the cards I own (or the whole catalog) with the catalog's filters.
import { api, query } from "../api.js";
import { cardFace } from "../cards.js";
import { clear, h } from "../dom.js";
import { explain, filterForm } from "../filters.js";

const PAGE = 24;

export async function render(main) {
  let offset = 0;
  let source = "owned";
  const grid = h("ul", { class: "grid", "aria-label": "Cards" });
  const info = h("p", { class: "sub", "aria-live": "polite" });
  const prev = h("button", { type: "button", onclick: () => load(offset - PAGE) }, "Previous");
  const next = h("button", { type: "button", onclick: () => load(offset + PAGE) }, "Next");
  const { form, values } = await filterForm(() => load(0));
  const sourcePicker = h(
    "fieldset",
    { class: "segmented" },
    h("legend", {}, "Show"),
    ["owned", "catalog"].map((value) =>
      h(
        "label",
        {},
        h("input", { type: "radio", name: "source", value, checked: value === source, onchange: () => ((source = value), load(0)) }),
        value === "owned" ? " My collection" : " Every card",
      ),
    ),
  );

  async function load(at) {
    offset = Math.max(0, at);
    const path = source === "owned" ? "/me/collection" : "/cards";
    try {
      const page = await api(path + query({ ...values(), limit: PAGE, offset }));
      clear(grid);
      for (const item of page.items) {
        const card = item.card || item;
        grid.append(h("li", {}, cardFace(card, { extra: item.quantity ? h("span", { class: "qty", "aria-label": `${item.quantity} owned` }, `×${item.quantity}`) : null })));
      }
      info.textContent = page.total ? `${offset + 1}–${offset + page.items.length} of ${page.total} cards` : "No card matches these filters.";
      prev.disabled = offset === 0;
      next.disabled = !page.has_more;
    } catch (error) {
      info.textContent = explain(error);
    }
  }

  main.append(
    h(
      "section",
      { class: "panel", "aria-labelledby": "collection-title" },
      h("h2", { id: "collection-title" }, "Collection"),
      sourcePicker,
      form,
      info,
      grid,
      h("div", { class: "row" }, prev, next),
    ),
  );
  await load(0);
}
