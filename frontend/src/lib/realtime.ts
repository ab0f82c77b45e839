/**
 * The one WebSocket client as React sees it: app/ creates it and provides it (RealtimeProvider);
 * features read it, its connection state and their symbols' live quotes through these hooks.
 */
import { useQueries, useQuery } from "@tanstack/react-query";
import { createContext, useContext, useEffect, useMemo, useSyncExternalStore } from "react";
import { api, API, ApiError } from "./api-client";
import { quoteKeys } from "./query-keys";
import { quoteStore, useQuote } from "./quotes";
import type { Quote } from "./types";
import type { ConnectionState, WsClient } from "./ws-client";

export const RealtimeContext = createContext<WsClient | null>(null);

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

/** The price/realtime/ query of a symbol: the quote (also put in the quote store), or null for a 503 `no_price`. */
function quoteQuery(symbol: string) {
  return {
    queryKey: quoteKeys.symbol(symbol),
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
  };
}

/**
 * Keeps `symbols` subscribed while mounted and seeds the quote store from price/realtime/ so a
 * quiet symbol still has a price (a 503 `no_price` just leaves it empty until the first tick).
 */
export function useLiveQuotes(symbols: string[]): void {
  useSubscription(symbols);
  const unique = [...new Set(symbols)].sort();
  useQueries({ queries: unique.map(quoteQuery) });
}

/**
 * Whether `symbol` has a price: "live" once a quote is known, "none" when the server has none
 * (price/realtime/ answered 503 and no tick came since), "loading" before either.
 */
export function usePriceState(symbol: string): "live" | "none" | "loading" {
  const quote = useQuote(symbol);
  const seeded = useQuery({ ...quoteQuery(symbol), enabled: false });
  if (quote) return "live";
  return seeded.data === null ? "none" : "loading";
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
