import { quoteStore, useQuotes } from "../../lib/quotes";
import type { Instrument, Trade } from "../../lib/types";
import { unrealizedAt, type Unrealized } from "./reducer";

/**
 * Live unrealized figures for open trades, re-rendering on ticks of their symbols only. A trade
 * without a quote or conversion rate keeps the server's figures; `total` is null then.
 */
export function useLiveUnrealized(
  trades: Trade[],
  instruments: Map<string, Instrument>,
  accountCurrency: string,
  throttleMs = 0,
): { byId: Map<number, Unrealized>; total: number | null } {
  const quotes = useQuotes(
    trades.map((t) => t.symbol),
    { throttleMs },
  );
  const mids = quoteStore.mids();
  const byId = new Map<number, Unrealized>();
  let total: number | null = 0;
  for (const trade of trades) {
    const quote = quotes[trade.symbol];
    const instrument = instruments.get(trade.symbol);
    const live = quote && instrument ? unrealizedAt(trade, quote, instrument, accountCurrency, mids) : null;
    if (live && live.pnl !== null) {
      byId.set(trade.id, live);
      total = total === null ? null : total + live.pnl;
    } else {
      const server = trade.unrealized_pnl;
      if (server === undefined || server === null) total = null;
      else if (total !== null) total += Number(server);
      if (server !== undefined && server !== null) {
        byId.set(trade.id, {
          price: Number(trade.current_price ?? NaN),
          pips: Number(trade.unrealized_pips ?? 0),
          pnl: Number(server),
        });
      }
    }
  }
  return { byId, total: total === null ? null : Math.round(total * 100) / 100 };
}
