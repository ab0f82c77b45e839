import { describe, expect, it } from "vitest";
import { unrealizedAt } from "./live-pnl";

const EURUSD = { pip_size: "0.0001", contract_size: "100000", base_currency: "EUR", quote_currency: "USD" };
const USDJPY = { pip_size: "0.01", contract_size: "100000", base_currency: "USD", quote_currency: "JPY" };
const XAUUSD = { pip_size: "0.1", contract_size: "100", base_currency: "XAU", quote_currency: "USD" };
const EURGBP = { pip_size: "0.0001", contract_size: "100000", base_currency: "EUR", quote_currency: "GBP" };

describe("unrealizedAt (docs/domain.md, Pips and P&L; docs/domain.md, Fills)", () => {
  const buy = { order_type: "buy" as const, entry_price: "1.10010", lot_size: "0.10" };
  const opened = (order_type: "buy" | "sell", entry_price: string, lot_size: string) => ({ order_type, entry_price, lot_size });
  // [title, trade, quote, instrument, expected]
  it.each([
    [
      "values a buy at the bid: 1.10110 − 1.10010 = +10.0 pips, +10.00 USD on 0.10 lots",
      buy, { bid: "1.10110", ask: "1.10120" }, EURUSD, { price: 1.1011, pips: 10, pnl: 10 },
    ],
    [
      "values a sell at the ask",
      opened("sell", "1.10000", "1.00"), { bid: "1.09900", ask: "1.09915" }, EURUSD, { price: 1.09915, pips: 8.5, pnl: 85 },
    ],
    [
      "XAUUSD 1 lot 2000.00 → 2001.00 = +10 pips, +100.00",
      opened("buy", "2000.00", "1"), { bid: "2001.00", ask: "2001.30" }, XAUUSD, { price: 2001, pips: 10, pnl: 100 },
    ],
    [
      "USDJPY 1 lot 150.000 → 150.500 = +50 pips, +332.23 USD (divided by the price)",
      opened("buy", "150.000", "1"), { bid: "150.500", ask: "150.515" }, USDJPY, { price: 150.5, pips: 50, pnl: 332.23 },
    ],
  ] as const)("%s", (_title, trade, quote, instrument, expected) => {
    expect(unrealizedAt(trade, quote, instrument, "USD")).toEqual(expected);
  });
  it("EURGBP converts through GBPUSD's mid, and has no money figure without it", () => {
    const cross = { order_type: "buy" as const, entry_price: "0.85000", lot_size: "1" };
    const quote = { bid: "0.85100", ask: "0.85110" };
    expect(unrealizedAt(cross, quote, EURGBP, "USD", { GBPUSD: 1.25 })?.pnl).toBe(125);
    expect(unrealizedAt(cross, quote, EURGBP, "USD", {})).toEqual({ price: 0.851, pips: 10, pnl: null });
  });
  it("has nothing for a trade without an entry (pending)", () => {
    expect(unrealizedAt({ ...buy, entry_price: null }, { bid: "1", ask: "1" }, EURUSD, "USD")).toBeNull();
  });
});
