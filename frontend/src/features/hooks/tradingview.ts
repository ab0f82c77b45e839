/**
 * The TradingView alert message of docs/signals.md, Examples: a strategy alert's placeholders,
 * with the token's source and secret filled in when known. Pasted into the alert's Message box;
 * the token's url goes into Webhook URL.
 */
export function tradingViewMessage(options: { source?: string; secret?: string } = {}): string {
  const message: Record<string, string | number> = {
    ticker: "{{ticker}}",
    action: "{{strategy.order.action}}",
    market_position: "{{strategy.market_position}}",
    prev_market_position: "{{strategy.prev_market_position}}",
    price: "{{close}}",
    sl_pips: 25,
    tp1_pips: 50,
    risk_pct: 1,
    alert_time: "{{timenow}}",
    signal_id: "{{strategy.order.id}}-{{timenow}}",
    source: options.source || "tv-breakout",
  };
  if (options.secret) message.secret = options.secret;
  return JSON.stringify(message, null, 2);
}
