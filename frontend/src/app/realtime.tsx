/**
 * Wires the one WebSocket client to the app: quotes into the quote store, trade and account
 * events into the TanStack Query cache (in place, so lists do not flicker), and a refetch of
 * every snapshot after a reconnect.
 */
import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useEffect, useState, type ReactNode } from "react";
import { replaceAccount } from "../features/account/api";
import { sessionKeys } from "../features/auth/keys";
import { symbolKeys } from "../features/chart/keys";
import { signalKeys } from "../features/signals/keys";
import { mergeSignalPage } from "../features/signals/reducer";
import { accountKeys, equityKeys, journalKeys, performanceKeys, tradeKeys } from "../lib/query-keys";
import { tell } from "../lib/alerts-out";
import { announce } from "../lib/announcements";
import { quoteStore } from "../lib/quotes";
import { RealtimeContext } from "../lib/realtime";
import { invalidateReports, tradeIntoCache } from "../lib/trade-cache";
import type { Account, Page, ServerMessage, Signal, Trade } from "../lib/types";
import { tradingSocketUrl, WsClient } from "../lib/ws-client";

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
        invalidateReports(client, trade.account);
      }
      if (message.type !== "trade_updated") void client.invalidateQueries({ queryKey: accountKeys.all });
      return;
    }
    case "account_update":
    case "margin_call": {
      const before = client
        .getQueryData<Page<Account>>(accountKeys.all)
        ?.results.find((a) => a.id === message.account.id)?.period;
      client.setQueryData(accountKeys.all, (page: Page<Account> | undefined) => replaceAccount(page, message.account));
      if (before !== undefined && message.account.period !== undefined && before !== message.account.period) {
        // Reset elsewhere (another tab, a script): the lists on screen are of the old period.
        const account = message.account.id;
        void client.invalidateQueries({ predicate: (q) => q.queryKey[0] === tradeKeys.all[0] });
        void client.invalidateQueries({ queryKey: performanceKeys.account(account) });
        void client.invalidateQueries({ queryKey: equityKeys.account(account) });
      }
      return;
    }
    case "signal_alert":
      // The signal of GET signals/{id}/, new or changed: into its account's list, in place.
      client.setQueryData(signalKeys.list(message.signal.account), (page: Page<Signal> | undefined) =>
        mergeSignalPage(page, message.signal),
      );
      return;
    case "decision":
      // A journal row: the journal and the scorecards read it.
      void client.invalidateQueries({ queryKey: signalKeys.journals() });
      void client.invalidateQueries({ queryKey: signalKeys.allScorecards() });
      void client.invalidateQueries({ queryKey: journalKeys.all });
      return;
    default:
      return;
  }
}

export function RealtimeProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [client] = useState(() => new WsClient({ url: tradingSocketUrl() }));
  useEffect(() => {
    const currency = (id: number) =>
      queryClient.getQueryData<Page<Account>>(accountKeys.all)?.results.find((a) => a.id === id)?.currency ?? "";
    const offMessage = client.onMessage((message) => {
      applyServerMessage(queryClient, message);
      const draft = announce(message, currency);
      if (draft) tell(draft);
    });
    const offReconnect = client.onReconnect(() => {
      // Events sent while we were away are lost: every snapshot is refetched.
      const keep = [sessionKeys.all[0], symbolKeys.all[0]] as unknown[];
      void queryClient.invalidateQueries({ predicate: (q) => !keep.includes(q.queryKey[0]) });
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
