// The turn clock and the opponent's reconnection window, as text. Pure.

export function formatMs(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const minutes = Math.floor(total / 60);
  const seconds = String(total % 60).padStart(2, "0");
  return `${minutes}:${seconds}`;
}

// "Your turn: 0:42 (bank 2:00)" from a clock message; `now` in ms since the epoch.
export function clockText(clock, me, names, now) {
  if (!clock || clock.acting === null || clock.acting === undefined) return "";
  const who = clock.acting === me ? "Your time" : `${names[clock.acting]}'s time`;
  const left = clock.deadline ? formatMs(Date.parse(clock.deadline) - now) : "—";
  const bank = clock.banks_ms?.[clock.acting];
  return `${who}: ${left}${bank !== undefined ? ` (bank ${formatMs(bank)})` : ""}`;
}

export function presenceText(presence, name, now) {
  if (!presence || presence.connected) return "";
  if (!presence.grace_ends) return `${name} is disconnected`;
  return `${name} is disconnected: ${formatMs(Date.parse(presence.grace_ends) - now)} to come back`;
}
