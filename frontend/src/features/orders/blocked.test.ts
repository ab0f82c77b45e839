import { describe, expect, it } from "vitest";
import { sendBlockedReason } from "./OrderTicket";

describe("sendBlockedReason", () => {
  it("names why the ticket cannot send: offline first, then a symbol without a price", () => {
    expect(sendBlockedReason({ connection: "reconnecting", priceState: "live", symbol: "EURUSD" })).toBe(
      "Offline: sending is paused until the connection is back.",
    );
    expect(sendBlockedReason({ connection: "closed", priceState: "none", symbol: "AUDUSD" })).toMatch(/^Offline/);
    expect(sendBlockedReason({ connection: "open", priceState: "none", symbol: "AUDUSD" })).toBe(
      "No price for AUDUSD: the feed does not quote it.",
    );
    expect(sendBlockedReason({ connection: "open", priceState: "loading", symbol: "AUDUSD" })).toMatch(/^Waiting/);
    expect(sendBlockedReason({ connection: "open", priceState: "live", symbol: "EURUSD" })).toBeNull();
    // The first connection attempt is not an outage.
    expect(sendBlockedReason({ connection: "connecting", priceState: "live", symbol: "EURUSD" })).toBeNull();
  });
});
