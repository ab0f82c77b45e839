import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { renderHook, waitFor } from "@testing-library/react";
import type { ReactNode } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { useSignals } from "../features/signals/api";
import { signalKeys } from "../features/signals/keys";
import { accountKeys, journalKeys, tradeKeys } from "../lib/query-keys";
import { quoteStore } from "../lib/quotes";
import type { Account, Decision, Page, Signal, Trade } from "../lib/types";
import { applyServerMessage } from "./realtime";

const page = <T,>(...results: T[]): Page<T> => ({ count: results.length, next: null, previous: null, results });
const trade = (id: number, status: Trade["status"], account = 1) => ({ id, status, account, symbol: "EURUSD" }) as Trade;

afterEach(() => {
  quoteStore.clear();
  vi.unstubAllGlobals();
});

describe("applyServerMessage: WebSocket events into the query cache", () => {
  it("moves a trade between the pending and open lists of its account and refreshes history", () => {
    const client = new QueryClient();
    client.setQueryData(tradeKeys.pending(1), page(trade(5, "pending")));
    client.setQueryData(tradeKeys.open(1), page(trade(4, "open")));
    client.setQueryData(tradeKeys.open(2), page(trade(9, "open", 2)));
    const invalidate = vi.spyOn(client, "invalidateQueries");

    applyServerMessage(client, { type: "trade_execution", trade: trade(5, "open") });
    expect(client.getQueryData<Page<Trade>>(tradeKeys.pending(1))!.results).toEqual([]);
    expect(client.getQueryData<Page<Trade>>(tradeKeys.open(1))!.results.map((t) => t.id)).toEqual([5, 4]);
    expect(client.getQueryData<Page<Trade>>(tradeKeys.open(2))!.results.map((t) => t.id)).toEqual([9]);

    applyServerMessage(client, { type: "trade_closed", trade: trade(4, "closed"), reason: "tp1_hit" });
    expect(client.getQueryData<Page<Trade>>(tradeKeys.open(1))!.results.map((t) => t.id)).toEqual([5]);
    const keys = invalidate.mock.calls.map(([filters]) => JSON.stringify(filters?.queryKey));
    expect(keys).toContain(JSON.stringify(["trades", "history", 1]));
    expect(keys).toContain(JSON.stringify(["performance", 1]));
    expect(keys).toContain(JSON.stringify(["equity", 1]));
  });

  it("replaces the account from account_update and margin_call", () => {
    const client = new QueryClient();
    client.setQueryData(accountKeys.all, page({ id: 1, balance: "10000.00" } as Account, { id: 2 } as Account));
    applyServerMessage(client, { type: "margin_call", account: { id: 1, balance: "900.00", margin_call: true } as Account });
    const accounts = client.getQueryData<Page<Account>>(accountKeys.all)!.results;
    expect(accounts[0]).toMatchObject({ id: 1, balance: "900.00", margin_call: true });
    expect(accounts[1]).toEqual({ id: 2 });
  });

  it("refetches the trade lists when an account_update says the account is in a new period", () => {
    const client = new QueryClient();
    client.setQueryData(accountKeys.all, page({ id: 1, period: 1 } as Account, { id: 2, period: 4 } as Account));
    const invalidate = vi.spyOn(client, "invalidateQueries");

    applyServerMessage(client, { type: "account_update", account: { id: 1, period: 1, balance: "9990.00" } as Account });
    expect(invalidate).not.toHaveBeenCalled(); // same period: only the figures change

    applyServerMessage(client, { type: "account_update", account: { id: 1, period: 2, balance: "10000.00" } as Account });
    expect(client.getQueryData<Page<Account>>(accountKeys.all)!.results[0]).toMatchObject({ period: 2, balance: "10000.00" });
    const predicate = invalidate.mock.calls[0]![0]!.predicate!;
    const query = (key: unknown[]) => ({ queryKey: key }) as unknown as Parameters<typeof predicate>[0];
    expect(predicate(query(["trades", "history", 1]))).toBe(true);
    expect(predicate(query(["accounts"]))).toBe(false);
    const keys = invalidate.mock.calls.map(([filters]) => JSON.stringify(filters?.queryKey));
    expect(keys).toContain(JSON.stringify(["performance", 1]));
    expect(keys).toContain(JSON.stringify(["equity", 1]));
  });

  it("puts price updates in the quote store, not in React state", () => {
    const client = new QueryClient();
    const seen = vi.fn();
    const off = quoteStore.subscribe("EURUSD", seen);
    applyServerMessage(client, {
      type: "price_update",
      symbol: "EURUSD",
      bid: "1.10000",
      ask: "1.10010",
      mid: "1.10005",
      time: "2026-01-01T00:00:01Z",
      source: "manual",
    });
    // An older snapshot (e.g. a slow REST answer) does not overwrite the newer tick.
    quoteStore.set({ symbol: "EURUSD", bid: "1.0", ask: "1.0", mid: "1.0", time: "2026-01-01T00:00:00Z", source: "manual" });
    off();
    expect(quoteStore.get("EURUSD")?.bid).toBe("1.10000");
    expect(seen).toHaveBeenCalledTimes(1);
    expect(client.getQueryCache().getAll()).toHaveLength(0);
  });

  it("merges signal alerts into their account's list in place, and waits for the REST list otherwise", () => {
    const client = new QueryClient();
    const sig = (id: number, status: Signal["status"], account = 1) => ({ id, status, account }) as Signal;
    client.setQueryData(signalKeys.list(1), page(sig(2, "alerted"), sig(1, "rejected")));
    applyServerMessage(client, { type: "signal_alert", signal: sig(3, "alerted") });
    applyServerMessage(client, { type: "signal_alert", signal: sig(2, "executed") });
    applyServerMessage(client, { type: "signal_alert", signal: sig(9, "alerted", 2) });
    const list = client.getQueryData<Page<Signal>>(signalKeys.list(1))!;
    expect([list.count, list.results.map((s) => [s.id, s.status])]).toEqual([
      3,
      [
        [3, "alerted"],
        [2, "executed"],
        [1, "rejected"],
      ],
    ]);
    expect(client.getQueryData(signalKeys.list(2))).toBeUndefined();
  });

  it("refreshes the journal, the scorecards and the chart's journal markers on a decision", () => {
    const client = new QueryClient();
    const invalidate = vi.spyOn(client, "invalidateQueries");
    applyServerMessage(client, { type: "decision", decision: { id: 1 } as Decision });
    expect(invalidate.mock.calls.map(([f]) => f?.queryKey)).toEqual([
      signalKeys.journals(),
      signalKeys.allScorecards(),
      journalKeys.all,
    ]);
  });
});

describe("useSignals", () => {
  const wrapper = ({ children }: { children: ReactNode }) => (
    <QueryClientProvider client={new QueryClient({ defaultOptions: { queries: { retry: false } } })}>
      {children}
    </QueryClientProvider>
  );
  it("reads the account's signals and reports errors as errors", async () => {
    const fetchMock = vi.fn(async () => new Response(JSON.stringify({ code: "error", message: "Boom" }), { status: 500 }));
    vi.stubGlobal("fetch", fetchMock);
    const { result } = renderHook(() => useSignals(7), { wrapper });
    await waitFor(() => expect(result.current.isError).toBe(true));
    expect(result.current.error).toMatchObject({ status: 500, code: "error", message: "Boom" });
    expect(String((fetchMock.mock.calls[0] as unknown[])[0])).toContain("account=7");
  });
});

describe("tradeIntoCache", () => {
  it("patches the lists without refetching them (a stale refetch could resurrect a closed trade)", async () => {
    const { tradeIntoCache } = await import("../lib/trade-cache");
    const client = new QueryClient();
    client.setQueryData(tradeKeys.open(1), page(trade(4, "open")));
    client.setQueryData(["trades", "markers", 1, "EURUSD"], page());
    tradeIntoCache(client, trade(4, "closed"));
    expect(client.getQueryData<Page<Trade>>(tradeKeys.open(1))!.results).toEqual([]);
    expect(client.getQueryState(tradeKeys.open(1))!.isInvalidated).toBe(false);
    expect(client.getQueryState(["trades", "markers", 1, "EURUSD"])!.isInvalidated).toBe(true);
  });
});
