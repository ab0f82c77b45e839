/**
 * TanStack Query key factories of the server state more than one feature touches (docs/frontend.md,
 * Data flow): a trade's change updates the open/pending lists, refetches the history, the
 * chart's markers, the performance and equity of its account; a reset refetches all of them.
 * Keys only one feature reads live in that feature's keys.ts. Each factory nests under its
 * `all`, so invalidating a prefix reaches every key below it.
 */

export const accountKeys = {
  all: ["accounts"] as const,
};

export const tradeKeys = {
  all: ["trades"] as const,
  open: (account: number) => [...tradeKeys.all, "open", account] as const,
  pending: (account: number) => [...tradeKeys.all, "pending", account] as const,
  /** Every history query of an account, whatever its filters. */
  histories: (account: number) => [...tradeKeys.all, "history", account] as const,
  history: <F extends object>(account: number, filters: F) => [...tradeKeys.histories(account), filters] as const,
  /** Every marker query of an account (one per charted symbol). */
  markersOf: (account: number) => [...tradeKeys.all, "markers", account] as const,
  markers: (account: number, symbol: string) => [...tradeKeys.markersOf(account), symbol] as const,
};

export const performanceKeys = {
  all: ["performance"] as const,
  account: (account: number | undefined) => [...performanceKeys.all, account] as const,
  report: (account: number | undefined, days: number) => [...performanceKeys.account(account), days] as const,
};

export const equityKeys = {
  all: ["equity"] as const,
  account: (account: number | undefined) => [...equityKeys.all, account] as const,
  curve: (account: number | undefined, days: number) => [...equityKeys.account(account), days] as const,
};

/** The REST quote that seeds the quote store for a symbol (lib/realtime.ts). */
export const quoteKeys = {
  all: ["quote"] as const,
  symbol: (symbol: string) => [...quoteKeys.all, symbol] as const,
};

/** The chart's journal markers (docs/signals.md): refetched on every `decision` event. */
export const journalKeys = {
  all: ["journal-markers"] as const,
  markers: (account: number, symbol: string) => [...journalKeys.all, account, symbol] as const,
};
