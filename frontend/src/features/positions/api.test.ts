import { describe, expect, it } from "vitest";
import { API, withQuery } from "../../lib/api-client";
import { historyQuery } from "./api";

describe("historyQuery", () => {
  it("asks for the account's current period only, so a reset account's history starts empty", () => {
    expect(historyQuery(3, { status: "closed", symbol: "", days: "30" })).toEqual({
      account: 3,
      period: "current",
      status: "closed",
      symbol: undefined,
      days: "30",
    });
  });

  it("gives the CSV export the same filters as the table", () => {
    const query = historyQuery(3, { status: "cancelled", symbol: "XAUUSD", days: "" });
    const href = withQuery(`${API}/trades/export/`, query);
    expect(href).toBe(`${API}/trades/export/?account=3&period=current&status=cancelled&symbol=XAUUSD`);
  });
});
