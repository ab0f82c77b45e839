import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, API, ApiError } from "../../lib/api-client";
import type { Page, Signal, Trade } from "../../lib/types";
import { tradeIntoCache } from "../../lib/trade-cache";
import { signalKeys } from "./keys";

export interface SignalsState {
  available: boolean;
  results: Signal[];
}

/** GET signals/; a 404 means the signals API is not deployed yet: an empty, unavailable list. */
export function useSignals() {
  return useQuery({
    queryKey: signalKeys.all,
    queryFn: async (): Promise<SignalsState> => {
      try {
        const page = await api.get<Page<Signal>>(`${API}/signals/`, { page_size: 50 });
        return { available: true, results: page.results };
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) return { available: false, results: [] };
        throw error;
      }
    },
  });
}

export function useExecuteSignal() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (vars: { id: number; account: number; lots?: string }) =>
      api.post<Trade>(`${API}/signals/${vars.id}/execute/`, {
        account: vars.account,
        ...(vars.lots ? { lot_size: vars.lots } : {}),
      }),
    onSuccess: (trade) => {
      void client.invalidateQueries({ queryKey: signalKeys.all });
      tradeIntoCache(client, trade);
    },
  });
}
