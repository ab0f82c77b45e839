/**
 * The one WebSocket client for /ws/trading/ (docs/websocket.md).
 *
 * Keeps the set of subscribed symbols and sends it again after every reconnect, reconnects
 * with capped exponential backoff and jitter, pings to detect a dead link, and tells
 * listeners when a connection is re-established so they refetch their REST snapshots
 * (events sent while the socket was down are lost).
 */
import type { ServerMessage } from "./types";

export type ConnectionState = "connecting" | "open" | "reconnecting" | "closed";

export interface SocketLike {
  readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface WsClientOptions {
  url: string;
  createSocket?: (url: string) => SocketLike;
  /** First retry delay; doubles per failed attempt up to `maxDelayMs`. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** 0..1: the share of each delay that is randomised (spreads reconnect storms). */
  jitter?: number;
  random?: () => number;
  pingIntervalMs?: number;
  /** No message at all for this long (pongs included) means the link is dead. */
  staleAfterMs?: number;
}

const OPEN = 1;

type MessageListener = (message: ServerMessage) => void;
type StateListener = (state: ConnectionState) => void;
type ReconnectListener = () => void;

export function backoffDelay(attempt: number, base: number, max: number, jitter: number, random: () => number) {
  const raw = Math.min(max, base * 2 ** Math.max(0, attempt));
  return Math.round(raw * (1 - jitter) + raw * jitter * random());
}

export class WsClient {
  private readonly options: Required<Omit<WsClientOptions, "createSocket">> & {
    createSocket: (url: string) => SocketLike;
  };
  private socket: SocketLike | null = null;
  private readonly symbols = new Map<string, number>();
  private readonly messageListeners = new Set<MessageListener>();
  private readonly stateListeners = new Set<StateListener>();
  private readonly reconnectListeners = new Set<ReconnectListener>();
  private attempt = 0;
  private everOpened = false;
  private stopped = true;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private lastMessageAt = 0;
  state: ConnectionState = "closed";

  constructor(options: WsClientOptions) {
    this.options = {
      baseDelayMs: 500,
      maxDelayMs: 15_000,
      jitter: 0.3,
      random: Math.random,
      pingIntervalMs: 20_000,
      staleAfterMs: 50_000,
      createSocket: (url) => new WebSocket(url) as unknown as SocketLike,
      ...options,
    };
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.clearTimers();
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onclose = null;
      socket.onmessage = null;
      socket.close(1000, "client stop");
    }
    this.setState("closed");
  }

  /** "Reconnect now": skip the rest of the backoff wait and try at once (no-op while open or stopped). */
  reconnectNow(): void {
    if (this.stopped || this.state === "open" || this.retryTimer === null) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.attempt = 0;
    this.connect();
  }

  /** Reference-counted: two views on the same symbol keep it subscribed until both leave. */
  subscribe(symbols: string[]): () => void {
    const added = symbols.filter((symbol) => {
      const count = this.symbols.get(symbol) ?? 0;
      this.symbols.set(symbol, count + 1);
      return count === 0;
    });
    if (added.length) this.send({ type: "subscribe", symbols: added });
    return () => {
      const removed = symbols.filter((symbol) => {
        const count = (this.symbols.get(symbol) ?? 1) - 1;
        if (count <= 0) this.symbols.delete(symbol);
        else this.symbols.set(symbol, count);
        return count <= 0;
      });
      if (removed.length) this.send({ type: "unsubscribe", symbols: removed });
    };
  }

  subscribedSymbols(): string[] {
    return [...this.symbols.keys()].sort();
  }

  onMessage(listener: MessageListener): () => void {
    this.messageListeners.add(listener);
    return () => this.messageListeners.delete(listener);
  }

  onState(listener: StateListener): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Called after a connection that replaces a lost one: refetch snapshots here. */
  onReconnect(listener: ReconnectListener): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  /** Sends now if open; otherwise dropped (subscriptions are replayed on open anyway). */
  send(message: object): boolean {
    if (this.socket && this.socket.readyState === OPEN) {
      this.socket.send(JSON.stringify(message));
      return true;
    }
    return false;
  }

  private connect(): void {
    this.setState(this.everOpened ? "reconnecting" : "connecting");
    let socket: SocketLike;
    try {
      socket = this.options.createSocket(this.options.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      const reconnected = this.everOpened;
      this.everOpened = true;
      this.attempt = 0;
      this.lastMessageAt = Date.now();
      this.setState("open");
      const symbols = this.subscribedSymbols();
      if (symbols.length) this.send({ type: "subscribe", symbols });
      this.startPing();
      if (reconnected) this.reconnectListeners.forEach((listener) => listener());
    };
    socket.onmessage = (event) => {
      this.lastMessageAt = Date.now();
      let message: ServerMessage;
      try {
        message = JSON.parse(String(event.data)) as ServerMessage;
      } catch {
        return;
      }
      if (!message || typeof message !== "object" || typeof message.type !== "string") return;
      this.messageListeners.forEach((listener) => listener(message));
    };
    socket.onerror = () => {
      /* onclose follows and schedules the retry */
    };
    socket.onclose = () => {
      if (this.socket === socket) this.socket = null;
      this.stopPing();
      if (!this.stopped) this.scheduleReconnect();
    };
  }

  private scheduleReconnect(): void {
    this.setState("reconnecting");
    const { baseDelayMs, maxDelayMs, jitter, random } = this.options;
    const delay = backoffDelay(this.attempt, baseDelayMs, maxDelayMs, jitter, random);
    this.attempt += 1;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.stopped) this.connect();
    }, delay);
  }

  private startPing(): void {
    this.stopPing();
    this.pingTimer = setInterval(() => {
      if (Date.now() - this.lastMessageAt > this.options.staleAfterMs) {
        // Half-open link: no pong, no close event. Drop it and reconnect.
        const socket = this.socket;
        this.socket = null;
        this.stopPing();
        if (socket) {
          socket.onclose = null;
          socket.close(4000, "stale");
        }
        if (!this.stopped) this.scheduleReconnect();
        return;
      }
      this.send({ type: "ping" });
    }, this.options.pingIntervalMs);
  }

  private stopPing(): void {
    if (this.pingTimer !== null) clearInterval(this.pingTimer);
    this.pingTimer = null;
  }

  private clearTimers(): void {
    this.stopPing();
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private setState(state: ConnectionState): void {
    if (state === this.state) return;
    this.state = state;
    this.stateListeners.forEach((listener) => listener(state));
  }
}

export function tradingSocketUrl(location: { protocol: string; host: string } = window.location): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/ws/trading/`;
}
