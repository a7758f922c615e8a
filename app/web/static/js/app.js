// The client's shell: routes by the URL fragment (#/decks, #/game/<id>...), keeps the nav
// in step with the session, and sends a signed-out visitor to the sign-in page.
import { api, forget, session, saveTokens } from "./api.js";
import { announce, clear, h } from "./dom.js";

const ROUTES = {
  signin: () => import("./pages/signin.js"),
  starter: () => import("./pages/starter.js"),
  collection: () => import("./pages/collection.js"),
  decks: () => import("./pages/decks.js"),
  deck: () => import("./pages/deck_builder.js"),
  play: () => import("./pages/lobby.js"),
  join: () => import("./pages/join.js"),
  game: () => import("./pages/game.js"),
  watch: () => import("./pages/game.js"),
  replay: () => import("./pages/replay.js"),
};
const PUBLIC = new Set(["signin"]);

let cleanup = null;
let rendering = 0;

export function go(path) {
  if (location.hash === `#${path}`) route();
  else location.hash = path;
}

async function finishProviderSignIn() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const ticket = fragment.get("ticket");
  if (!ticket) return;
  history.replaceState(null, "", location.pathname + location.search);
  try {
    saveTokens(await api("/auth/ticket", { method: "POST", body: { ticket }, auth: false }));
  } catch (error) {
    announce(`Sign-in failed: ${error.message}`, { error: true });
  }
}

function rememberInvite() {
  const params = new URLSearchParams(location.search);
  const invite = params.get("invite");
  if (!invite) return;
  sessionStorage.setItem("mantimon.invite", invite);
  history.replaceState(null, "", location.pathname + location.hash);
}

// Where a signed-in player goes when the URL names no page.
export async function home() {
  const invite = sessionStorage.getItem("mantimon.invite");
  const starter = await api("/me/starter");
  if (!starter.chosen) return go("/starter");
  if (invite) return go(`/join/${encodeURIComponent(invite)}`);
  return go("/play");
}

function updateNav() {
  const current = session();
  document.getElementById("nav").hidden = !current;
  document.getElementById("who").textContent = current ? current.user.display_name : "";
}

async function route() {
  const serial = ++rendering;
  updateNav();
  const [name, ...params] = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  const main = document.getElementById("main");
  if (typeof cleanup === "function") cleanup();
  cleanup = null;
  if (!session() && !PUBLIC.has(name)) return go("/signin");
  if (!name || !ROUTES[name]) {
    if (session()) return home().catch(fail);
    return go("/signin");
  }
  try {
    const page = await ROUTES[name]();
    if (serial !== rendering) return;
    clear(main);
    const result = await page.render(main, { params, name });
    if (serial !== rendering) {
      if (typeof result === "function") result();
      return;
    }
    cleanup = result;
    const heading = main.querySelector("h2");
    if (heading) heading.setAttribute("tabindex", "-1");
  } catch (error) {
    fail(error);
  }
}

function fail(error) {
  if (error?.status === 401) {
    forget();
    return go("/signin");
  }
  console.error(error);
  const main = document.getElementById("main");
  clear(main).append(h("p", { class: "error", role: "alert" }, `Something went wrong: ${error.message}`));
}

document.getElementById("signout").addEventListener("click", async () => {
  try {
    await api("/auth/logout", { method: "POST" });
  } catch {
    /* signed out locally either way */
  }
  forget();
  go("/signin");
});

rememberInvite();
await finishProviderSignIn();
window.addEventListener("hashchange", route);
route();
