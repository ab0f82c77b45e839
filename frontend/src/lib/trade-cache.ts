/**
 * A trade's new state (from a WebSocket event or a mutation's answer) into the query cache: the
 * open and pending lists of its account are updated in place, the queries derived from it are
 * refetched. Shared by the order, signal and realtime paths.
 */
import type { QueryClient } from "@tanstack/react-query";
import { equityKeys, performanceKeys, tradeKeys } from "./query-keys";
import type { Page, Trade } from "./types";

export type TradeList = "open" | "pending";

/** Whether `trade` belongs in `list` now. */
export function belongsTo(list: TradeList, trade: Trade): boolean {
  return list === "open" ? trade.status === "open" : trade.status === "pending";
}

/**
 * The page after an event about `trade`: replaced in place when present (no reordering, so rows
 * do not jump), added first when new, dropped when it left the list. Returns the same object
 * when nothing changed so React Query does not notify.
 */
export function applyTrade(page: Page<Trade> | undefined, trade: Trade, list: TradeList): Page<Trade> | undefined {
  if (!page) return page;
  const index = page.results.findIndex((t) => t.id === trade.id);
  const keep = belongsTo(list, trade);
  if (index >= 0 && keep) {
    const results = page.results.slice();
    results[index] = { ...page.results[index], ...trade };
    return { ...page, results };
  }
  if (index >= 0) {
    return { ...page, count: page.count - 1, results: page.results.filter((t) => t.id !== trade.id) };
  }
  if (keep) return { ...page, count: page.count + 1, results: [trade, ...page.results] };
  return page;
}

/** Refetch what a trade's realized P&L feeds: the account's history, performance and equity curve. */
export function invalidateReports(client: QueryClient, account: number): void {
  void client.invalidateQueries({ queryKey: tradeKeys.histories(account) });
  void client.invalidateQueries({ queryKey: performanceKeys.account(account) });
  void client.invalidateQueries({ queryKey: equityKeys.account(account) });
}

/**
 * The lists are not refetched for the trade: a refetch started before a later event could land
 * after it and bring the trade back. History, markers and reports are refetched when the trade
 * leaves the open list or appears.
 */
export function tradeIntoCache(client: QueryClient, trade: Trade, { refreshReports = true } = {}): void {
  client.setQueryData(tradeKeys.open(trade.account), (page: Page<Trade> | undefined) => applyTrade(page, trade, "open"));
  client.setQueryData(tradeKeys.pending(trade.account), (page: Page<Trade> | undefined) =>
    applyTrade(page, trade, "pending"),
  );
  void client.invalidateQueries({ queryKey: tradeKeys.markersOf(trade.account) });
  if (refreshReports && (trade.status === "closed" || trade.status === "cancelled")) {
    invalidateReports(client, trade.account);
  }
}
