import { describe, expect, it } from "vitest";
import vectors from "../../lib/indicator-vectors.json";
import { compute, parseIndicatorSettings, type IndicatorKind } from "./indicators";

const bars = vectors.bars.map((b) => ({ high: Number(b.high), low: Number(b.low), close: Number(b.close) }));

describe("the browser's indicators agree with the server's (indicator-vectors.json)", () => {
  for (const c of vectors.cases) {
    it(`${c.kind.toUpperCase()}(${c.period})`, () => {
      const got = compute(c.kind as IndicatorKind, bars, c.period);
      expect(got.length).toBe(c.values.length);
      got.forEach((value, i) => {
        const want = c.values[i];
        if (want === null) expect(value, `bar ${i}`).toBeNull();
        else expect(Math.abs((value ?? NaN) - Number(want)), `bar ${i}`).toBeLessThan(1e-9);
      });
    });
  }
});

describe("indicator settings", () => {
  it("read what was stored and fall back to the defaults for the rest", () => {
    const stored = JSON.stringify([{ kind: "rsi", period: 7, on: true }, { kind: "sma", period: 0, on: true }]);
    const settings = parseIndicatorSettings(stored);
    expect(settings.find((s) => s.kind === "rsi")).toEqual({ kind: "rsi", period: 7, on: true });
    expect(settings.find((s) => s.kind === "sma")).toEqual({ kind: "sma", period: 20, on: true }); // period 0 refused
    expect(parseIndicatorSettings("not json").every((s) => !s.on)).toBe(true);
  });
});
