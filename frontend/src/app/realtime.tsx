/**
 * Wires the one WebSocket client to the app: quotes into the quote store, trade and account
 * events into the TanStack Query cache (in place, so lists do not flicker), and a refetch of
 * every snapshot after a reconnect.
 */
import { useQueries, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { createContext, useContext, useEffect, useMemo, useState, useSyncExternalStore, type ReactNode } from "react";
import { accountsKey, replaceAccount } from "../features/account/api";
import { tradeIntoCache } from "../features/positions/api";
import { signalsKey, type SignalsState } from "../features/signals/api";
import { mergeSignal } from "../features/signals/reducer";
import { api, API, ApiError } from "../lib/api-client";
import { quoteStore } from "../lib/quotes";
import type { Account, Page, Quote, ServerMessage, Trade } from "../lib/types";
import { tradingSocketUrl, WsClient, type ConnectionState } from "../lib/ws-client";

const RealtimeContext = createContext<WsClient | null>(null);

/** Apply one server message to the query cache and the quote store. */
export function applyServerMessage(client: QueryClient, message: ServerMessage): void {
  switch (message.type) {
    case "price_update":
      quoteStore.set({
        symbol: message.symbol,
        bid: message.bid,
        ask: message.ask,
        mid: message.mid,
        time: message.time,
        source: message.source,
      });
      return;
    case "trade_execution":
    case "trade_updated":
    case "trade_closed": {
      const trade: Trade = message.trade;
      tradeIntoCache(client, trade);
      if (message.type === "trade_closed" && trade.status === "open") {
        // A partial close (TP1 of a ladder): still open and smaller, but it has realized P&L.
        void client.invalidateQueries({ queryKey: ["trades", "history", trade.account] });
        void client.invalidateQueries({ queryKey: ["performance", trade.account] });
        void client.invalidateQueries({ queryKey: ["equity", trade.account] });
      }
      if (message.type !== "trade_updated") void client.invalidateQueries({ queryKey: accountsKey });
      return;
    }
    case "account_update":
    case "margin_call": {
      const before = client
        .getQueryData<Page<Account>>(accountsKey)
        ?.results.find((a) => a.id === message.account.id)?.period;
      client.setQueryData(accountsKey, (page: Page<Account> | undefined) => replaceAccount(page, message.account));
      if (before !== undefined && message.account.period !== undefined && before !== message.account.period) {
        // Reset elsewhere (another tab, a script): the lists on screen are of the old period.
        const account = message.account.id;
        void client.invalidateQueries({ predicate: (q) => q.queryKey[0] === "trades" });
        void client.invalidateQueries({ queryKey: ["performance", account] });
        void client.invalidateQueries({ queryKey: ["equity", account] });
      }
      return;
    }
    case "signal_alert":
      client.setQueryData(signalsKey, (state: SignalsState | undefined) => ({
        available: state?.available ?? false,
        results: mergeSignal(state?.results ?? [], message.signal),
      }));
      return;
    default:
      return;
  }
}

export function RealtimeProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [client] = useState(() => new WsClient({ url: tradingSocketUrl() }));
  useEffect(() => {
    const offMessage = client.onMessage((message) => applyServerMessage(queryClient, message));
    const offReconnect = client.onReconnect(() => {
      // Events sent while we were away are lost: every snapshot is refetched.
      void queryClient.invalidateQueries({ predicate: (q) => q.queryKey[0] !== "session" && q.queryKey[0] !== "symbols" });
    });
    client.start();
    return () => {
      offMessage();
      offReconnect();
      client.stop();
      quoteStore.clear();
    };
  }, [client, queryClient]);
  return <RealtimeContext.Provider value={client}>{children}</RealtimeContext.Provider>;
}

export function useRealtime(): WsClient {
  const client = useContext(RealtimeContext);
  if (!client) throw new Error("useRealtime outside RealtimeProvider");
  return client;
}

export function useConnectionState(): ConnectionState {
  const client = useRealtime();
  return useSyncExternalStore(
    (listener) => client.onState(listener),
    () => client.state,
  );
}

/**
 * Keeps `symbols` subscribed while mounted and seeds the quote store from price/realtime/ so a
 * quiet symbol still has a price (a 503 `no_price` just leaves it empty until the first tick).
 */
export function useLiveQuotes(symbols: string[]): void {
  useSubscription(symbols);
  const unique = [...new Set(symbols)].sort();
  useQueries({
    queries: unique.map((symbol) => ({
      queryKey: ["quote", symbol],
      queryFn: async () => {
        try {
          const quote = await api.get<Quote>(`${API}/price/realtime/`, { symbol });
          quoteStore.set(quote);
          return quote;
        } catch (error) {
          if (error instanceof ApiError && error.status === 503) return null;
          throw error;
        }
      },
      staleTime: Infinity,
      retry: false,
    })),
  });
}

/** Keeps `symbols` subscribed while the component is mounted. */
export function useSubscription(symbols: string[]): void {
  const client = useRealtime();
  const key = useMemo(() => [...new Set(symbols)].sort().join(","), [symbols]);
  useEffect(() => {
    if (!key) return;
    return client.subscribe(key.split(","));
  }, [client, key]);
}
