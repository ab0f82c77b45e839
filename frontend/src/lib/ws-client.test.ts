import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { backoffDelay, WsClient, type ConnectionState, type SocketLike } from "./ws-client";

/** An in-memory socket the test drives: open, receive, drop. */
class FakeSocket implements SocketLike {
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: unknown[] = [];
  closed: { code?: number } | null = null;
  onopen: ((ev: unknown) => void) | null = null;
  onclose: ((ev: { code: number }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;

  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close(code?: number) {
    this.readyState = 3;
    this.closed = { code };
  }
  serverOpen() {
    this.readyState = 1;
    this.onopen?.({});
  }
  serverSend(message: unknown) {
    this.onmessage?.({ data: typeof message === "string" ? message : JSON.stringify(message) });
  }
  serverDrop(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code });
  }
}

const latest = () => FakeSocket.all[FakeSocket.all.length - 1]!;

function makeClient(overrides = {}) {
  return new WsClient({
    url: "ws://test/ws/trading/",
    createSocket: (url) => new FakeSocket(url),
    baseDelayMs: 500,
    maxDelayMs: 4000,
    jitter: 0,
    pingIntervalMs: 20_000,
    staleAfterMs: 50_000,
    ...overrides,
  });
}

/** A client started, with its first socket opened by the server. */
function openClient() {
  const client = makeClient();
  client.start();
  latest().serverOpen();
  return client;
}

beforeEach(() => {
  FakeSocket.all = [];
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("backoffDelay", () => {
  it("doubles per attempt up to the cap", () => {
    const delays = [0, 1, 2, 3, 4, 5].map((a) => backoffDelay(a, 500, 4000, 0, () => 0.5));
    expect(delays).toEqual([500, 1000, 2000, 4000, 4000, 4000]);
  });
  it("jitter randomises only its share of the delay", () => {
    expect(backoffDelay(2, 500, 15000, 0.3, () => 0)).toBe(1400);
    expect(backoffDelay(2, 500, 15000, 0.3, () => 1)).toBe(2000);
  });
});

describe("WsClient", () => {
  it("subscribes on open to symbols asked for before the socket was open", () => {
    const client = makeClient();
    client.subscribe(["EURUSD", "XAUUSD"]);
    client.start();
    expect(client.state).toBe("connecting");
    expect(latest().sent).toEqual([]);
    latest().serverOpen();
    expect(client.state).toBe("open");
    expect(latest().sent).toEqual([{ type: "subscribe", symbols: ["EURUSD", "XAUUSD"] }]);
  });

  it("reconnects with growing backoff and resubscribes every symbol after a drop", () => {
    const client = makeClient();
    const states: ConnectionState[] = [];
    client.onState((s) => states.push(s));
    const reconnects = vi.fn();
    client.onReconnect(reconnects);
    client.start();
    latest().serverOpen();
    client.subscribe(["EURUSD"]);
    client.subscribe(["USDJPY"]);
    expect(latest().sent).toEqual([
      { type: "subscribe", symbols: ["EURUSD"] },
      { type: "subscribe", symbols: ["USDJPY"] },
    ]);

    latest().serverDrop();
    expect(client.state).toBe("reconnecting");
    vi.advanceTimersByTime(499);
    expect(FakeSocket.all).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.all).toHaveLength(2);
    // The server refuses again: the next wait doubles.
    latest().serverDrop();
    vi.advanceTimersByTime(999);
    expect(FakeSocket.all).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.all).toHaveLength(3);
    expect(reconnects).not.toHaveBeenCalled();

    latest().serverOpen();
    expect(latest().sent).toEqual([{ type: "subscribe", symbols: ["EURUSD", "USDJPY"] }]);
    expect(reconnects).toHaveBeenCalledTimes(1);
    expect(states).toEqual(["connecting", "open", "reconnecting", "open"]);

    // A successful connection resets the backoff.
    latest().serverDrop();
    vi.advanceTimersByTime(500);
    expect(FakeSocket.all).toHaveLength(4);
  });

  it("reconnects at once on reconnectNow() instead of waiting out the backoff", () => {
    const client = openClient();
    latest().serverDrop();
    expect(client.state).toBe("reconnecting"); // the first retry is 500 ms away
    client.reconnectNow();
    expect(FakeSocket.all).toHaveLength(2);
    vi.advanceTimersByTime(500); // the cancelled timer does not open a third
    expect(FakeSocket.all).toHaveLength(2);
    latest().serverOpen();
    expect(client.state).toBe("open");
    client.reconnectNow(); // while open: nothing
    expect(FakeSocket.all).toHaveLength(2);
  });

  it("reference-counts subscriptions and unsubscribes only when the last user leaves", () => {
    const client = openClient();
    const offA = client.subscribe(["EURUSD"]);
    const offB = client.subscribe(["EURUSD", "GBPUSD"]);
    offA();
    expect(client.subscribedSymbols()).toEqual(["EURUSD", "GBPUSD"]);
    offB();
    expect(client.subscribedSymbols()).toEqual([]);
    expect(latest().sent).toEqual([
      { type: "subscribe", symbols: ["EURUSD"] },
      { type: "subscribe", symbols: ["GBPUSD"] },
      { type: "unsubscribe", symbols: ["EURUSD", "GBPUSD"] },
    ]);
    // Nothing left to resubscribe after a drop.
    latest().serverDrop();
    vi.advanceTimersByTime(500);
    latest().serverOpen();
    expect(latest().sent).toEqual([]);
  });

  it("delivers parsed messages and ignores what is not a typed JSON object", () => {
    const client = openClient();
    const seen: unknown[] = [];
    client.onMessage((m) => seen.push(m));
    latest().serverSend({ type: "price_update", symbol: "EURUSD", bid: "1.10000", ask: "1.10010" });
    latest().serverSend("not json");
    latest().serverSend({ no: "type" });
    latest().serverSend("null");
    expect(seen).toEqual([{ type: "price_update", symbol: "EURUSD", bid: "1.10000", ask: "1.10010" }]);
  });

  it("pings while open and drops a link that stopped answering", () => {
    const client = openClient();
    const first = latest();
    vi.advanceTimersByTime(20_000);
    expect(first.sent).toEqual([{ type: "ping" }]);
    first.serverSend({ type: "pong", timestamp: "now" });
    vi.advanceTimersByTime(20_000);
    expect(first.sent).toHaveLength(2);
    // No answer for more than 50 s: closed by the client, reconnect scheduled.
    vi.advanceTimersByTime(40_000);
    expect(first.closed).toEqual({ code: 4000 });
    expect(client.state).toBe("reconnecting");
    vi.advanceTimersByTime(500);
    expect(FakeSocket.all).toHaveLength(2);
  });

  it("stop() closes the socket and never reconnects", () => {
    const client = openClient();
    client.stop();
    expect(latest().closed).toEqual({ code: 1000 });
    expect(client.state).toBe("closed");
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.all).toHaveLength(1);
    expect(client.send({ type: "ping" })).toBe(false);
  });

  it("retries when the socket cannot even be constructed", () => {
    let fail = true;
    const client = makeClient({
      createSocket: (url: string) => {
        if (fail) throw new Error("bad url");
        return new FakeSocket(url);
      },
    });
    client.start();
    expect(client.state).toBe("reconnecting");
    fail = false;
    vi.advanceTimersByTime(500);
    expect(FakeSocket.all).toHaveLength(1);
  });
});
