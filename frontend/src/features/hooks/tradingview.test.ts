import { describe, expect, it } from "vitest";
import { tradingViewMessage } from "./tradingview";

describe("the TradingView alert message", () => {
  it("is the docs' strategy alert, JSON, with the token's source and secret", () => {
    const message = JSON.parse(tradingViewMessage({ source: "tv-e2e", secret: "s3cret" }));
    expect(message).toMatchObject({
      ticker: "{{ticker}}",
      action: "{{strategy.order.action}}",
      alert_time: "{{timenow}}",
      sl_pips: 25,
      source: "tv-e2e",
      secret: "s3cret",
    });
  });
  it("leaves the secret out when the token has none", () => {
    expect(JSON.parse(tradingViewMessage())).not.toHaveProperty("secret");
    expect(JSON.parse(tradingViewMessage()).source).toBe("tv-breakout");
  });
});
