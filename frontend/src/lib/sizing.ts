/**
 * Risk-based position sizing and the ticket's live risk figures (docs/domain.md, Pips and P&L; docs/domain.md, Risk rules at order time).
 *
 * risk of a trade = |entry − SL| × lots × contract_size, in quote currency, converted to the
 * account currency; lots for a risk % = floor(equity × pct / risk per lot) to the lot step.
 */
import { decimalsOf } from "./format";

export interface SizingInstrument {
  symbol: string;
  base_currency: string;
  quote_currency: string;
  contract_size: string;
  min_lot: string;
  lot_step: string;
  max_lot: string;
}

/**
 * How many account-currency units one quote-currency unit is worth.
 * quote == account → 1; base == account (USDJPY on USD) → 1 / price; otherwise through a
 * conversion pair's mid (QUOTE+ACCOUNT multiplies, ACCOUNT+QUOTE divides); null when unknown.
 */
export function quoteToAccountRate(
  instrument: Pick<SizingInstrument, "base_currency" | "quote_currency">,
  accountCurrency: string,
  price: number,
  mids: Record<string, number | undefined> = {},
): number | null {
  const quote = instrument.quote_currency;
  if (quote === accountCurrency) return 1;
  if (instrument.base_currency === accountCurrency) return price > 0 ? 1 / price : null;
  const direct = mids[`${quote}${accountCurrency}`];
  if (direct) return direct;
  const inverse = mids[`${accountCurrency}${quote}`];
  if (inverse) return 1 / inverse;
  return null;
}

/** The pair whose quote converts `instrument` to the account currency, or null if none is needed. */
export function conversionSymbols(
  instrument: Pick<SizingInstrument, "base_currency" | "quote_currency">,
  accountCurrency: string,
): string[] {
  const quote = instrument.quote_currency;
  if (quote === accountCurrency || instrument.base_currency === accountCurrency) return [];
  return [`${quote}${accountCurrency}`, `${accountCurrency}${quote}`];
}

/** Money at risk between entry and stop for `lots`, in account currency. */
export function riskMoney(entry: number, stop: number, lots: number, contractSize: number, rate: number): number {
  return Math.abs(entry - stop) * lots * contractSize * rate;
}

/** Counts of `step` in `value`, robust to binary fractions (0.3 / 0.1 → 3, not 2.9999). */
function steps(value: number, step: number): number {
  return Math.floor(value / step + 1e-9);
}

export function roundLotsDown(lots: number, instrument: Pick<SizingInstrument, "lot_step">): number {
  const step = Number(instrument.lot_step);
  return Number((steps(lots, step) * step).toFixed(decimalsOf(instrument.lot_step)));
}

export type LotsResult =
  | { ok: true; lots: number; risk: number; capped: boolean }
  | { ok: false; reason: "no_stop" | "no_conversion" | "below_min_lot" };

/**
 * Lots that risk at most `riskPct` % of `equity` if the stop is hit, rounded down to the lot
 * step and capped at max_lot. Below min_lot the order cannot be sized (it would over-risk).
 */
export function lotsForRisk(args: {
  equity: number;
  riskPct: number;
  entry: number;
  stop: number | null;
  instrument: SizingInstrument;
  rate: number | null;
}): LotsResult {
  const { equity, riskPct, entry, stop, instrument, rate } = args;
  if (stop === null || !Number.isFinite(stop) || stop === entry) return { ok: false, reason: "no_stop" };
  if (rate === null || !(rate > 0)) return { ok: false, reason: "no_conversion" };
  const contract = Number(instrument.contract_size);
  const perLot = riskMoney(entry, stop, 1, contract, rate);
  const budget = (equity * riskPct) / 100;
  let lots = roundLotsDown(budget / perLot, instrument);
  let capped = false;
  const maxLot = Number(instrument.max_lot);
  if (lots > maxLot) {
    lots = maxLot;
    capped = true;
  }
  if (lots < Number(instrument.min_lot)) return { ok: false, reason: "below_min_lot" };
  return { ok: true, lots, risk: riskMoney(entry, stop, lots, contract, rate), capped };
}

/** Reward-to-risk: |target − entry| / |entry − stop|; null without both levels. */
export function rewardToRisk(entry: number, stop: number | null, target: number | null): number | null {
  if (stop === null || target === null) return null;
  const risk = Math.abs(entry - stop);
  if (risk === 0) return null;
  return Math.abs(target - entry) / risk;
}

/** Whether lots sit on the instrument's grid and inside min/max: the server refuses otherwise. */
export function lotsError(lots: number, instrument: SizingInstrument): string | null {
  if (!Number.isFinite(lots) || lots <= 0) return "Enter a size.";
  const min = Number(instrument.min_lot);
  const max = Number(instrument.max_lot);
  if (lots < min) return `At least ${instrument.min_lot} lots.`;
  if (lots > max) return `At most ${instrument.max_lot} lots.`;
  const step = Number(instrument.lot_step);
  const n = lots / step;
  if (Math.abs(n - Math.round(n)) > 1e-6) return `In steps of ${instrument.lot_step}.`;
  return null;
}
