import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { api, API, CURRENT_PERIOD } from "../../lib/api-client";
import { journalKeys, tradeKeys } from "../../lib/query-keys";
import type { Decision, Instrument, OhlcResponse, Page, Trade } from "../../lib/types";
import type { Interval } from "./candles";
import { ohlcKeys, symbolKeys } from "./keys";

export function useSymbols() {
  return useQuery({
    queryKey: symbolKeys.all,
    queryFn: () => api.get<Page<Instrument>>(`${API}/symbols/`, { page_size: 500 }),
    staleTime: Infinity,
    select: (page) => page.results,
  });
}

/**
 * The chart's history: the newest `limit` bars, then older pages of `limit` on `fetchNextPage`
 * (the `before` cursor, docs/api.md, Paging back) until the answer's `next_before` is null.
 */
export function useOhlcHistory(symbol: string, interval: Interval, limit: number) {
  return useInfiniteQuery({
    queryKey: ohlcKeys.bars(symbol, interval, limit),
    queryFn: ({ pageParam, signal }) =>
      api.get<OhlcResponse>(
        `${API}/price/ohlc/`,
        { symbol, interval, limit, ...(pageParam === null ? {} : { before: pageParam }) },
        signal,
      ),
    initialPageParam: null as number | null,
    getNextPageParam: (last) => last.next_before ?? undefined,
    // The chart keeps the forming candle current from events; history is refetched on reconnect.
    staleTime: Infinity,
  });
}

/**
 * The trades/ query of the chart's markers: this account's trades on `symbol` (any status, newest
 * first) in its current period, so a reset account's chart starts without the old trades.
 */
export function symbolTradesQuery(account: number, symbol: string) {
  return { account, symbol, period: CURRENT_PERIOD, page_size: 200, ordering: "-id" };
}

export function useSymbolTrades(account: number | undefined, symbol: string) {
  return useQuery({
    queryKey: tradeKeys.markers(account ?? 0, symbol),
    enabled: account !== undefined,
    placeholderData: (previous) => previous,
    queryFn: () => api.get<Page<Trade>>(`${API}/trades/`, symbolTradesQuery(account ?? 0, symbol)),
    select: (page) => page.results,
  });
}

/** The journal rows of this account's signals on `symbol` (the newest 200): the chart's journal markers. */
export function useSymbolDecisions(account: number | undefined, symbol: string) {
  return useQuery({
    queryKey: journalKeys.markers(account ?? 0, symbol),
    enabled: account !== undefined,
    placeholderData: (previous) => previous,
    queryFn: () => api.get<Page<Decision>>(`${API}/decisions/`, { account: account ?? 0, symbol, page_size: 200 }),
    select: (page) => page.results,
  });
}
