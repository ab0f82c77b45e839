import { describe, expect, it } from "vitest";
import type { Instrument } from "../../lib/types";
import {
  buildOrder,
  initialTicket,
  levelPrice,
  orderCosts,
  previewLevels,
  previewTicket,
  ticketReducer,
  type TicketContext,
  type TicketPreview,
  type TicketState,
} from "./ticket";

const EURUSD: Instrument = {
  symbol: "EURUSD",
  description: "Euro vs US Dollar",
  asset_class: "fx",
  base_currency: "EUR",
  quote_currency: "USD",
  pip_size: "0.0001",
  digits: 5,
  contract_size: "100000",
  min_lot: "0.01",
  lot_step: "0.01",
  max_lot: "100",
  default_spread_pips: "1.0",
  max_leverage: 500,
  swap_long: "0",
  swap_short: "0",
  providers: [],
  feeds: [],
};
const ctx = { instrument: EURUSD, bid: 1.1, ask: 1.1001, equity: 10000, accountCurrency: "USD", rate: 1 };
const ticket = (patch: Partial<TicketState>): TicketState => ({ ...initialTicket, ...patch });

describe("ticketReducer", () => {
  it("switching level units clears levels (a price is not a pip distance)", () => {
    const s = ticket({ stopLoss: "1.09800", takeProfits: ["1.10300", "", ""] });
    const next = ticketReducer(s, { type: "set", field: "levelUnit", value: "pips" });
    expect(next.stopLoss).toBe("");
    expect(next.takeProfits).toEqual(["", "", ""]);
  });
  it("a market order cannot keep a resting time in force", () => {
    const s = ticket({ type: "limit", timeInForce: "GTD" });
    expect(ticketReducer(s, { type: "set", field: "type", value: "market" }).timeInForce).toBe("GTC");
  });
  it("after sending, keeps side, size and units but clears levels", () => {
    const s = ticket({ side: "sell", lots: "0.30", levelUnit: "pips", stopLoss: "20", takeProfits: ["40", "", ""] });
    expect(ticketReducer(s, { type: "sent" })).toMatchObject({
      side: "sell",
      lots: "0.30",
      levelUnit: "pips",
      stopLoss: "",
      takeProfits: ["", "", ""],
    });
  });
});

describe("ticketReducer clear", () => {
  it("clears prices and levels, keeps side, type, size and units", () => {
    const s = ticket({ side: "sell", type: "limit", price: "1.10500", lots: "0.30", stopLoss: "1.10800" });
    expect(ticketReducer(s, { type: "clear" })).toEqual({ ...s, price: "", stopLoss: "" });
  });
});

describe("levels in pips", () => {
  it("SL below and TP above the entry for a buy; mirrored for a sell", () => {
    expect(levelPrice("20", "pips", 1.1001, "buy", "stop", EURUSD)).toBe(1.0981);
    expect(levelPrice("40", "pips", 1.1001, "buy", "target", EURUSD)).toBe(1.1041);
    expect(levelPrice("20", "pips", 1.1, "sell", "stop", EURUSD)).toBe(1.102);
    expect(levelPrice("15.5", "pips", 1.1, "sell", "target", EURUSD)).toBe(1.09845);
    expect(levelPrice("", "pips", 1.1, "sell", "target", EURUSD)).toBeNull();
  });
});

describe("previewTicket", () => {
  it("market buy: entry at the ask, risk and R:R from the levels", () => {
    // ask 1.10010, SL 1.09800: 21 pips × 0.10 lots × $10 = $21.00; TP 1.10300: 29 / 21 = 1.38
    const p = previewTicket(ticket({ lots: "0.10", stopLoss: "1.09800", takeProfits: ["1.10300", "", ""] }), ctx);
    expect(p.entry).toBe(1.1001);
    expect(p.riskMoney).toBeCloseTo(21, 9);
    expect(p.rewardToRisk).toBeCloseTo(29 / 21, 9);
    expect(p.errors).toEqual({});
  });
  it("risk % mode sizes the lots from the stop distance before sending", () => {
    // 1 % of 10,000 = 100 USD over 20 pips (200 USD per lot) → 0.50 lots
    const p = previewTicket(ticket({ sizeMode: "risk", riskPct: "1", levelUnit: "pips", stopLoss: "20" }), ctx);
    expect(p.stopLoss).toBe(1.0981);
    expect(p.lots).toBe(0.5);
    expect(p.riskMoney).toBeCloseTo(100, 9);
  });
  it("risk % mode without a stop explains why it cannot size", () => {
    const p = previewTicket(ticket({ sizeMode: "risk", riskPct: "1" }), ctx);
    expect(p.lots).toBeNull();
    expect(p.errors.lot_size).toBe("Risk sizing needs a stop loss.");
  });
  it("puts each error on its field", () => {
    const p = previewTicket(
      ticket({ side: "sell", lots: "0.015", stopLoss: "1.09000", takeProfits: ["", "1.20000", ""] }),
      ctx,
    );
    expect(p.errors).toEqual({
      lot_size: "In steps of 0.01.",
      stop_loss: "A sell's stop loss must be above the entry.",
      take_profit_2: "A sell's take profit must be below the entry.",
    });
  });
  it("a limit order needs its price and measures levels from it", () => {
    expect(previewTicket(ticket({ type: "limit" }), ctx).errors.price).toBe("Enter a price.");
    const p = previewTicket(ticket({ type: "limit", price: "1.09500", levelUnit: "pips", stopLoss: "30" }), ctx);
    expect(p.entry).toBe(1.095);
    expect(p.stopLoss).toBe(1.092);
  });
});

describe("previewLevels (the chart's preview lines)", () => {
  const USDJPY = { ...EURUSD, symbol: "USDJPY", base_currency: "USD", quote_currency: "JPY", pip_size: "0.01", digits: 3 };
  const levels = (s: TicketState, c: TicketContext = ctx, instrument = EURUSD) =>
    previewLevels(s, previewTicket(s, { ...c, instrument }), instrument);

  it("market buy in prices: SL and TP1 as typed, no entry line (the ask is already drawn)", () => {
    expect(levels(ticket({ stopLoss: "1.09800", takeProfits: ["1.10300", "", ""] }))).toEqual([
      { kind: "stop_loss", price: 1.098, label: "SL" },
      { kind: "take_profit_1", price: 1.103, label: "TP1" },
    ]);
  });
  it("market buy in pips: measured from the ask 1.10010 (SL 20 → 1.09810, TP1 30 → 1.10310, TP2 45.5 → 1.10465)", () => {
    const s = ticket({ levelUnit: "pips", stopLoss: "20", takeProfits: ["30", "45.5", ""] });
    expect(levels(s)).toEqual([
      { kind: "stop_loss", price: 1.0981, label: "SL" },
      { kind: "take_profit_1", price: 1.1031, label: "TP1" },
      { kind: "take_profit_2", price: 1.10465, label: "TP2" },
    ]);
  });
  it("market sell in pips on USDJPY: from the bid 150.000, SL 25 pips above (150.250), TP 50 below (149.500)", () => {
    const s = ticket({ side: "sell", levelUnit: "pips", stopLoss: "25", takeProfits: ["50", "", ""] });
    expect(levels(s, { ...ctx, bid: 150, ask: 150.02 }, USDJPY)).toEqual([
      { kind: "stop_loss", price: 150.25, label: "SL" },
      { kind: "take_profit_1", price: 149.5, label: "TP1" },
    ]);
  });
  it("sell limit: its price is the entry line and the pips count from it (1.10500 + 25 = 1.10750, − 50 = 1.10000)", () => {
    const s = ticket({ side: "sell", type: "limit", price: "1.105", levelUnit: "pips", stopLoss: "25", takeProfits: ["50", "", ""] });
    expect(levels(s)).toEqual([
      { kind: "entry", price: 1.105, label: "Sell limit" },
      { kind: "stop_loss", price: 1.1075, label: "SL" },
      { kind: "take_profit_1", price: 1.1, label: "TP1" },
    ]);
  });
  it("buy stop-limit: trigger and limit lines; pips from the limit (1.10250 − 20 = 1.10050)", () => {
    const s = ticket({ type: "stop_limit", price: "1.10200", limitPrice: "1.10250", levelUnit: "pips", stopLoss: "20" });
    expect(levels(s)).toEqual([
      { kind: "entry", price: 1.102, label: "Buy stop" },
      { kind: "limit", price: 1.1025, label: "Buy limit" },
      { kind: "stop_loss", price: 1.1005, label: "SL" },
    ]);
  });
  it("leaves out levels with an error and pips with no entry to measure from", () => {
    // A buy's SL above the ask and a TP below it are refused by the preview: no line.
    expect(levels(ticket({ stopLoss: "1.10100", takeProfits: ["1.09900", "1.10400", ""] }))).toEqual([
      { kind: "take_profit_2", price: 1.104, label: "TP2" },
    ]);
    expect(levels(ticket({ levelUnit: "pips", stopLoss: "-5" }))).toEqual([]);
    expect(levels(ticket({ type: "limit", levelUnit: "pips", stopLoss: "20" }))).toEqual([]);
    expect(levels(ticket({ stopLoss: "20" }), { ...ctx, ask: null, bid: null })).toEqual([
      { kind: "stop_loss", price: 20, label: "SL" },
    ]);
  });
  it("is empty once the ticket is sent or cleared", () => {
    const s = ticket({ type: "limit", price: "1.09500", stopLoss: "1.09200", takeProfits: ["1.10000", "", ""] });
    expect(levels(s)).toHaveLength(3);
    expect(levels(ticketReducer(s, { type: "sent" }))).toEqual([]);
    expect(levels(ticketReducer(s, { type: "clear" }))).toEqual([]);
  });
});

describe("buildOrder", () => {
  it("a market GTC order goes to trades/execute/ with prices at the instrument's digits", () => {
    const s = ticket({ lots: "0.1", stopLoss: "1.098", takeProfits: ["1.103", "", ""] });
    const order = buildOrder(s, previewTicket(s, ctx), EURUSD, 4, "web-1");
    expect(order).toEqual({
      path: "trades/execute/",
      body: {
        symbol: "EURUSD",
        order_type: "buy",
        lot_size: "0.10",
        account: 4,
        client_order_id: "web-1",
        entry_price: "1.10010",
        stop_loss: "1.09800",
        take_profit_1: "1.10300",
      },
    });
  });
  it("a stop-limit GTD order goes to orders/ with both prices and the expiry", () => {
    const s = ticket({
      side: "sell",
      type: "stop_limit",
      price: "1.0950",
      limitPrice: "1.0945",
      timeInForce: "GTD",
      expireAt: "2030-01-02T03:04",
      lots: "0.25",
    });
    const order = buildOrder(s, previewTicket(s, ctx), EURUSD, 4, "web-2");
    expect(order.path).toBe("orders/");
    expect(order.body).toMatchObject({
      side: "sell",
      type: "stop_limit",
      price: "1.09500",
      limit_price: "1.09450",
      time_in_force: "GTD",
      lot_size: "0.25",
    });
    expect(order.body.expire_at).toBe(new Date("2030-01-02T03:04").toISOString());
  });
  it("an IOC market order goes to orders/ (execute has no time in force)", () => {
    const s = ticket({ timeInForce: "IOC", stopLoss: "1.09800" });
    expect(buildOrder(s, previewTicket(s, ctx), EURUSD, 1, "x").path).toBe("orders/");
  });
});

describe("orderCosts: margin, pip value and the refusals known before sending", () => {
  const eurusd = { contract_size: "100000", pip_size: "0.0001", max_leverage: 50 };
  const terms = { leverage: 100, mode: "hedging", freeMargin: 10_000, equity: 10_000, maxRiskPct: null, currency: "USD" };
  const preview = (over: Partial<TicketPreview>): TicketPreview => ({
    entry: 1.1001,
    stopLoss: 1.098,
    takeProfits: [null, null, null],
    lots: 0.1,
    riskMoney: 21,
    rewardToRisk: null,
    errors: {},
    ...over,
  });
  it("margin = lots × contract × entry ÷ leverage, pip value = lots × contract × pip", () => {
    // 0.10 × 100,000 × 1.10010 ÷ 100 = 110.01 USD; 0.10 × 100,000 × 0.0001 = 1.00 USD a pip.
    expect(orderCosts(preview({}), eurusd, 1, terms)).toEqual({ margin: 110.01, pipValue: 1, refusal: null });
    // NFA caps EURUSD at 50:1: 220.02. USDJPY on USD converts at 1/price: 1 lot at 150.000 → 1,000.00 USD at 100:1.
    expect(orderCosts(preview({}), eurusd, 1, { ...terms, mode: "nfa" }).margin).toBe(220.02);
    const usdjpy = { contract_size: "100000", pip_size: "0.01", max_leverage: 50 };
    const jpy = orderCosts(preview({ entry: 150, lots: 1 }), usdjpy, 1 / 150, terms);
    expect([jpy.margin, jpy.pipValue]).toEqual([1000, 6.67]); // 1,000 JPY a pip ÷ 150
  });
  it("knows the server would refuse: margin above the free margin, a missing stop, risk over the cap", () => {
    const big = orderCosts(preview({ lots: 100 }), eurusd, 1, terms);
    expect(big.refusal).toEqual({ code: "insufficient_margin", message: "Needs 110,010.00 USD of margin; 10,000.00 USD is free." });
    const capped = { ...terms, maxRiskPct: 0.1 }; // 0.1 % of 10,000 = 10.00
    expect(orderCosts(preview({}), eurusd, 1, capped).refusal?.code).toBe("risk_per_trade_exceeded");
    expect(orderCosts(preview({ stopLoss: null, riskMoney: null }), eurusd, 1, capped).refusal?.code).toBe("stop_loss_required");
    expect(orderCosts(preview({ riskMoney: 10 }), eurusd, 1, capped).refusal).toBeNull(); // at the cap is allowed
  });
  it("says nothing without lots, an entry or a rate", () => {
    expect(orderCosts(preview({ lots: null }), eurusd, 1, terms)).toEqual({ margin: null, pipValue: null, refusal: null });
    expect(orderCosts(preview({}), eurusd, null, terms).margin).toBeNull();
  });
});
