// The HTTP API: bearer tokens kept in localStorage, refreshed once when they expire.
// A refresh token works once (a reused one ends the session), so one refresh runs at a time
// and a tab first checks whether another tab already refreshed.

const KEY = "mantimon.auth";
const MARGIN_MS = 30_000;

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `request failed (${status})`);
    this.status = status;
    this.problem = problem || {};
  }
}

export function session() {
  try {
    return JSON.parse(localStorage.getItem(KEY)) || null;
  } catch {
    return null;
  }
}

export function saveTokens(body) {
  const value = {
    access: body.access_token,
    refresh: body.refresh_token,
    expires: Date.now() + body.expires_in * 1000,
    user: body.user,
  };
  localStorage.setItem(KEY, JSON.stringify(value));
  return value;
}

export function forget() {
  localStorage.removeItem(KEY);
}

let refreshing = null;

async function refresh(stale) {
  const current = session();
  if (!current) throw new ApiError(401, { detail: "signed out" });
  if (current.refresh !== stale.refresh && current.expires - MARGIN_MS > Date.now()) return current;
  const response = await fetch("/api/v1/auth/refresh", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ refresh_token: current.refresh }),
  });
  if (!response.ok) {
    if (response.status === 401) forget();
    throw new ApiError(response.status, await problemOf(response));
  }
  return saveTokens(await response.json());
}

// A valid access token, refreshed first when it is about to expire (also for the WebSocket).
export async function accessToken({ force = false } = {}) {
  const current = session();
  if (!current) throw new ApiError(401, { detail: "signed out" });
  if (!force && current.expires - MARGIN_MS > Date.now()) return current.access;
  refreshing ||= refresh(current).finally(() => (refreshing = null));
  return (await refreshing).access;
}

async function problemOf(response) {
  try {
    return await response.json();
  } catch {
    return { title: response.statusText };
  }
}

// Call the API; `auth: false` for sign-in routes. Resolves to the JSON body (null for 204).
export async function api(path, { method = "GET", body, headers = {}, auth = true, raw = false } = {}) {
  const send = async (token) => {
    const all = { ...headers };
    if (body !== undefined) all["Content-Type"] = "application/json";
    if (token) all.Authorization = `Bearer ${token}`;
    return fetch(`/api/v1${path}`, {
      method,
      headers: all,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  };
  let response = await send(auth ? await accessToken() : null);
  if (auth && response.status === 401) response = await send(await accessToken({ force: true }));
  if (raw) return response;
  if (!response.ok) throw new ApiError(response.status, await problemOf(response));
  if (response.status === 204) return null;
  return response.json();
}

export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== "" && value !== null && value !== undefined) search.set(key, value);
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}
