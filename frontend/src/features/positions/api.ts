import { useQuery } from "@tanstack/react-query";
import { api, API, CURRENT_PERIOD } from "../../lib/api-client";
import { tradeKeys } from "../../lib/query-keys";
import type { Page, Trade } from "../../lib/types";

export interface HistoryFilters {
  status: "closed" | "cancelled";
  symbol: string;
  days: string;
}

export function useOpenPositions(account: number | undefined) {
  return useQuery({
    queryKey: tradeKeys.open(account ?? 0),
    enabled: account !== undefined,
    queryFn: () => api.get<Page<Trade>>(`${API}/trades/open_positions/`, { account, page_size: 500 }),
  });
}

export function usePendingOrders(account: number | undefined) {
  return useQuery({
    queryKey: tradeKeys.pending(account ?? 0),
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
    queryKey: tradeKeys.history(account ?? 0, filters),
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
