/**
 * The ticket's risk sizing against the Python domain (lib/money-vectors.json; the display maths
 * of lib/ is checked in lib/money-vectors.test.ts): lots for a risk % and the money at risk, with
 * the rate taken at the stop like the server's.
 */
import { describe, expect, it } from "vitest";
import { formatMoney } from "../../lib/format";
import vectors from "../../lib/money-vectors.json";
import { quoteToAccountRate } from "../../lib/sizing";
import type { Instrument } from "../../lib/types";
import { initialTicket, previewTicket } from "./ticket";

type Quotes = Record<string, { bid: string; ask: string } | undefined>;

const midsOf = (quotes: Quotes) =>
  Object.fromEntries(
    Object.entries(quotes).flatMap(([s, q]) => (q ? [[s, (Number(q.bid) + Number(q.ask)) / 2] as const] : [])),
  );

describe("the ticket's preview sizes a limit order by risk as the server does", () => {
  it.each(vectors.sizing.map((v) => [v.name, v] as const))("%s", (_, v) => {
    const instrument = v.instrument as Instrument;
    const mids = midsOf(v.quotes as Quotes);
    const side = v.side as "buy" | "sell";
    const state = { ...initialTicket, side, type: "limit" as const, sizeMode: "risk" as const };
    const ticket = { ...state, price: v.entry, riskPct: v.risk_pct, stopLoss: v.stop_loss };
    const preview = previewTicket(ticket, {
      instrument,
      bid: null,
      ask: null,
      equity: Number(v.equity),
      accountCurrency: v.account_currency,
      rate: quoteToAccountRate(instrument, v.account_currency, Number(v.entry), mids),
      rateAt: (price) => quoteToAccountRate(instrument, v.account_currency, price, mids),
    });
    if (v.expected.lots === null) {
      expect(preview.lots).toBeNull();
      return;
    }
    expect(preview.lots).toBe(Number(v.expected.lots));
    // As the ticket's preview shows it.
    expect(formatMoney(preview.riskMoney)).toBe(formatMoney(v.expected.risk));
  });
});
