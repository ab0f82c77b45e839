/**
 * Latest quote per symbol, outside React state: ticks arrive up to 10/s per symbol and only the
 * components that show a symbol re-render (useSyncExternalStore), the chart none at all.
 */
import { useCallback, useSyncExternalStore } from "react";
import type { Quote } from "./types";

type Listener = () => void;

/** Big components (ticket, account bar) follow ticks this often: readable, cheap at any tick rate. */
export const UI_REFRESH_MS = 200;

export class QuoteStore {
  private readonly quotes = new Map<string, Quote>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly anyListeners = new Set<(quote: Quote) => void>();
  private readonly seq = new Map<string, number>();

  get(symbol: string): Quote | undefined {
    return this.quotes.get(symbol);
  }

  /** Mid prices of every known symbol, for currency conversion. */
  mids(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [symbol, q] of this.quotes) out[symbol] = (Number(q.bid) + Number(q.ask)) / 2;
    return out;
  }

  set(quote: Quote): void {
    const previous = this.quotes.get(quote.symbol);
    // A REST snapshot must not overwrite a newer streamed tick.
    if (previous && Date.parse(previous.time) > Date.parse(quote.time)) return;
    this.quotes.set(quote.symbol, quote);
    this.seq.set(quote.symbol, (this.seq.get(quote.symbol) ?? 0) + 1);
    this.listeners.get(quote.symbol)?.forEach((listener) => listener());
    this.anyListeners.forEach((listener) => listener(quote));
  }

  /** Increments on every accepted quote of `symbol`: a cheap change marker for React. */
  sequence(symbol: string): number {
    return this.seq.get(symbol) ?? 0;
  }

  subscribe(symbol: string, listener: Listener): () => void {
    let set = this.listeners.get(symbol);
    if (!set) {
      set = new Set();
      this.listeners.set(symbol, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  onAny(listener: (quote: Quote) => void): () => void {
    this.anyListeners.add(listener);
    return () => this.anyListeners.delete(listener);
  }

  clear(): void {
    this.quotes.clear();
  }
}

export const quoteStore = new QuoteStore();

export function useQuote(symbol: string, store: QuoteStore = quoteStore): Quote | undefined {
  return useSyncExternalStore(
    (listener) => store.subscribe(symbol, listener),
    () => store.get(symbol),
  );
}

/**
 * Calls `listener` at most once per `ms` (trailing: the last change is never lost). Big
 * components (the ticket, the account bar) follow ticks a few times a second, not at tick rate.
 */
export function throttled(listener: () => void, ms: number): { call: () => void; cancel: () => void } {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let last = -Infinity;
  const run = () => {
    timer = null;
    last = Date.now();
    listener();
  };
  return {
    call: () => {
      if (timer !== null) return;
      const wait = last + ms - Date.now();
      if (wait <= 0) run();
      else timer = setTimeout(run, wait);
    },
    cancel: () => {
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },
  };
}

/**
 * Re-renders when any of `symbols` ticks (at most once per `throttleMs` when given); returns
 * their quotes keyed by symbol.
 */
export function useQuotes(
  symbols: string[],
  { store = quoteStore, throttleMs = 0 }: { store?: QuoteStore; throttleMs?: number } = {},
): Record<string, Quote | undefined> {
  const key = [...new Set(symbols)].sort().join(",");
  const subscribe = useCallback(
    (listener: () => void) => {
      const notify = throttleMs > 0 ? throttled(listener, throttleMs) : { call: listener, cancel: () => {} };
      const offs = key ? key.split(",").map((s) => store.subscribe(s, notify.call)) : [];
      return () => {
        offs.forEach((off) => off());
        notify.cancel();
      };
    },
    [key, store, throttleMs],
  );
  const snapshot = useSyncExternalStore(subscribe, () => key.split(",").map((s) => store.sequence(s)).join("|"));
  void snapshot;
  const out: Record<string, Quote | undefined> = {};
  for (const symbol of key ? key.split(",") : []) out[symbol] = store.get(symbol);
  return out;
}
