// One game over /ws/play (docs/protocol.md): hello with the last version seen, gap
// detection with sync, reconnection with backoff, and acts resent (same id) until acked.
import { accessToken } from "../api.js";

const PROTOCOL = 1;
const FATAL = new Set(["game_not_found", "protocol_version", "not_a_player"]);

export function versionKey(gameId, role) {
  return `mantimon.v.${gameId}.${role}`;
}

export class GameConnection {
  constructor({ gameId, role, onMessage, onStatus }) {
    this.gameId = gameId;
    this.role = role;
    this.onMessage = onMessage;
    this.onStatus = onStatus;
    this.key = versionKey(gameId, role);
    const saved = sessionStorage.getItem(this.key);
    this.v = saved === null ? null : Number(saved);
    this.pending = new Map();
    this.counter = 0;
    this.retries = 0;
    this.closed = false;
    this.socket = null;
  }

  start() {
    this.closed = false;
    this.open();
  }

  stop() {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.pinger);
    this.socket?.close(1000);
  }

  async open() {
    if (this.closed) return;
    this.onStatus("connecting");
    let token;
    try {
      token = await accessToken();
    } catch (error) {
      this.onStatus("signed-out", error);
      return;
    }
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/ws/play`);
    this.socket = socket;
    socket.addEventListener("open", () => {
      const hello = { type: "hello", protocol: PROTOCOL, token, game_id: this.gameId, role: this.role };
      if (this.v !== null) hello.since = this.v;
      socket.send(JSON.stringify(hello));
    });
    socket.addEventListener("message", (event) => this.receive(JSON.parse(event.data)));
    socket.addEventListener("close", () => {
      clearInterval(this.pinger);
      if (this.socket !== socket || this.closed) return;
      this.onStatus("disconnected");
      const delay = Math.min(8000, 500 * 2 ** this.retries++);
      this.retryTimer = setTimeout(() => this.open(), delay);
    });
  }

  seen(v) {
    if (typeof v !== "number") return;
    if (this.v === null || v > this.v) {
      this.v = v;
      sessionStorage.setItem(this.key, String(v));
    }
  }

  receive(message) {
    switch (message.type) {
      case "welcome":
        this.retries = 0;
        this.onStatus("connected");
        this.pinger = setInterval(() => this.send({ type: "ping" }), 20000);
        for (const pendingMessage of this.pending.values()) this.send(pendingMessage);
        break;
      case "events":
        if (this.v !== null && message.v <= this.v) return;
        if (this.v !== null && message.from_v > this.v) {
          this.send({ type: "sync", since: this.v });
          return;
        }
        this.seen(message.v);
        break;
      case "resync":
      case "request":
        this.seen(message.v);
        break;
      case "ack":
        this.pending.delete(message.id);
        this.seen(message.v);
        break;
      case "error":
        if (message.id) this.pending.delete(message.id);
        if (FATAL.has(message.code)) this.stop();
        if (message.code === "unauthenticated") {
          this.socket?.close();
          accessToken({ force: true }).catch(() => this.onStatus("signed-out"));
        }
        break;
      default:
    }
    this.onMessage(message);
  }

  send(message) {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  nextId() {
    this.counter += 1;
    return `c-${Date.now().toString(36)}-${this.counter}`;
  }

  // A game-changing message: kept until acked, resent after a reconnect under the same id.
  command(message) {
    const full = { ...message, id: this.nextId() };
    this.pending.set(full.id, full);
    this.send(full);
    return full.id;
  }
}
