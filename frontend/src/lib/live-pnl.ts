/**
 * Live unrealized P&L of open trades from the quote store, shown by the positions, the ticket and
 * the account bar. The server's figure stays the truth: these follow docs/domain.md (Pips and
 * P&L; Fills) and are checked against the Python domain by money-vectors.test.ts.
 */
import { priceToPips, roundTo } from "./format";
import { quoteStore, useQuotes } from "./quotes";
import { quoteToAccountRate } from "./sizing";
import type { Instrument, Quote, Trade } from "./types";

export interface Unrealized {
  price: number;
  pips: number;
  pnl: number | null;
}

/**
 * Live figures for an open trade at `quote`: a buy is valued at the bid, a sell at the ask
 * (docs/domain.md, Fills); pips = (price − entry) × direction / pip_size; money = distance × lots ×
 * contract_size, converted to the account currency (null when no rate is known).
 */
export function unrealizedAt(
  trade: Pick<Trade, "order_type" | "entry_price" | "lot_size">,
  quote: Pick<Quote, "bid" | "ask">,
  instrument: Pick<Instrument, "pip_size" | "contract_size" | "base_currency" | "quote_currency">,
  accountCurrency: string,
  mids: Record<string, number> = {},
): Unrealized | null {
  if (trade.entry_price === null) return null;
  const direction = trade.order_type === "buy" ? 1 : -1;
  const price = Number(direction === 1 ? quote.bid : quote.ask);
  const entry = Number(trade.entry_price);
  const distance = (price - entry) * direction;
  const pips = priceToPips(distance, Number(instrument.pip_size));
  const rate = quoteToAccountRate(instrument, accountCurrency, price, mids);
  const pnl =
    rate === null ? null : roundTo(distance * Number(trade.lot_size) * Number(instrument.contract_size) * rate, 2);
  return { price, pips, pnl };
}

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
