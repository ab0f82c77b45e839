import { describe, expect, it } from "vitest";
import { symbolTradesQuery } from "./api";

describe("symbolTradesQuery", () => {
  it("asks for the symbol's trades of the account's current period, newest first", () => {
    expect(symbolTradesQuery(7, "EURUSD")).toEqual({
      account: 7,
      symbol: "EURUSD",
      period: "current",
      page_size: 200,
      ordering: "-id",
    });
  });
});
