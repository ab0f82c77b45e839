/** Candles for the chart: history from price/ohlc/, the forming candle from live bars and ticks. */
import { reasonWords } from "../../lib/announcements";
import type { Bar, Decision, Trade } from "../../lib/types";

export const INTERVALS = ["1m", "5m", "15m", "30m", "1h", "4h", "1d", "1w"] as const;
export type Interval = (typeof INTERVALS)[number];

export const INTERVAL_SECONDS: Record<Interval, number> = {
  "1m": 60,
  "5m": 300,
  "15m": 900,
  "30m": 1800,
  "1h": 3600,
  "4h": 14_400,
  "1d": 86_400,
  "1w": 604_800,
};
/** Weekly bars open on Monday 00:00 UTC, as the server's (1970-01-05 is a Monday). */
const MONDAY_EPOCH = 4 * 86_400;

export interface Candle {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  /** Tick volume (docs/market-data.md): quotes counted into the bar. */
  volume: number;
  /** The live minute inside a forming candle and its volume so far: a repeated 1m `bar_update` replaces it. */
  minute?: number;
  minuteVolume?: number;
}

export function toCandle(bar: Bar): Candle {
  return {
    time: bar.time,
    open: Number(bar.open),
    high: Number(bar.high),
    low: Number(bar.low),
    close: Number(bar.close),
    volume: Number(bar.volume),
  };
}

/** Open time of the bucket holding `time` (UTC-aligned like the server's roll-ups; weeks on Monday). */
export function bucketStart(time: number, interval: Interval): number {
  const step = INTERVAL_SECONDS[interval];
  const origin = interval === "1w" ? MONDAY_EPOCH : 0;
  return Math.floor((time - origin) / step) * step + origin;
}

/**
 * History pages of price/ohlc/ (newest page first, each oldest bar first) as one series, oldest
 * first; a bar present twice (a page fetched again while the market moved) is kept once, the newer page's.
 */
export function joinPages(pages: Bar[][]): Candle[] {
  const out: Candle[] = [];
  let oldest = Infinity;
  for (const page of pages) {
    const older = page.filter((bar) => bar.time < oldest).map(toCandle);
    const first = older[0];
    if (first) oldest = first.time;
    out.unshift(...older);
  }
  return out;
}

/**
 * The chart candle after a 1m bar update. Same bucket: widen high/low and take the close (the
 * 1m bar's own open is not the bucket's open unless it starts the bucket); the volume counts the
 * minute once however often its update comes. Later bucket: a new candle. Earlier bucket:
 * ignored (returns null) since lightweight-charts cannot rewrite history.
 */
export function mergeMinuteBar(last: Candle | undefined, bar: Candle, interval: Interval): Candle | null {
  const start = bucketStart(bar.time, interval);
  const minute = { minute: bar.time, minuteVolume: bar.volume };
  if (!last || start > last.time) {
    return { time: start, open: bar.open, high: bar.high, low: bar.low, close: bar.close, volume: bar.volume, ...minute };
  }
  if (start < last.time) return null;
  if (interval === "1m") return { ...bar, time: start, ...minute };
  const before = last.minute === bar.time ? last.volume - (last.minuteVolume ?? 0) : last.volume;
  return {
    time: start,
    open: last.open,
    high: Math.max(last.high, bar.high),
    low: Math.min(last.low, bar.low),
    close: bar.close,
    volume: before + bar.volume,
    ...minute,
  };
}

/** The chart candle after one tick at `price` (bid: bars are built from bids); `ticks` (1) is its volume. */
export function applyTick(
  last: Candle | undefined,
  price: number,
  time: number,
  interval: Interval,
  ticks = 1,
): Candle | null {
  const start = bucketStart(time, interval);
  const minute = bucketStart(time, "1m");
  if (!last || start > last.time) {
    return { time: start, open: price, high: price, low: price, close: price, volume: ticks, minute, minuteVolume: ticks };
  }
  if (start < last.time) return null;
  const sameMinute = last.minute === minute;
  return {
    time: start,
    open: last.open,
    high: Math.max(last.high, price),
    low: Math.min(last.low, price),
    close: price,
    volume: last.volume + ticks,
    minute,
    minuteVolume: (sameMinute ? (last.minuteVolume ?? 0) : 0) + ticks,
  };
}

/** What lightweight-charts draws of a candle: OHLC, and its volume as a histogram bar in the candle's colour. */
export function seriesPoints(candle: Candle, upColor: string, downColor: string) {
  const { time, open, high, low, close, volume } = candle;
  return {
    candle: { time, open, high, low, close },
    volume: { time, value: volume, color: close >= open ? upColor : downColor },
  };
}

export interface TradeMarker {
  time: number;
  position: "belowBar" | "aboveBar";
  shape: "arrowUp" | "arrowDown" | "circle" | "square";
  color: string;
  text: string;
  id: string;
  /** lightweight-charts' marker size (1 is its default); ours are smaller so candles stay readable. */
  size?: number;
}

export const MARKER_SIZE = 0.7;

const BUY = "#26a69a";
const SELL = "#ef5350";
const EXIT = "#d1d4dc";

/**
 * Entry and exit markers of the user's trades on this symbol, at the candle holding each fill,
 * sorted by time as lightweight-charts requires.
 */
export function tradeMarkers(trades: Trade[], symbol: string, interval: Interval): TradeMarker[] {
  const markers: TradeMarker[] = [];
  for (const trade of trades) {
    if (trade.symbol !== symbol || trade.status === "cancelled" || trade.status === "pending") continue;
    const buy = trade.order_type === "buy";
    if (trade.entry_time) {
      markers.push({
        id: `e${trade.id}`,
        time: bucketStart(Math.floor(Date.parse(trade.entry_time) / 1000), interval),
        position: buy ? "belowBar" : "aboveBar",
        shape: buy ? "arrowUp" : "arrowDown",
        color: buy ? BUY : SELL,
        text: `#${trade.id} ${buy ? "Buy" : "Sell"} ${trade.original_lot_size}`,
        size: MARKER_SIZE,
      });
    }
    const exits = (trade.fills ?? []).filter((fill) => fill.kind !== "entry");
    const exitTimes = exits.length ? exits.map((f) => ({ time: f.time, reason: f.reason })) : [];
    if (!exits.length && trade.exit_time) exitTimes.push({ time: trade.exit_time, reason: trade.exit_reason ?? "exit" });
    for (const [i, exit] of exitTimes.entries()) {
      markers.push({
        id: `x${trade.id}-${i}`,
        time: bucketStart(Math.floor(Date.parse(exit.time) / 1000), interval),
        position: buy ? "aboveBar" : "belowBar",
        shape: "circle",
        color: EXIT,
        text: `#${trade.id} ${shortReason(exit.reason)}`,
        size: MARKER_SIZE,
      });
    }
  }
  return markers.sort((a, b) => a.time - b.time);
}

/** A reason short enough for a marker: "TP1", "SL", "Trailing", "Closed". */
function shortReason(code: string): string {
  const short: Record<string, string> = { sl_hit: "SL", tp1_hit: "TP1", tp2_hit: "TP2", tp3_hit: "TP3", trailing_stop: "Trailing", stop_out: "Stop-out" };
  return short[code] ?? reasonWords(code);
}

/**
 * Markers that would sit on each other lose their labels: on one side of the bars, a label is
 * kept only where the last labelled marker is at least `gapBars` bars away; markers of the
 * same bar and side become one, its label counting the rest ("#26 TP1 +2"). Ids are kept in
 * `ids` (every marker's, for the e2e's list).
 */
export function thinMarkers(markers: TradeMarker[], interval: Interval, gapBars = 4): TradeMarker[] {
  const step = INTERVAL_SECONDS[interval];
  const sorted = [...markers].sort((a, b) => a.time - b.time);
  const merged: (TradeMarker & { count: number })[] = [];
  for (const marker of sorted) {
    const same = merged.find((m) => m.time === marker.time && m.position === marker.position);
    if (same) same.count += 1;
    else merged.push({ ...marker, count: 1 });
  }
  const lastLabel: Partial<Record<TradeMarker["position"], number>> = {};
  return merged.map(({ count, ...marker }) => {
    const last = lastLabel[marker.position];
    const crowded = last !== undefined && marker.time - last < gapBars * step;
    if (!crowded) lastLabel[marker.position] = marker.time;
    const text = crowded ? "" : count > 1 ? `${marker.text} +${count - 1}` : marker.text;
    return { ...marker, text };
  });
}

const JOURNAL: Record<string, string> = { alerted: "#f0b90b", rejected: "#ef5350", skipped: "#787b86" };

/**
 * Journal markers: the signals decided on this symbol that did not become a trade (alerted,
 * rejected, skipped), at the candle of the decision; an executed one is the trade's own marker.
 */
export function journalMarkers(decisions: Decision[], symbol: string, interval: Interval): TradeMarker[] {
  return decisions
    .filter((d) => d.symbol === symbol && d.outcome !== "executed" && d.signal !== null)
    .map((d) => ({
      id: `j${d.id}`,
      time: bucketStart(Math.floor(Date.parse(d.time) / 1000), interval),
      position: "aboveBar" as const,
      shape: "square" as const,
      color: JOURNAL[d.outcome] ?? EXIT,
      text: d.outcome === "alerted" ? "ALERT" : (d.reason_code || d.outcome).toUpperCase(),
      size: MARKER_SIZE,
    }))
    .sort((a, b) => a.time - b.time);
}

export type LevelKind = "entry" | "stop_loss" | "take_profit_1" | "take_profit_2" | "take_profit_3";

export interface TradeLevel {
  key: string;
  tradeId: number;
  kind: LevelKind;
  price: number;
  draggable: boolean;
  label: string;
  /** The trade's entry (or pending price), its direction and open lots: the readout's terms. */
  entry: number;
  direction: 1 | -1;
  lots: number;
}

const LEVEL_LABEL: Record<LevelKind, string> = {
  entry: "Entry",
  stop_loss: "SL",
  take_profit_1: "TP1",
  take_profit_2: "TP2",
  take_profit_3: "TP3",
};

/** Price lines of the open trades on `symbol`: entry (fixed), SL and TP1–3 (draggable). */
export function tradeLevels(trades: Trade[], symbol: string): TradeLevel[] {
  const out: TradeLevel[] = [];
  for (const trade of trades) {
    if (trade.symbol !== symbol || (trade.status !== "open" && trade.status !== "pending")) continue;
    const entry = Number(trade.entry_price ?? trade.price);
    const direction = trade.order_type === "buy" ? 1 : -1;
    const kinds: LevelKind[] = ["entry", "stop_loss", "take_profit_1", "take_profit_2", "take_profit_3"];
    for (const kind of kinds) {
      const raw = kind === "entry" ? (trade.entry_price ?? trade.price) : trade[kind];
      if (raw === null || raw === undefined) continue;
      out.push({
        key: `${trade.id}:${kind}`,
        tradeId: trade.id,
        kind,
        price: Number(raw),
        draggable: kind !== "entry",
        label: `#${trade.id} ${LEVEL_LABEL[kind]}`,
        entry,
        direction,
        lots: Number(trade.lot_size),
      });
    }
  }
  return out;
}

/** Preview levels further than this fraction of the price from the market do not stretch the scale. */
export const PREVIEW_SCALE_BAND = 0.02;

/**
 * The ticket's preview prices the price scale keeps in view: those within `band` (a fraction of
 * the price) of `reference`, the last close. Every preview line is drawn; a far one (a half-typed
 * "1" on the way to "1.09800", say) just does not squash the candles while the trader types.
 */
export function previewScalePrices(prices: number[], reference: number | undefined, band = PREVIEW_SCALE_BAND): number[] {
  if (reference === undefined || !(reference > 0)) return [];
  return prices.filter((p) => Math.abs(p - reference) <= reference * band);
}

/**
 * What a level is worth from the entry: "#26 SL −32.0 pips / −16.00 USD" (money at the
 * quote-to-account `rate`; without one, pips only). Shown on the line and its handle, live
 * while dragging.
 */
export function levelReadout(
  level: Pick<TradeLevel, "label" | "entry" | "direction" | "lots">,
  price: number,
  instrument: { pip_size: string; contract_size: string },
  rate: number | null,
  currency: string,
): string {
  const distance = (price - level.entry) * level.direction;
  const pips = distance / Number(instrument.pip_size);
  const sign = (v: number) => (v > 0 ? "+" : v < 0 ? "−" : "");
  const text = `${level.label} ${sign(pips)}${Math.abs(pips).toFixed(1)} pips`;
  if (rate === null || !Number.isFinite(level.entry)) return text;
  const money = Math.round(distance * level.lots * Number(instrument.contract_size) * rate * 100) / 100;
  return `${text} / ${sign(money)}${Math.abs(money).toFixed(2)} ${currency}`;
}
