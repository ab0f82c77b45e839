import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, API } from "../../lib/api-client";
import { accountKeys, equityKeys, performanceKeys, tradeKeys } from "../../lib/query-keys";
import type { Account, Page } from "../../lib/types";

export function useAccounts() {
  return useQuery({
    queryKey: accountKeys.all,
    queryFn: () => api.get<Page<Account>>(`${API}/accounts/`, { page_size: 100 }),
  });
}

/** Replace one account in the cached list (from account_update / margin_call events). */
export function replaceAccount(page: Page<Account> | undefined, account: Account): Page<Account> | undefined {
  if (!page) return page;
  const index = page.results.findIndex((a) => a.id === account.id);
  if (index < 0) return { ...page, count: page.count + 1, results: [...page.results, account] };
  const results = page.results.slice();
  results[index] = { ...page.results[index], ...account };
  return { ...page, results };
}

export function useResetAccount() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (args: { id: number; initialBalance?: string }) =>
      api.post<Account>(
        `${API}/accounts/${args.id}/reset/`,
        args.initialBalance ? { initial_balance: args.initialBalance } : {},
      ),
    onSuccess: (account) => {
      client.setQueryData(accountKeys.all, (page: Page<Account> | undefined) => replaceAccount(page, account));
      void client.invalidateQueries({ queryKey: tradeKeys.all });
      void client.invalidateQueries({ queryKey: performanceKeys.all });
      void client.invalidateQueries({ queryKey: equityKeys.all });
    },
  });
}
