import { useQuery } from "@tanstack/react-query";
import { api, API } from "../../lib/api-client";
import { equityKeys, performanceKeys } from "../../lib/query-keys";
import type { EquityPoint, Performance } from "../../lib/types";

export function usePerformance(account: number | undefined, days: number) {
  return useQuery({
    queryKey: performanceKeys.report(account, days),
    enabled: account !== undefined,
    placeholderData: (previous) => previous,
    queryFn: () => api.get<Performance>(`${API}/trades/performance/`, { account, days }),
  });
}

export function useEquityCurve(account: number | undefined, days: number) {
  return useQuery({
    queryKey: equityKeys.curve(account, days),
    enabled: account !== undefined,
    placeholderData: (previous) => previous,
    queryFn: () => api.get<EquityPoint[]>(`${API}/trades/equity_curve/`, { account, days }),
  });
}
