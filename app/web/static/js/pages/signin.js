// Sign in: as a guest, with the dev sign-in (local only) or a configured provider.
import { api, saveTokens } from "../api.js";
import { home } from "../app.js";
import { announce, h } from "../dom.js";

async function signedIn(body) {
  saveTokens(body);
  announce(`Signed in as ${body.user.display_name}`);
  await home();
}

export async function render(main) {
  const config = await fetch("/play/config.json").then((r) => r.json());
  const error = h("p", { class: "error", role: "alert" });
  const guard = (fn) => async (event) => {
    event.preventDefault();
    error.textContent = "";
    try {
      await fn();
    } catch (failure) {
      error.textContent = failure.message;
    }
  };
  const guest = h(
    "button",
    {
      type: "button",
      class: "primary",
      id: "guest",
      onclick: guard(async () => signedIn(await api("/auth/guest", { method: "POST", auth: false }))),
    },
    "Play as a guest",
  );
  const redirect = `${location.origin}/play`;
  const providers = config.providers.map((provider) =>
    h(
      "a",
      {
        class: "button",
        href: `/api/v1/auth/${provider}/authorize?redirect_to=${encodeURIComponent(redirect)}`,
      },
      `Sign in with ${provider === "google" ? "Google" : "Discord"}`,
    ),
  );
  let dev = null;
  if (config.dev_sign_in) {
    const name = h("input", { id: "dev-name", name: "display_name", required: true, minlength: 3, maxlength: 24, autocomplete: "username" });
    dev = h(
      "form",
      {
        class: "dev",
        onsubmit: guard(async () =>
          signedIn(await api("/auth/dev", { method: "POST", auth: false, body: { display_name: name.value.trim() } })),
        ),
      },
      h("label", { for: "dev-name" }, "Development sign-in: a name"),
      name,
      h("button", { type: "submit" }, "Sign in"),
    );
  }
  main.append(
    h(
      "section",
      { class: "panel narrow", "aria-labelledby": "signin-title" },
      h("h2", { id: "signin-title" }, "Sign in"),
      h("p", {}, "Build a deck from your cards and play a bot, a friend or a stranger."),
      guest,
      providers.length ? h("div", { class: "row" }, providers) : null,
      dev,
      error,
    ),
  );
  guest.focus();
}
