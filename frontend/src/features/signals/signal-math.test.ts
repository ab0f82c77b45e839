import { describe, expect, it } from "vitest";
import type { Signal } from "../../lib/types";
import { formatCountdown, formatR, formatRewardRisk, msUntil, rewardRisk, signalEntry, sizingTerm } from "./signal-math";

const signal = (fields: Partial<Signal>): Signal =>
  ({ entry_price: null, stop_loss: null, take_profit_1: null, side: "buy", bid: null, ask: null, decision: null, ...fields }) as Signal;

describe("reward to risk", () => {
  it("measures from the signal's entry price", () => {
    // |1.10100 − 1.10000| / |1.10000 − 1.09950| = 2
    const rr = rewardRisk(signal({ entry_price: "1.10000", stop_loss: "1.09950", take_profit_1: "1.10100" }));
    expect(rr).toBeCloseTo(2, 9);
    expect(formatRewardRisk(rr)).toBe("1 : 2.00");
  });
  it("without an entry, from the sizing's entry, else the fill side of the quote at receipt", () => {
    const sized = signal({ decision: { sizing: { entry: "60010.00" } } as unknown as Signal["decision"] });
    expect(signalEntry(sized)).toBe(60010);
    expect(signalEntry(signal({ side: "buy", bid: "60000.00", ask: "60010.00" }))).toBe(60010);
    expect(signalEntry(signal({ side: "sell", bid: "60000.00", ask: "60010.00" }))).toBe(60000);
    // The e2e alert: ask 60010, SL 59010, TP 61010 → 1000 / 1000.
    const rr = rewardRisk(signal({ ask: "60010.00", bid: "60000.00", stop_loss: "59010", take_profit_1: "61010" }));
    expect(formatRewardRisk(rr)).toBe("1 : 1.00");
  });
  it("is unknown without a level or with a zero stop distance", () => {
    expect(rewardRisk(signal({ entry_price: "1.1", stop_loss: "1.09" }))).toBeNull();
    expect(rewardRisk(signal({ entry_price: "1.1", stop_loss: "1.1", take_profit_1: "1.2" }))).toBeNull();
    expect(formatRewardRisk(null)).toBe("—");
  });
  it("reads sizing terms as the server's strings", () => {
    const s = signal({ decision: { sizing: { budget: "100.06", multiplier: "1.0", capped: false, odd: {} } } as unknown as Signal["decision"] });
    expect([sizingTerm(s, "budget"), sizingTerm(s, "multiplier"), sizingTerm(s, "capped"), sizingTerm(s, "odd"), sizingTerm(s, "x")]).toEqual([
      "100.06",
      "1.0",
      "false",
      null,
      null,
    ]);
  });
});

describe("countdown", () => {
  it("counts down in minutes and seconds, rounding a started second up", () => {
    expect(formatCountdown(65_000)).toBe("1:05");
    expect(formatCountdown(8_001)).toBe("0:09");
    expect(formatCountdown(3_723_000)).toBe("1:02:03");
  });
  it("says expired at zero and after, and — without a time", () => {
    expect(formatCountdown(0)).toBe("expired");
    expect(formatCountdown(-5)).toBe("expired");
    expect(formatCountdown(null)).toBe("—");
  });
  it("measures to expires_at", () => {
    const now = Date.parse("2026-12-02T14:30:00Z");
    expect(msUntil("2026-12-02T14:32:00Z", now)).toBe(120_000);
    expect(msUntil("not a time", now)).toBeNull();
    expect(msUntil(null, now)).toBeNull();
  });
});

describe("R multiples", () => {
  it("are signed with two places", () => {
    expect([formatR("1.25"), formatR("-0.5"), formatR("0"), formatR(null)]).toEqual(["+1.25 R", "−0.50 R", "0.00 R", "—"]);
  });
});
