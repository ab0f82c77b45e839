/** Query keys of the signals feature (signals, scorecards, the decision journal). */
export const signalKeys = {
  all: ["signals"] as const,
  /** GET signals/?account= for one account, newest first. */
  list: (account: number) => [...signalKeys.all, "list", account] as const,
  /** Every scorecard query. */
  allScorecards: () => [...signalKeys.all, "scorecards"] as const,
  /** GET signals/performance/?account=. */
  scorecards: (account: number | undefined) => [...signalKeys.allScorecards(), account] as const,
  /** Every journal query, whatever its filters. */
  journals: () => [...signalKeys.all, "journal"] as const,
  journal: <F extends object>(account: number, filters: F) => [...signalKeys.journals(), account, filters] as const,
};
