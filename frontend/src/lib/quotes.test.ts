import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { QuoteStore, throttled } from "./quotes";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const q = (symbol: string, bid: string, time: string) => ({ symbol, bid, ask: bid, mid: bid, time, source: "manual" });

describe("QuoteStore", () => {
  it("notifies only the listeners of the symbol that ticked", () => {
    const store = new QuoteStore();
    const eur = vi.fn();
    const gbp = vi.fn();
    store.subscribe("EURUSD", eur);
    store.subscribe("GBPUSD", gbp);
    store.set(q("EURUSD", "1.1", "2026-01-01T00:00:00Z"));
    expect(eur).toHaveBeenCalledTimes(1);
    expect(gbp).not.toHaveBeenCalled();
    expect(store.sequence("EURUSD")).toBe(1);
  });
  it("keeps the newest quote and gives mids for conversion", () => {
    const store = new QuoteStore();
    store.set({ ...q("GBPUSD", "1.25", "2026-01-01T00:00:02Z"), ask: "1.2502" });
    store.set(q("GBPUSD", "1.0", "2026-01-01T00:00:01Z"));
    expect(store.get("GBPUSD")?.bid).toBe("1.25");
    expect(store.mids().GBPUSD).toBeCloseTo(1.2501, 12);
  });
});

describe("throttled", () => {
  it("runs at once, then at most once per interval, and never loses the last change", () => {
    const fn = vi.fn();
    const t = throttled(fn, 200);
    t.call();
    expect(fn).toHaveBeenCalledTimes(1);
    t.call();
    t.call();
    expect(fn).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(199);
    expect(fn).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1);
    expect(fn).toHaveBeenCalledTimes(2);
    vi.advanceTimersByTime(1000);
    expect(fn).toHaveBeenCalledTimes(2);
  });
  it("cancel drops a pending call", () => {
    const fn = vi.fn();
    const t = throttled(fn, 200);
    t.call();
    t.call();
    t.cancel();
    vi.advanceTimersByTime(500);
    expect(fn).toHaveBeenCalledTimes(1);
  });
});
