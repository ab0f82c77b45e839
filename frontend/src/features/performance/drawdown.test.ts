import { describe, expect, it } from "vitest";
import { curveWithDrawdown } from "./drawdown";

const p = (time: string, equity: string, balance = equity) => ({ time, equity, balance });

describe("curveWithDrawdown", () => {
  it("measures drawdown from the running peak", () => {
    const curve = curveWithDrawdown([
      p("2026-01-01T00:00:00Z", "10000.00"),
      p("2026-01-01T01:00:00Z", "10200.00"),
      p("2026-01-01T02:00:00Z", "9945.00"),
      p("2026-01-01T03:00:00Z", "10300.00"),
    ]);
    expect(curve.map((c) => c.drawdown)).toEqual([0, 0, -255, 0]);
    expect(curve[2]!.drawdownPct).toBeCloseTo(-2.5, 9);
  });
  it("keeps one point per second (the last) in time order, as the chart requires", () => {
    const curve = curveWithDrawdown([
      p("2026-01-01T00:00:01.900Z", "10010.00"),
      p("2026-01-01T00:00:00Z", "10000.00"),
      p("2026-01-01T00:00:01.100Z", "10005.00"),
    ]);
    expect(curve.map((c) => [c.time, c.equity])).toEqual([
      [1767225600, 10000],
      [1767225601, 10005],
    ]);
  });
});
