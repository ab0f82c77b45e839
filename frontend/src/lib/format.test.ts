import { describe, expect, it } from "vitest";
import {
  formatVolume,
  decimalsOf,
  formatDuration,
  formatLots,
  formatMoney,
  formatPips,
  formatPrice,
  pipsToPrice,
  priceToPips,
  signClass,
} from "./format";

describe("prices at the instrument's digits", () => {
  it("pads and rounds to digits", () => {
    expect(formatPrice("1.1", 5)).toBe("1.10000");
    expect(formatPrice(150.0004, 3)).toBe("150.000");
    expect(formatPrice("2001", 2)).toBe("2001.00");
    expect(formatPrice(null, 5)).toBe("—");
    expect(formatPrice("abc", 5)).toBe("—");
  });
  it("decimalsOf reads a step", () => {
    expect(decimalsOf("0.0001")).toBe(4);
    expect(decimalsOf("0.01")).toBe(2);
    expect(decimalsOf("0.10")).toBe(1);
    expect(decimalsOf("1")).toBe(0);
    expect(decimalsOf(1e-7)).toBe(7);
  });
});

describe("pips", () => {
  it("price distance to pips (docs/domain.md, Pips and P&L examples)", () => {
    expect(priceToPips(1.101 - 1.1, 0.0001)).toBe(10); // EURUSD +10 pips
    expect(priceToPips(2001 - 2000, 0.1)).toBe(10); // XAUUSD +10 pips
    expect(priceToPips(150.5 - 150, 0.01)).toBe(50); // USDJPY +50 pips
    expect(priceToPips(1.09985 - 1.1, 0.0001)).toBe(-1.5);
  });
  it("pips to a price distance at the instrument's digits", () => {
    expect(pipsToPrice(20, 0.0001, 5)).toBe(0.002);
    expect(pipsToPrice(15.5, 0.01, 3)).toBe(0.155);
    expect(pipsToPrice(3, 0.1, 2)).toBe(0.3);
  });
  it("signed pip text with a real minus", () => {
    expect(formatPips("10")).toBe("+10.0");
    expect(formatPips(-1.5)).toBe("−1.5");
    expect(formatPips(0)).toBe("0.0");
  });
});

describe("money, lots, durations", () => {
  it("formats money with separators, sign and no negative zero", () => {
    expect(formatMoney("10000")).toBe("10,000.00");
    expect(formatMoney(-1234.5)).toBe("−1,234.50");
    expect(formatMoney(332.23, true)).toBe("+332.23");
    expect(formatMoney(-0.001, true)).toBe("0.00");
    expect(signClass(-0.001)).toBe("");
    expect(signClass("12.50")).toBe("up");
    expect(signClass("-3")).toBe("down");
  });
  it("formats lots on the step's decimals", () => {
    expect(formatLots("0.1")).toBe("0.10");
    expect(formatLots(2, "0.001")).toBe("2.000");
  });
  it("formats durations", () => {
    expect(formatDuration(45)).toBe("45s");
    expect(formatDuration(3900)).toBe("1h 05m");
    expect(formatDuration(3 * 86400 + 7200)).toBe("3d 2h");
    expect(formatDuration(null)).toBe("—");
  });
});

describe("formatVolume", () => {
  it("abbreviates large tick counts and leaves small ones whole", () => {
    expect(formatVolume(845)).toBe("845");
    expect(formatVolume(9999)).toBe("9999");
    expect(formatVolume(12_345)).toBe("12.3K");
    expect(formatVolume(4_561_000)).toBe("4.56M");
    expect(formatVolume(undefined)).toBe("—");
  });
});
