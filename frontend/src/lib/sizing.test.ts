import { describe, expect, it } from "vitest";
import { lotsError, lotsForRisk, quoteToAccountRate, rewardToRisk, riskMoney, roundLotsDown } from "./sizing";

const EURUSD = {
  symbol: "EURUSD",
  base_currency: "EUR",
  quote_currency: "USD",
  contract_size: "100000",
  min_lot: "0.01",
  lot_step: "0.01",
  max_lot: "100",
};
const USDJPY = { ...EURUSD, symbol: "USDJPY", base_currency: "USD", quote_currency: "JPY" };
const XAUUSD = { ...EURUSD, symbol: "XAUUSD", base_currency: "XAU", contract_size: "100" };
const EURGBP = { ...EURUSD, symbol: "EURGBP", quote_currency: "GBP" };

describe("quoteToAccountRate", () => {
  it("is 1 when the quote currency is the account currency", () => {
    expect(quoteToAccountRate(EURUSD, "USD", 1.1)).toBe(1);
  });
  it("divides by the price when the base is the account currency (USDJPY on USD)", () => {
    expect(quoteToAccountRate(USDJPY, "USD", 150)).toBeCloseTo(1 / 150, 12);
  });
  it("goes through the conversion pair's mid for crosses (EURGBP × GBPUSD)", () => {
    expect(quoteToAccountRate(EURGBP, "USD", 0.85, { GBPUSD: 1.25 })).toBe(1.25);
    expect(quoteToAccountRate({ ...EURGBP, quote_currency: "JPY" }, "USD", 160, { USDJPY: 150 })).toBeCloseTo(
      1 / 150,
      12,
    );
  });
  it("is null when no conversion quote is known", () => {
    expect(quoteToAccountRate(EURGBP, "USD", 0.85, {})).toBeNull();
  });
});

describe("lotsForRisk", () => {
  it("EURUSD: 1 % of 10,000 over a 20-pip stop is 0.50 lots ($10 per pip per lot)", () => {
    // risk per lot = 0.00200 × 100,000 = 200 USD; budget 100 USD → 0.5 lots
    const r = lotsForRisk({ equity: 10000, riskPct: 1, entry: 1.1001, stop: 1.0981, instrument: EURUSD, rate: 1 });
    expect(r).toEqual({ ok: true, lots: 0.5, risk: expect.closeTo(100, 6), capped: false });
  });

  it("rounds down to the lot step, never up (over-risking)", () => {
    // 2 % of 10,000 = 200 over 30 pips: 300 per lot → 0.6666 → 0.66, risk 198.00
    const r = lotsForRisk({ equity: 10000, riskPct: 2, entry: 1.1, stop: 1.097, instrument: EURUSD, rate: 1 });
    expect(r.ok && r.lots).toBe(0.66);
    expect(r.ok && r.risk).toBeCloseTo(198, 6);
  });

  it("USDJPY on a USD account converts through the price: 50 pips at 150.000 → 0.30 lots", () => {
    // per lot = 0.5 × 100,000 / 150 = 333.33 USD; 100 / 333.33 = 0.3
    const r = lotsForRisk({
      equity: 10000,
      riskPct: 1,
      entry: 150,
      stop: 149.5,
      instrument: USDJPY,
      rate: quoteToAccountRate(USDJPY, "USD", 150),
    });
    expect(r.ok && r.lots).toBe(0.3);
  });

  it("XAUUSD: a $10 stop on 100 oz contracts is $1,000 per lot → 0.10 lots for $100", () => {
    const r = lotsForRisk({ equity: 10000, riskPct: 1, entry: 2000, stop: 1990, instrument: XAUUSD, rate: 1 });
    expect(r.ok && r.lots).toBe(0.1);
  });

  it("refuses without a stop, without a rate, and below the minimum lot", () => {
    const base = { equity: 10000, riskPct: 1, entry: 1.1, instrument: EURUSD, rate: 1 };
    expect(lotsForRisk({ ...base, stop: null })).toEqual({ ok: false, reason: "no_stop" });
    expect(lotsForRisk({ ...base, stop: 1.1 })).toEqual({ ok: false, reason: "no_stop" });
    expect(lotsForRisk({ ...base, stop: 1.09, rate: null })).toEqual({ ok: false, reason: "no_conversion" });
    // 0.01 % of 10,000 = 1 USD over 100 pips (1,000 per lot) = 0.001 lots < 0.01
    expect(lotsForRisk({ ...base, riskPct: 0.01, stop: 1.09 })).toEqual({ ok: false, reason: "below_min_lot" });
  });

  it("caps at the instrument's max lot", () => {
    const r = lotsForRisk({ equity: 10_000_000, riskPct: 10, entry: 1.1, stop: 1.0999, instrument: EURUSD, rate: 1 });
    expect(r).toMatchObject({ ok: true, lots: 100, capped: true });
  });
});

describe("lot grid and ratios", () => {
  it("roundLotsDown is robust to binary fractions", () => {
    expect(roundLotsDown(0.3, EURUSD)).toBe(0.3);
    expect(roundLotsDown(0.29999, EURUSD)).toBe(0.29);
    expect(roundLotsDown(1.005, EURUSD)).toBe(1);
  });
  it("lotsError explains off-grid and out-of-range sizes", () => {
    expect(lotsError(0.1, EURUSD)).toBeNull();
    expect(lotsError(0.015, EURUSD)).toBe("In steps of 0.01.");
    expect(lotsError(0.001, EURUSD)).toBe("At least 0.01 lots.");
    expect(lotsError(101, EURUSD)).toBe("At most 100 lots.");
    expect(lotsError(NaN, EURUSD)).toBe("Enter a size.");
  });
  it("riskMoney and rewardToRisk", () => {
    // EURUSD 0.10 lots, 20 pips: 0.0020 × 0.1 × 100,000 = 20 USD
    expect(riskMoney(1.1001, 1.0981, 0.1, 100000, 1)).toBeCloseTo(20, 9);
    expect(rewardToRisk(1.1, 1.098, 1.106)).toBeCloseTo(3, 9);
    expect(rewardToRisk(1.1, null, 1.106)).toBeNull();
    expect(rewardToRisk(1.1, 1.1, 1.106)).toBeNull();
  });
});
