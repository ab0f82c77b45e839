import { describe, expect, it } from "vitest";
import { announce, AnnouncementStore, reasonWords, refusal } from "./announcements";
import { ApiError } from "./api-client";
import type { Account, ServerMessage, Trade } from "./types";

const usd = () => "USD";

function trade(overrides: Partial<Trade>): Trade {
  return {
    id: 26,
    account: 1,
    symbol: "EURUSD",
    pair: "EURUSD",
    order_type: "buy",
    entry_type: "market",
    status: "open",
    lot_size: "0.10",
    original_lot_size: "0.10",
    price: null,
    entry_price: "1.10010",
    exit_price: null,
    stop_loss: "1.09800",
    profit_loss: "0.00",
    fills: [],
    ...overrides,
  } as Trade;
}

const exit = (reason: string, lots: string, price: string, pnl: string) => ({
  id: 9,
  kind: reason === "manual" ? "close" : "exit",
  reason,
  lot_size: lots,
  price,
  pnl,
  pips: "0",
  time: "2026-12-02T10:00:00Z",
});

describe("announce", () => {
  it("a take-profit hit: number, symbol, reason in words, price and P&L, a profit", () => {
    const closed = trade({ status: "closed", exit_price: "1.10300", profit_loss: "29.00", fills: [exit("tp1_hit", "0.10", "1.10300", "29.00")] as Trade["fills"] });
    const message = { type: "trade_closed", trade: closed, reason: "tp1_hit" } as ServerMessage;
    expect(announce(message, usd)).toEqual({
      tone: "profit",
      title: "#26 EURUSD TP1 hit",
      detail: "0.10 lots at 1.10300 · +29.00 USD",
      tradeId: 26,
      symbol: "EURUSD",
    });
  });

  it("a stop-loss hit is a loss; a partial TP says what is left", () => {
    // Sell 0.10 from 1.10000, SL 1.10210 filled at 1.10210: −21 pips × 1.00 = −21.00.
    const sl = trade({ order_type: "sell", status: "closed", fills: [exit("sl_hit", "0.10", "1.10210", "-21.00")] as Trade["fills"] });
    const hit = announce({ type: "trade_closed", trade: sl, reason: "sl_hit" } as ServerMessage, usd);
    expect(hit).toMatchObject({ tone: "loss", title: "#26 EURUSD SL hit", detail: "0.10 lots at 1.10210 · −21.00 USD" });
    const part = trade({ lot_size: "0.05", fills: [exit("tp1_hit", "0.05", "1.10300", "14.50")] as Trade["fills"] });
    const partial = announce({ type: "trade_updated", trade: part, reason: "tp1_hit" } as ServerMessage, usd);
    expect(partial?.detail).toBe("0.05 lots at 1.10300 · +14.50 USD (0.05 lots left)");
  });

  it("a pending order filling and one being placed", () => {
    const filled = trade({ entry_type: "limit", price: "1.09900", entry_price: "1.09900" });
    expect(announce({ type: "trade_execution", trade: filled } as ServerMessage, usd)).toMatchObject({
      tone: "info",
      title: "#26 EURUSD Buy limit order filled",
      detail: "0.10 lots at 1.09900",
    });
    const placed = trade({ entry_type: "stop", status: "pending", price: "1.10500", entry_price: null });
    expect(announce({ type: "trade_execution", trade: placed } as ServerMessage, usd)?.title).toBe("#26 EURUSD Buy stop placed");
  });

  it("a stop-out is an error, a margin call a warning with the level", () => {
    const out = trade({ status: "closed", fills: [exit("stop_out", "1.00", "1.05000", "-5010.00")] as Trade["fills"] });
    expect(announce({ type: "trade_closed", trade: out, reason: "stop_out" } as ServerMessage, usd)).toMatchObject({
      tone: "error",
      title: "#26 EURUSD Stopped out",
    });
    const account = { id: 1, name: "Paper account", margin_level: "95.2" } as Account;
    expect(announce({ type: "margin_call", account } as ServerMessage, usd)).toMatchObject({
      tone: "warning",
      title: "Margin call on “Paper account”",
      detail: "Margin level 95.20 %: positions are stopped out at 50 %.",
    });
  });

  it("says nothing for a plain SL/TP change, prices and bars", () => {
    expect(announce({ type: "trade_updated", trade: trade({}), reason: null } as ServerMessage, usd)).toBeNull();
    expect(announce({ type: "price_update", symbol: "EURUSD" } as ServerMessage, usd)).toBeNull();
  });

  it("a refused order in the server's words", () => {
    const error = new ApiError(422, "insufficient_margin", "Free margin 12.00 USD is below the 110.00 USD required.");
    expect(refusal("Order", error)).toEqual({
      tone: "error",
      title: "Order refused",
      detail: "Free margin 12.00 USD is below the 110.00 USD required.",
    });
  });
});

describe("reasonWords", () => {
  it("reads every exit reason of the API as words", () => {
    const codes = ["manual", "sl_hit", "tp1_hit", "tp2_hit", "tp3_hit", "trailing_stop", "stop_out", "expired", "cancelled", "fifo", "reset"];
    for (const code of codes) expect(reasonWords(code)).not.toMatch(/_/);
    expect(reasonWords("tp1_hit")).toBe("TP1 hit");
    expect(reasonWords("trailing_stop")).toBe("Trailing stop hit");
    expect(reasonWords("some_new_code")).toBe("Some new code");
    expect(reasonWords(null)).toBe("—");
  });
});

describe("AnnouncementStore", () => {
  it("keeps the newest first, at most `keep`, and tells its listeners", () => {
    const store = new AnnouncementStore(2);
    let heard = 0;
    store.subscribe(() => (heard += 1));
    store.add({ tone: "info", title: "a", detail: "" }, 1);
    store.add({ tone: "info", title: "b", detail: "" }, 2);
    store.add({ tone: "info", title: "c", detail: "" }, 3);
    expect(store.all().map((a) => a.title)).toEqual(["c", "b"]);
    expect(heard).toBe(3);
  });
});
