import { useMutation, useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { api, API, CURRENT_PERIOD } from "../../lib/api-client";
import type { Page, Trade } from "../../lib/types";
import { applyTrade } from "./reducer";

export const openKey = (account: number) => ["trades", "open", account] as const;
export const pendingKey = (account: number) => ["trades", "pending", account] as const;

export interface HistoryFilters {
  status: "closed" | "cancelled";
  symbol: string;
  days: string;
}

export const historyKey = (account: number, filters: HistoryFilters) => ["trades", "history", account, filters] as const;

/**
 * A trade's new state (from a WebSocket event or a mutation's response) into the cached open and
 * pending lists of its account, in place. The lists are not refetched for it: a refetch started
 * before a later event could land after it and bring the trade back. History, markers and
 * reports are refetched when the trade leaves the open list or appears.
 */
export function tradeIntoCache(client: QueryClient, trade: Trade, { refreshReports = true } = {}): void {
  client.setQueryData(openKey(trade.account), (page: Page<Trade> | undefined) => applyTrade(page, trade, "open"));
  client.setQueryData(pendingKey(trade.account), (page: Page<Trade> | undefined) => applyTrade(page, trade, "pending"));
  void client.invalidateQueries({ queryKey: ["trades", "markers", trade.account] });
  if (refreshReports && (trade.status === "closed" || trade.status === "cancelled")) {
    void client.invalidateQueries({ queryKey: ["trades", "history", trade.account] });
    void client.invalidateQueries({ queryKey: ["performance", trade.account] });
    void client.invalidateQueries({ queryKey: ["equity", trade.account] });
  }
}

export function useOpenPositions(account: number | undefined) {
  return useQuery({
    queryKey: openKey(account ?? 0),
    enabled: account !== undefined,
    queryFn: () => api.get<Page<Trade>>(`${API}/trades/open_positions/`, { account, page_size: 500 }),
  });
}

export function usePendingOrders(account: number | undefined) {
  return useQuery({
    queryKey: pendingKey(account ?? 0),
    enabled: account !== undefined,
    queryFn: () =>
      api.get<Page<Trade>>(`${API}/trades/`, { account, status: "pending", page_size: 500, ordering: "-id" }),
  });
}

/** The trades/ query of the history table and its CSV export: the account's current period only. */
export function historyQuery(account: number, filters: HistoryFilters) {
  return {
    account,
    period: CURRENT_PERIOD,
    status: filters.status,
    symbol: filters.symbol || undefined,
    days: filters.days || undefined,
  };
}

export function useHistory(account: number | undefined, filters: HistoryFilters) {
  return useQuery({
    queryKey: historyKey(account ?? 0, filters),
    enabled: account !== undefined,
    placeholderData: (previous) => previous,
    queryFn: () =>
      api.get<Page<Trade>>(`${API}/trades/`, {
        ...historyQuery(account ?? 0, filters),
        page_size: 200,
        ordering: "-id",
      }),
  });
}

function useTradeMutation<V>(fn: (vars: V) => Promise<Trade>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: (trade) => {
      // The answer is the trade's new state: no need to wait for (or miss) its event.
      tradeIntoCache(client, trade);
      void client.invalidateQueries({ queryKey: ["accounts"] });
    },
  });
}

export function useCloseTrade() {
  return useTradeMutation((vars: { id: number; lots?: string }) =>
    api.post<Trade>(`${API}/trades/${vars.id}/close/`, vars.lots ? { lot_size: vars.lots } : {}),
  );
}

export function useCancelTrade() {
  return useTradeMutation((vars: { id: number }) => api.post<Trade>(`${API}/trades/${vars.id}/cancel/`));
}

export type TradeChanges = Partial<
  Record<"stop_loss" | "take_profit_1" | "take_profit_2" | "take_profit_3" | "price", string | null>
>;

export function useModifyTrade() {
  return useTradeMutation((vars: { id: number; changes: TradeChanges }) =>
    api.patch<Trade>(`${API}/trades/${vars.id}/`, vars.changes),
  );
}
