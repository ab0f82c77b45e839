/**
 * Live unrealized P&L of open trades from the quote store, shown by the positions, the ticket and
 * the account bar. The server's figure stays the truth: these follow docs/domain.md (Pips and
 * P&L; Fills) and are checked against the Python domain by money-vectors.test.ts.
 */
import { priceToPips, roundMoney } from "./format";
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
 * contract_size, converted to the account currency (null when no rate is known), at the cent.
 */
export function unrealizedAt(
  trade: Pick<Trade, "order_type" | "entry_price" | "lot_size">,
  quote: Pick<Quote, "bid" | "ask">,
  instrument: Pick<Instrument, "pip_size" | "contract_size" | "base_currency" | "quote_currency">,
  accountCurrency: string,
  mids: Record<string, number> = {},
): Unrealized | null {
  const live = unroundedAt(trade, quote, instrument, accountCurrency, mids);
  return live && { ...live, pnl: live.pnl === null ? null : roundMoney(live.pnl) };
}

/** unrealizedAt before the money is rounded: an account's total is rounded once, as the server does. */
function unroundedAt(
  trade: Pick<Trade, "order_type" | "entry_price" | "lot_size">,
  quote: Pick<Quote, "bid" | "ask">,
  instrument: Pick<Instrument, "pip_size" | "contract_size" | "base_currency" | "quote_currency">,
  accountCurrency: string,
  mids: Record<string, number>,
): Unrealized | null {
  if (trade.entry_price === null) return null;
  const direction = trade.order_type === "buy" ? 1 : -1;
  const price = Number(direction === 1 ? quote.bid : quote.ask);
  const entry = Number(trade.entry_price);
  const distance = (price - entry) * direction;
  const pips = priceToPips(distance, Number(instrument.pip_size));
  const rate = quoteToAccountRate(instrument, accountCurrency, price, mids);
  const pnl = rate === null ? null : distance * Number(trade.lot_size) * Number(instrument.contract_size) * rate;
  return { price, pips, pnl };
}

export interface LiveUnrealized {
  byId: Map<number, Unrealized>;
  /** The account's unrealized P&L at the cent; null when a trade has neither a live nor a server figure. */
  total: number | null;
}

/**
 * Live unrealized figures of `trades` at `quotes`: each trade's at the cent, and their total summed
 * before it is rounded (as the server sums an account's); a trade without a quote or conversion
 * rate keeps the server's figures.
 */
export function liveUnrealized(
  trades: Trade[],
  quotes: Record<string, Pick<Quote, "bid" | "ask"> | undefined>,
  instruments: Map<string, Instrument>,
  accountCurrency: string,
  mids: Record<string, number>,
): LiveUnrealized {
  const byId = new Map<number, Unrealized>();
  let total: number | null = 0;
  for (const trade of trades) {
    const quote = quotes[trade.symbol];
    const instrument = instruments.get(trade.symbol);
    const live = quote && instrument ? unroundedAt(trade, quote, instrument, accountCurrency, mids) : null;
    if (live && live.pnl !== null) {
      byId.set(trade.id, { ...live, pnl: roundMoney(live.pnl) });
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
  return { byId, total: total === null ? null : roundMoney(total) };
}

/** liveUnrealized of `trades`, re-rendering on ticks of their symbols only. */
export function useLiveUnrealized(
  trades: Trade[],
  instruments: Map<string, Instrument>,
  accountCurrency: string,
  throttleMs = 0,
): LiveUnrealized {
  const quotes = useQuotes(
    trades.map((t) => t.symbol),
    { throttleMs },
  );
  return liveUnrealized(trades, quotes, instruments, accountCurrency, quoteStore.mids());
}
