import { useQuery } from "@tanstack/react-query";
import { api, API } from "../../lib/api-client";
import type { EquityPoint, Performance } from "../../lib/types";

export function usePerformance(account: number | undefined, days: number) {
  return useQuery({
    queryKey: ["performance", account, days],
    enabled: account !== undefined,
    placeholderData: (previous) => previous,
    queryFn: () => api.get<Performance>(`${API}/trades/performance/`, { account, days }),
  });
}

export function useEquityCurve(account: number | undefined, days: number) {
  return useQuery({
    queryKey: ["equity", account, days],
    enabled: account !== undefined,
    placeholderData: (previous) => previous,
    queryFn: () => api.get<EquityPoint[]>(`${API}/trades/equity_curve/`, { account, days }),
  });
}
