/** Query keys of the chart feature (its markers are trades: lib/query-keys.ts, tradeKeys.markers). */
import type { Interval } from "./candles";

export const symbolKeys = {
  all: ["symbols"] as const,
};

export const ohlcKeys = {
  all: ["ohlc"] as const,
  bars: (symbol: string, interval: Interval, limit: number) => [...ohlcKeys.all, symbol, interval, limit] as const,
};
