import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, API } from "../../lib/api-client";
import { accountKeys, tradeKeys } from "../../lib/query-keys";
import type { Decision, DecisionOutcome, Page, Scorecard, Signal } from "../../lib/types";
import { signalKeys } from "./keys";
import { mergeSignalPage } from "./reducer";

/** GET signals/ of one account, newest first; `signal_alert` events keep it current (app/realtime.tsx). */
export function useSignals(account: number) {
  return useQuery({
    queryKey: signalKeys.list(account),
    queryFn: () => api.get<Page<Signal>>(`${API}/signals/`, { account, page_size: 50 }),
  });
}

function useSignalAction(action: "execute" | "dismiss") {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (vars: { signal: Signal; lots?: string }) =>
      api.post<Signal>(
        `${API}/signals/${vars.signal.id}/${action}/`,
        action === "execute" && vars.lots ? { lot_size: vars.lots } : {},
      ),
    onSuccess: (signal) => {
      client.setQueryData(signalKeys.list(signal.account), (page: Page<Signal> | undefined) => mergeSignalPage(page, signal));
      if (signal.trade !== null) {
        // The trade's own `trade_execution` event fills the lists; a refetch covers a missed one.
        void client.invalidateQueries({ queryKey: tradeKeys.open(signal.account) });
        void client.invalidateQueries({ queryKey: accountKeys.all });
      }
    },
    onError: (_error, vars) => {
      // A refused click may have changed the signal (`signal_expired` makes it expired).
      void client.invalidateQueries({ queryKey: signalKeys.list(vars.signal.account) });
    },
  });
}

/** POST signals/{id}/execute/ (`lot_size` optional): answers the signal, executed, with its trade id. */
export const useExecuteSignal = () => useSignalAction("execute");
/** POST signals/{id}/dismiss/. */
export const useDismissSignal = () => useSignalAction("dismiss");

/** GET signals/performance/: per-source and per-type scorecards of the account's signals. */
export function useScorecards(account: number | undefined) {
  return useQuery({
    queryKey: signalKeys.scorecards(account),
    enabled: account !== undefined,
    queryFn: () => api.get<Scorecard>(`${API}/signals/performance/`, { account }),
  });
}

export interface JournalFilters {
  outcome?: DecisionOutcome | "";
  source?: string;
}

/** GET decisions/: the account's journal, newest first, filtered by outcome and source. */
export function useJournal(account: number, filters: JournalFilters) {
  return useQuery({
    queryKey: signalKeys.journal(account, filters),
    placeholderData: (previous) => previous,
    queryFn: () =>
      api.get<Page<Decision>>(`${API}/decisions/`, {
        account,
        outcome: filters.outcome,
        source: filters.source?.trim(),
        page_size: 100,
      }),
  });
}
