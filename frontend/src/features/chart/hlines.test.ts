import { afterEach, describe, expect, it } from "vitest";
import { addLine, MAX_LINES, readLines, removeLine } from "./hlines";

afterEach(() => localStorage.clear());

describe("horizontal lines", () => {
  it("are kept per symbol at the instrument's digits, high to low, without duplicates", () => {
    addLine("EURUSD", 1.100004, 5);
    addLine("EURUSD", 1.0995, 5);
    addLine("EURUSD", 1.10000, 5); // the same level again
    addLine("XAUUSD", 2001.234, 2);
    expect(readLines("EURUSD")).toEqual([1.1, 1.0995]);
    expect(readLines("XAUUSD")).toEqual([2001.23]);
    expect(removeLine("EURUSD", 1.1)).toEqual([1.0995]);
  });
  it("keep at most MAX_LINES and drop what is not a price", () => {
    for (let i = 1; i <= MAX_LINES + 5; i++) addLine("EURUSD", 1 + i / 1000, 5);
    expect(readLines("EURUSD")).toHaveLength(MAX_LINES);
    localStorage.setItem("chart:hlines:GBPUSD", JSON.stringify([1.25, "x", -1, null, 1.26]));
    expect(readLines("GBPUSD")).toEqual([1.26, 1.25]);
    localStorage.setItem("chart:hlines:USDJPY", "{broken");
    expect(readLines("USDJPY")).toEqual([]);
  });
});
