/**
 * The order mutations: place (the ticket), close, cancel and modify (the positions table, the
 * chart's drag handles). Each answers with the trade's new state, which goes into the cache at
 * once (lib/trade-cache.ts) instead of waiting for, or missing, its event.
 */
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { tell } from "../../lib/alerts-out";
import { refusal } from "../../lib/announcements";
import { api, API } from "../../lib/api-client";
import { accountKeys } from "../../lib/query-keys";
import { tradeIntoCache } from "../../lib/trade-cache";
import type { ClosedAll, Reversed, Trade } from "../../lib/types";
import type { OrderRequest } from "./ticket";

/** A trade mutation; a refusal is also announced (toast, event log) as `what` refused. */
function useTradeMutation<V>(what: string, fn: (vars: V) => Promise<Trade>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: (trade) => {
      tradeIntoCache(client, trade);
      void client.invalidateQueries({ queryKey: accountKeys.all });
    },
    onError: (error) => void tell(refusal(what, error)),
  });
}

/** POST the ticket's request: `trades/execute/` for a market GTC order, `orders/` for the others. */
export function usePlaceOrder() {
  return useTradeMutation("Order", (order: OrderRequest) => api.post<Trade>(`${API}/${order.path}`, order.body));
}

export function useCloseTrade() {
  return useTradeMutation("Close", (vars: { id: number; lots?: string }) =>
    api.post<Trade>(`${API}/trades/${vars.id}/close/`, vars.lots ? { lot_size: vars.lots } : {}),
  );
}

export function useCancelTrade() {
  return useTradeMutation("Cancel", (vars: { id: number }) => api.post<Trade>(`${API}/trades/${vars.id}/cancel/`));
}

export type TradeChanges = Partial<
  Record<"stop_loss" | "take_profit_1" | "take_profit_2" | "take_profit_3" | "price", string | null>
>;

export function useModifyTrade() {
  return useTradeMutation("Change", (vars: { id: number; changes: TradeChanges }) =>
    api.patch<Trade>(`${API}/trades/${vars.id}/`, vars.changes),
  );
}

/** POST trades/close_all/: every open trade of the account, or of one symbol, at market — all or none. */
export function useCloseAll() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (vars: { account: number; symbol?: string }) => api.post<ClosedAll>(`${API}/trades/close_all/`, vars),
    onSuccess: (body) => {
      for (const trade of body.closed) tradeIntoCache(client, trade);
      void client.invalidateQueries({ queryKey: accountKeys.all });
    },
    onError: (error) => void tell(refusal("Close all", error)),
  });
}

/** POST trades/{id}/reverse/: close at market and open the other side with the same lots, at once. */
export function useReverseTrade() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (vars: { id: number }) => api.post<Reversed>(`${API}/trades/${vars.id}/reverse/`),
    onSuccess: (body) => {
      tradeIntoCache(client, body.closed);
      tradeIntoCache(client, body.opened);
      void client.invalidateQueries({ queryKey: accountKeys.all });
    },
    onError: (error) => void tell(refusal("Reverse", error)),
  });
}
