import { describe, expect, it } from "vitest";
import type { Decision, Trade } from "../../lib/types";
import {
  applyTick,
  bucketStart,
  joinPages,
  journalMarkers,
  levelReadout,
  mergeMinuteBar,
  previewScalePrices,
  thinMarkers,
  tradeLevels,
  tradeMarkers,
  type Candle,
} from "./candles";

const T0 = 1_736_150_400; // 2025-01-06 08:00:00 UTC, a 4h boundary
/** A candle; without `volume` it is an OHLC expectation for toMatchObject. */
const c = (time: number, open: number, high: number, low: number, close: number, volume?: number): Candle =>
  ({ time, open, high, low, close, ...(volume === undefined ? {} : { volume }) }) as Candle;

describe("bucketStart", () => {
  it("aligns to UTC boundaries like the server's roll-ups", () => {
    expect(bucketStart(T0 + 59, "1m")).toBe(T0);
    expect(bucketStart(T0 + 299, "5m")).toBe(T0);
    expect(bucketStart(T0 + 300, "5m")).toBe(T0 + 300);
    expect(bucketStart(T0 + 3 * 3600 + 59 * 60, "4h")).toBe(T0);
    expect(bucketStart(T0 + 3600, "1d")).toBe(T0 - 8 * 3600);
  });
});

describe("mergeMinuteBar into the forming candle", () => {
  const last = c(T0, 1.1, 1.1005, 1.0995, 1.1002);
  it("widens the 5m candle with a later 1m bar of the same bucket and keeps its open", () => {
    expect(mergeMinuteBar(last, c(T0 + 120, 1.1002, 1.101, 1.1001, 1.1008), "5m")).toMatchObject(
      c(T0, 1.1, 1.101, 1.0995, 1.1008),
    );
  });
  it("replaces the 1m candle with the update of the same minute", () => {
    expect(mergeMinuteBar(c(T0, 1.1, 1.1, 1.1, 1.1), c(T0, 1.1, 1.1003, 1.0999, 1.1001), "1m")).toMatchObject(
      c(T0, 1.1, 1.1003, 1.0999, 1.1001),
    );
  });
  it("opens a new candle at the bucket start when the bar is in the next bucket", () => {
    expect(mergeMinuteBar(last, c(T0 + 360, 1.1003, 1.1004, 1.1, 1.1001), "5m")).toMatchObject(
      c(T0 + 300, 1.1003, 1.1004, 1.1, 1.1001),
    );
  });
  it("ignores a bar older than the last candle (the chart cannot rewrite history)", () => {
    expect(mergeMinuteBar(last, c(T0 - 60, 1, 1, 1, 1), "5m")).toBeNull();
  });
});

describe("applyTick", () => {
  it("moves close, high and low of the forming candle", () => {
    const last = c(T0, 1.1, 1.1005, 1.0995, 1.1002);
    expect(applyTick(last, 1.1011, T0 + 30, "1h")).toMatchObject(c(T0, 1.1, 1.1011, 1.0995, 1.1011));
    expect(applyTick(last, 1.099, T0 + 30, "1h")).toMatchObject(c(T0, 1.1, 1.1005, 1.099, 1.099));
  });
  it("starts a flat candle in a new bucket and ignores stale ticks", () => {
    const last = c(T0, 1.1, 1.1005, 1.0995, 1.1002);
    expect(applyTick(last, 1.1003, T0 + 65, "1m")).toMatchObject(c(T0 + 60, 1.1003, 1.1003, 1.1003, 1.1003));
    expect(applyTick(last, 1.1003, T0 - 1, "1m")).toBeNull();
    expect(applyTick(undefined, 1.2, T0 + 61, "1m")).toMatchObject(c(T0 + 60, 1.2, 1.2, 1.2, 1.2));
  });
});

describe("volume of the forming candle", () => {
  it("counts a repeated update of the same minute once and adds the next minute", () => {
    // The 08:00 5m candle holds 40 ticks of closed minutes; the 08:02 minute is reported at 5, then 9 ticks.
    const hist = c(T0, 1.1, 1.1005, 1.0995, 1.1002, 40);
    const first = mergeMinuteBar(hist, c(T0 + 120, 1.1002, 1.1004, 1.1001, 1.1003, 5), "5m");
    expect(first?.volume).toBe(45);
    const again = mergeMinuteBar(first ?? undefined, c(T0 + 120, 1.1002, 1.1006, 1.1001, 1.1005, 9), "5m");
    expect(again?.volume).toBe(49); // 40 + 9, not 40 + 5 + 9
    const next = mergeMinuteBar(again ?? undefined, c(T0 + 180, 1.1005, 1.1006, 1.1004, 1.1004, 3), "5m");
    expect(next?.volume).toBe(52); // 49 + 3
  });
  it("adds a tick per quote and lets the minute's own update replace the ticks counted for it", () => {
    const hist = c(T0, 1.1, 1.1005, 1.0995, 1.1002, 40);
    const t1 = applyTick(hist, 1.1003, T0 + 130, "5m");
    const t2 = applyTick(t1 ?? undefined, 1.1004, T0 + 131, "5m");
    expect([t1?.volume, t2?.volume, t2?.minuteVolume]).toEqual([41, 42, 2]);
    // The server counted 6 quotes in the 08:02 minute: 40 + 6.
    expect(mergeMinuteBar(t2 ?? undefined, c(T0 + 120, 1.1002, 1.1004, 1.1001, 1.1004, 6), "5m")?.volume).toBe(46);
  });
  it("starts a new candle's volume with its first tick", () => {
    expect(applyTick(c(T0, 1, 1, 1, 1, 40), 1.2, T0 + 301, "5m")?.volume).toBe(1);
  });
});

describe("joinPages", () => {
  const bar = (time: number, close: string) => ({ time, open: close, high: close, low: close, close, volume: "2" });
  it("puts older pages first and keeps a bar present on two pages once, from the newer page", () => {
    const newest = [bar(T0 + 120, "1.3"), bar(T0 + 180, "1.4")];
    const older = [bar(T0, "1.1"), bar(T0 + 60, "1.2"), bar(T0 + 120, "9.9")];
    const joined = joinPages([newest, older]);
    expect(joined.map((x) => [x.time - T0, x.close, x.volume])).toEqual([
      [0, 1.1, 2],
      [60, 1.2, 2],
      [120, 1.3, 2],
      [180, 1.4, 2],
    ]);
  });
  it("is empty without pages", () => {
    expect(joinPages([])).toEqual([]);
  });
});

describe("weekly buckets", () => {
  it("open on Monday 00:00 UTC as the server's", () => {
    // T0 is Monday 2025-01-06 08:00 UTC: its week opened that Monday at 00:00; Sunday 12th is the same week.
    expect(bucketStart(T0, "1w")).toBe(T0 - 8 * 3600);
    expect(bucketStart(T0 + 6 * 86_400 + 15 * 3600, "1w")).toBe(T0 - 8 * 3600);
    expect(bucketStart(T0 + 7 * 86_400 - 8 * 3600, "1w")).toBe(T0 - 8 * 3600 + 7 * 86_400);
  });
});

function trade(overrides: Partial<Trade>): Trade {
  return {
    id: 1,
    account: 1,
    symbol: "EURUSD",
    pair: "EURUSD",
    order_type: "buy",
    side: "buy",
    entry_type: "market",
    status: "open",
    lot_size: "0.10",
    original_lot_size: "0.10",
    price: null,
    limit_price: null,
    time_in_force: "GTC",
    expire_at: null,
    oco_with: null,
    client_order_id: null,
    requested_price: null,
    entry_price: "1.10010",
    stop_loss: "1.09800",
    take_profit_1: "1.10300",
    take_profit_2: null,
    take_profit_3: null,
    tp_levels_hit: 0,
    breakeven_after_tp1: false,
    trailing_stop_pips: null,
    trailing_stop_price: null,
    entry_time: new Date(T0 * 1000 + 90_000).toISOString(),
    exit_time: null,
    exit_price: null,
    exit_reason: null,
    pips_gained: "0.0",
    profit_loss: "0.00",
    realized_pnl: "0.00",
    commission: "0.00",
    swap: "0.00",
    risk_reward_ratio: null,
    r_multiple: null,
    signal_id: null,
    signal_type: null,
    signal_source: null,
    notes: "",
    created_at: new Date(T0 * 1000).toISOString(),
    fills: [],
    ...overrides,
  };
}

describe("trade levels and markers", () => {
  it("draws entry (fixed), SL and each TP (draggable) for open trades of this symbol only", () => {
    const levels = tradeLevels(
      [
        trade({ id: 7, take_profit_2: "1.10500" }),
        trade({ id: 8, symbol: "GBPUSD" }),
        trade({ id: 9, status: "closed" }),
      ],
      "EURUSD",
    );
    expect(levels.map((l) => [l.key, l.price, l.draggable])).toEqual([
      ["7:entry", 1.1001, false],
      ["7:stop_loss", 1.098, true],
      ["7:take_profit_1", 1.103, true],
      ["7:take_profit_2", 1.105, true],
    ]);
  });
  it("a pending order's entry line is its order price", () => {
    const [entry] = tradeLevels([trade({ status: "pending", entry_price: null, price: "1.09500" })], "EURUSD");
    expect(entry).toMatchObject({ kind: "entry", price: 1.095 });
  });
  it("marks entries and each exit fill at their candle, sorted by time", () => {
    const closed = trade({
      id: 3,
      order_type: "sell",
      status: "closed",
      fills: [
        { id: 1, kind: "entry", side: "sell", lot_size: "0.10", price: "1.1", time: new Date(T0 * 1000 + 90_000).toISOString(), reason: "entry", pnl: "0", pips: "0", commission: "0" },
        { id: 2, kind: "exit", side: "buy", lot_size: "0.05", price: "1.099", time: new Date(T0 * 1000 + 400_000).toISOString(), reason: "tp1_hit", pnl: "5", pips: "10", commission: "0" },
      ],
    });
    const markers = tradeMarkers([closed, trade({ id: 4, status: "cancelled" })], "EURUSD", "5m");
    expect(markers.map((m) => [m.time, m.shape, m.position, m.text])).toEqual([
      [T0, "arrowDown", "aboveBar", "#3 Sell 0.10"],
      [T0 + 300, "circle", "belowBar", "#3 TP1"],
    ]);
  });
});

describe("previewScalePrices", () => {
  it("keeps preview levels within 2 % of the last close in the price scale", () => {
    // 2 % of 1.10000 = 0.02200: 1.07810 and 1.12190 are inside; 1.07790 and a half-typed 1 are not.
    expect(previewScalePrices([1.098, 1.0781, 1.1219, 1, 1.0779], 1.1)).toEqual([1.098, 1.0781, 1.1219]);
    // XAUUSD at 2000.00: 40.00 either side.
    expect(previewScalePrices([1960, 1959.9, 2040], 2000)).toEqual([1960, 2040]);
  });
  it("keeps none before there is a candle", () => {
    expect(previewScalePrices([1.098], undefined)).toEqual([]);
  });
});

describe("journal markers", () => {
  const decision = (over: Partial<Decision>): Decision =>
    ({
      id: 1,
      time: new Date(T0 * 1000 + 90_000).toISOString(),
      account: 1,
      signal: 5,
      source: "tv",
      symbol: "EURUSD",
      inputs: {},
      checks: [],
      outcome: "rejected",
      reason_code: "invalid_sl_geometry",
      message: "",
      sizing: {},
      trade: null,
      previous_hash: "",
      hash: "",
      ...over,
    }) as Decision;
  it("marks signals that did not trade at their candle, not executed ones nor other symbols", () => {
    const markers = journalMarkers(
      [
        decision({ id: 2, time: new Date(T0 * 1000 + 400_000).toISOString(), outcome: "alerted", reason_code: "" }),
        decision({ id: 1 }),
        decision({ id: 3, outcome: "executed", reason_code: "" }),
        decision({ id: 4, symbol: "GBPUSD" }),
      ],
      "EURUSD",
      "5m",
    );
    expect(markers.map((m) => [m.id, m.time, m.shape, m.text])).toEqual([
      ["j1", T0, "square", "INVALID_SL_GEOMETRY"],
      ["j2", T0 + 300, "square", "ALERT"],
    ]);
  });
});

describe("levelReadout", () => {
  const eurusd = { pip_size: "0.0001", contract_size: "100000" };
  const level = { label: "#26 SL", entry: 1.1001, direction: 1 as const, lots: 0.1 };
  it("gives pips and money from the entry, signed for the trader", () => {
    // Buy 0.10 from 1.10010, SL 1.09690: −32.0 pips × 1.00 USD per pip = −32.00 USD.
    expect(levelReadout(level, 1.0969, eurusd, 1, "USD")).toBe("#26 SL −32.0 pips / −32.00 USD");
    // A sell's TP below the entry is a gain.
    const sell = { label: "#27 TP1", entry: 1.1, direction: -1 as const, lots: 0.5 };
    expect(levelReadout(sell, 1.099, eurusd, 1, "USD")).toBe("#27 TP1 +10.0 pips / +50.00 USD");
  });
  it("converts the money at the rate, and gives pips alone without one", () => {
    // USDJPY buy 1 lot 150.000 → 149.500: −50.0 pips, −50,000 JPY ÷ 149.5 = −334.45 USD.
    const usdjpy = { pip_size: "0.01", contract_size: "100000" };
    const jpy = { label: "#5 SL", entry: 150, direction: 1 as const, lots: 1 };
    expect(levelReadout(jpy, 149.5, usdjpy, 1 / 149.5, "USD")).toBe("#5 SL −50.0 pips / −334.45 USD");
    expect(levelReadout(jpy, 149.5, usdjpy, null, "USD")).toBe("#5 SL −50.0 pips");
  });
});

describe("thinMarkers", () => {
  const m = (id: string, time: number, position: "aboveBar" | "belowBar" = "aboveBar") => ({
    id,
    time,
    position,
    shape: "circle" as const,
    color: "#fff",
    text: `#${id}`,
  });
  it("merges markers of one bar and side and drops labels crowding the last one", () => {
    const out = thinMarkers(
      [m("1", T0), m("2", T0), m("3", T0 + 60), m("4", T0 + 60, "belowBar"), m("5", T0 + 300)],
      "1m",
      4,
    );
    expect(out.map((x) => [x.time - T0, x.position, x.text])).toEqual([
      [0, "aboveBar", "#1 +1"], // two on one bar: one marker, counting the other
      [60, "aboveBar", ""], // one bar later on the same side: no label
      [60, "belowBar", "#4"], // the other side has room
      [300, "aboveBar", "#5"], // five bars on: labelled again
    ]);
  });
});
