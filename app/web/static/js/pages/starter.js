// Choose a starter deck, once: it grants its cards and saves it as a deck.
import { api } from "../api.js";
import { go } from "../app.js";
import { announce, h, label } from "../dom.js";

export async function render(main) {
  const status = await api("/me/starter");
  if (status.chosen) return go("/play");
  const error = h("p", { class: "error", role: "alert" });
  const choose = async (starter) => {
    try {
      await api("/me/starter", { method: "POST", body: { starter_type: starter.starter_type } });
      announce(`${starter.name} is yours`);
      go(sessionStorage.getItem("mantimon.invite") ? `/join/${encodeURIComponent(sessionStorage.getItem("mantimon.invite"))}` : "/play");
    } catch (failure) {
      error.textContent = failure.message;
    }
  };
  main.append(
    h(
      "section",
      { class: "panel", "aria-labelledby": "starter-title" },
      h("h2", { id: "starter-title" }, "Choose your starter deck"),
      h("p", {}, "Its cards join your collection and it is saved as your first deck. You choose once."),
      h(
        "ul",
        { class: "starters" },
        status.starters.map((starter) =>
          h(
            "li",
            { class: `starter el-${starter.element}` },
            h("h3", {}, starter.name),
            h("p", { class: "sub" }, `${label(starter.element)} · ${starter.card_total} cards + ${starter.energy_total} energy`),
            h("p", {}, starter.description),
            h(
              "button",
              { type: "button", class: "primary", dataset: { starter: starter.starter_type }, onclick: () => choose(starter) },
              `Choose ${starter.name}`,
            ),
          ),
        ),
      ),
      error,
    ),
  );
}
