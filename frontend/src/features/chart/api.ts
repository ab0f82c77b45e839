import { useQuery } from "@tanstack/react-query";
import { api, API } from "../../lib/api-client";
import type { Instrument, OhlcResponse, Page, Trade } from "../../lib/types";
import type { Interval } from "./candles";

export function useSymbols() {
  return useQuery({
    queryKey: ["symbols"],
    queryFn: () => api.get<Page<Instrument>>(`${API}/symbols/`, { page_size: 500 }),
    staleTime: Infinity,
    select: (page) => page.results,
  });
}

export const ohlcKey = (symbol: string, interval: Interval, limit: number) => ["ohlc", symbol, interval, limit] as const;

export function useOhlc(symbol: string, interval: Interval, limit: number) {
  return useQuery({
    queryKey: ohlcKey(symbol, interval, limit),
    queryFn: ({ signal }) => api.get<OhlcResponse>(`${API}/price/ohlc/`, { symbol, interval, limit }, signal),
    // The chart keeps the forming candle current from events; history is refetched on reconnect.
    staleTime: Infinity,
  });
}

/** This account's trades on `symbol` (any status, newest first) for the chart's markers. */
export function useSymbolTrades(account: number | undefined, symbol: string) {
  return useQuery({
    queryKey: ["trades", "markers", account ?? 0, symbol],
    enabled: account !== undefined,
    placeholderData: (previous) => previous,
    queryFn: () => api.get<Page<Trade>>(`${API}/trades/`, { account, symbol, page_size: 200, ordering: "-id" }),
    select: (page) => page.results,
  });
}
