/**
 * The dashboard's money math against the Python domain's own figures (money-vectors.json, written
 * by `python manage.py write_test_vectors`; a pytest fails when it is stale). The server is the
 * source of truth: between two of its updates the browser must show the same cents and pips.
 */
import { describe, expect, it } from "vitest";
import { formatMoney, formatPct } from "./format";
import { liveAccount } from "./live-account";
import { liveUnrealized, unrealizedAt } from "./live-pnl";
import vectors from "./money-vectors.json";
import { lotsForRisk, quoteToAccountRate } from "./sizing";
import type { Account, Instrument, Trade } from "./types";

/** A case's quotes by symbol (the JSON's type lists every symbol of every case, most absent). */
type Quotes = Record<string, { bid: string; ask: string; mid: string } | undefined>;

/** Mids as the quote store derives them from bid and ask. */
const midsOf = (quotes: Quotes) =>
  Object.fromEntries(
    Object.entries(quotes).flatMap(([s, q]) => (q ? [[s, (Number(q.bid) + Number(q.ask)) / 2] as const] : [])),
  );

const cents = (value: number) => value.toFixed(2);

describe("unrealized pips and P&L, converted to the account currency", () => {
  it.each(vectors.unrealized.map((v) => [v.name, v] as const))("%s", (_, v) => {
    const quote = (v.quotes as Quotes)[v.instrument.symbol]!;
    const live = unrealizedAt(
      { ...v.trade, order_type: v.trade.order_type as Trade["order_type"] },
      quote,
      v.instrument,
      v.account_currency,
      midsOf(v.quotes as Quotes),
    );
    expect(live).not.toBeNull();
    expect(live!.price).toBe(Number(v.expected.price));
    expect(live!.pips.toFixed(1)).toBe(v.expected.pips);
    expect(live!.pnl).not.toBeNull();
    expect(cents(live!.pnl!)).toBe(v.expected.pnl);
  });
});

describe("equity, free margin and margin level of an account", () => {
  it.each(vectors.accounts.map((v) => [v.name, v] as const))("%s", (_, v) => {
    const quotes = v.quotes as Quotes;
    const trades = v.positions.map((p, i) => ({ id: i + 1, symbol: p.instrument.symbol, ...p.trade }) as Trade);
    const instruments = new Map(v.positions.map((p) => [p.instrument.symbol, p.instrument as Instrument]));
    const { total } = liveUnrealized(trades, quotes, instruments, v.account_currency, midsOf(quotes));
    expect(total).not.toBeNull();
    expect(cents(total!)).toBe(v.expected.unrealized);
    // The margin used is the server's figure (the browser never computes it): the sum of the trades'.
    const marginUsed = v.positions.reduce((sum, p) => sum + Number(p.margin), 0);
    expect(cents(marginUsed)).toBe(v.expected.margin_used);
    const account = {
      balance: v.balance,
      unrealized_pnl: "0",
      margin_used: v.expected.margin_used,
      margin_call: false,
    } as Account;
    const live = liveAccount(account, total);
    expect(cents(live.equity)).toBe(v.expected.equity);
    expect(cents(live.freeMargin)).toBe(v.expected.free_margin);
    // As the account bar shows it.
    expect(live.marginLevel === null ? null : formatPct(live.marginLevel)).toBe(
      v.expected.margin_level === null ? null : `${v.expected.margin_level} %`,
    );
  });
});

describe("lots for a risk % of equity, and the money they put at risk", () => {
  it.each(vectors.sizing.map((v) => [v.name, v] as const))("%s", (_, v) => {
    const stop = Number(v.stop_loss);
    const rate = quoteToAccountRate(v.instrument, v.account_currency, stop, midsOf(v.quotes as Quotes));
    const sized = lotsForRisk({
      equity: Number(v.equity),
      riskPct: Number(v.risk_pct),
      entry: Number(v.entry),
      stop,
      instrument: v.instrument,
      rate,
    });
    if (v.expected.lots === null) {
      expect(sized).toEqual({ ok: false, reason: "below_min_lot" });
      return;
    }
    expect(sized.ok).toBe(true);
    if (!sized.ok) return;
    expect(sized.lots).toBe(Number(v.expected.lots));
    expect(formatMoney(sized.risk)).toBe(formatMoney(v.expected.risk));
  });
});
