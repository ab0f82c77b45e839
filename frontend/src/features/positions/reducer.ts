/** Lists of trades kept current from WebSocket events, and live unrealized figures from ticks. */
import { priceToPips, roundTo } from "../../lib/format";
import { quoteToAccountRate } from "../../lib/sizing";
import type { Instrument, Page, Quote, Trade } from "../../lib/types";

export type TradeList = "open" | "pending";

/** Whether `trade` belongs in `list` now. */
export function belongsTo(list: TradeList, trade: Trade): boolean {
  return list === "open" ? trade.status === "open" : trade.status === "pending";
}

/**
 * The page after an event about `trade`: replaced in place when present (no reordering, so rows
 * do not jump), added first when new, dropped when it left the list. Returns the same object
 * when nothing changed so React Query does not notify.
 */
export function applyTrade(page: Page<Trade> | undefined, trade: Trade, list: TradeList): Page<Trade> | undefined {
  if (!page) return page;
  const index = page.results.findIndex((t) => t.id === trade.id);
  const keep = belongsTo(list, trade);
  if (index >= 0 && keep) {
    const results = page.results.slice();
    results[index] = { ...page.results[index], ...trade };
    return { ...page, results };
  }
  if (index >= 0) {
    return { ...page, count: page.count - 1, results: page.results.filter((t) => t.id !== trade.id) };
  }
  if (keep) return { ...page, count: page.count + 1, results: [trade, ...page.results] };
  return page;
}

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
