/**
 * The order ticket's state, its live preview (levels, lots from risk, money at risk, R:R) and
 * the request it sends: `trades/execute/` for market orders, `orders/` for the others.
 */
import { decimalsOf, formatMoney, formatPrice, pipsToPrice, roundMoney, roundTo, toNumber } from "../../lib/format";
import { lotsError, lotsForRisk, rewardToRisk, riskMoney } from "../../lib/sizing";
import type { PreviewKind, PreviewLevel } from "../../lib/preview-lines";
import type { EntryType, Instrument, Side } from "../../lib/types";

export type LevelUnit = "price" | "pips";
export type SizeMode = "lots" | "risk";
export type TimeInForce = "GTC" | "DAY" | "GTD" | "IOC" | "FOK";
export const TP_FIELDS = ["take_profit_1", "take_profit_2", "take_profit_3"] as const;

export interface TicketState {
  side: Side;
  type: EntryType;
  timeInForce: TimeInForce;
  expireAt: string;
  sizeMode: SizeMode;
  lots: string;
  riskPct: string;
  price: string;
  limitPrice: string;
  levelUnit: LevelUnit;
  stopLoss: string;
  takeProfits: [string, string, string];
}

export const initialTicket: TicketState = {
  side: "buy",
  type: "market",
  timeInForce: "GTC",
  expireAt: "",
  sizeMode: "lots",
  lots: "0.10",
  riskPct: "1",
  price: "",
  limitPrice: "",
  levelUnit: "price",
  stopLoss: "",
  takeProfits: ["", "", ""],
};

export type TicketAction =
  | { type: "set"; field: Exclude<keyof TicketState, "takeProfits">; value: string }
  | { type: "setTakeProfit"; index: 0 | 1 | 2; value: string }
  | { type: "reset" }
  | { type: "clear" }
  | { type: "sent" };

export function ticketReducer(state: TicketState, action: TicketAction): TicketState {
  switch (action.type) {
    case "set": {
      const next = { ...state, [action.field]: action.value } as TicketState;
      // Switching units keeps no stale numbers: a price is not a pip distance.
      if (action.field === "levelUnit" && action.value !== state.levelUnit) {
        next.stopLoss = "";
        next.takeProfits = ["", "", ""];
      }
      if (action.field === "type" && action.value === "market" && !["GTC", "IOC", "FOK"].includes(state.timeInForce)) {
        next.timeInForce = "GTC";
      }
      return next;
    }
    case "setTakeProfit": {
      const takeProfits = [...state.takeProfits] as [string, string, string];
      takeProfits[action.index] = action.value;
      return { ...state, takeProfits };
    }
    case "sent":
    case "clear":
      // Keep side, type, size and units for the next trade; clear levels and prices.
      return { ...state, price: "", limitPrice: "", stopLoss: "", takeProfits: ["", "", ""] };
    case "reset":
      return initialTicket;
  }
}

export interface TicketContext {
  instrument: Instrument;
  bid: number | null;
  ask: number | null;
  equity: number;
  accountCurrency: string;
  /** Quote → account currency rate at the entry price, null if unknown. */
  rate: number | null;
  /**
   * The rate at any price: risk converts at the stop, as the server's does (it differs from the
   * entry's when the account currency is the base, USDJPY on USD). Without it, `rate` is used.
   */
  rateAt?: (price: number) => number | null;
}

export interface TicketPreview {
  entry: number | null;
  stopLoss: number | null;
  takeProfits: (number | null)[];
  lots: number | null;
  riskMoney: number | null;
  rewardToRisk: number | null;
  errors: Record<string, string>;
}

/** Reference entry: the fill side of the quote for market orders, else the order's price. */
export function referenceEntry(state: TicketState, ctx: Pick<TicketContext, "bid" | "ask">): number | null {
  if (state.type === "market") return state.side === "buy" ? ctx.ask : ctx.bid;
  if (state.type === "stop_limit") return toNumber(state.limitPrice) ?? toNumber(state.price);
  return toNumber(state.price);
}

/** A level typed in price or in pips from the entry (SL against the trade, TPs with it). */
export function levelPrice(
  raw: string,
  unit: LevelUnit,
  entry: number | null,
  side: Side,
  role: "stop" | "target",
  instrument: Pick<Instrument, "pip_size" | "digits">,
): number | null {
  const value = toNumber(raw);
  if (value === null) return null;
  if (unit === "price") return value;
  if (entry === null) return null;
  const distance = pipsToPrice(value, Number(instrument.pip_size), instrument.digits);
  const towardsProfit = (side === "buy") === (role === "target");
  return roundTo(entry + (towardsProfit ? distance : -distance), instrument.digits);
}

export function previewTicket(state: TicketState, ctx: TicketContext): TicketPreview {
  const { instrument } = ctx;
  const errors: Record<string, string> = {};
  const entry = referenceEntry(state, ctx);
  if (state.type !== "market" && toNumber(state.price) === null) errors.price = "Enter a price.";
  if (state.type === "stop_limit" && toNumber(state.limitPrice) === null) errors.limit_price = "Enter a limit price.";
  if (state.timeInForce === "GTD" && !state.expireAt) errors.expire_at = "Choose an expiry.";
  const stopLoss = levelPrice(state.stopLoss, state.levelUnit, entry, state.side, "stop", instrument);
  const takeProfits = state.takeProfits.map((raw) =>
    levelPrice(raw, state.levelUnit, entry, state.side, "target", instrument),
  );
  if (state.levelUnit === "pips") {
    if (state.stopLoss && !(Number(state.stopLoss) > 0)) errors.stop_loss = "Pips must be positive.";
    state.takeProfits.forEach((raw, i) => {
      if (raw && !(Number(raw) > 0)) errors[TP_FIELDS[i]!] = "Pips must be positive.";
    });
  }
  const buy = state.side === "buy";
  if (entry !== null && stopLoss !== null && !errors.stop_loss) {
    if (buy ? stopLoss >= entry : stopLoss <= entry) {
      errors.stop_loss = buy ? "A buy's stop loss must be below the entry." : "A sell's stop loss must be above the entry.";
    }
  }
  takeProfits.forEach((tp, i) => {
    const field = TP_FIELDS[i]!;
    if (entry === null || tp === null || errors[field]) return;
    if (buy ? tp <= entry : tp >= entry) {
      errors[field] = buy ? "A buy's take profit must be above the entry." : "A sell's take profit must be below the entry.";
    }
  });

  const riskRate = ctx.rateAt && stopLoss !== null ? ctx.rateAt(stopLoss) : ctx.rate;
  let lots: number | null = null;
  if (state.sizeMode === "lots") {
    lots = toNumber(state.lots);
    const problem = lotsError(lots ?? NaN, instrument);
    if (problem) errors.lot_size = problem;
  } else if (entry !== null) {
    const pct = toNumber(state.riskPct);
    if (pct === null || pct <= 0) {
      errors.lot_size = "Enter a risk %.";
    } else {
      const sized = lotsForRisk({ equity: ctx.equity, riskPct: pct, entry, stop: stopLoss, instrument, rate: riskRate });
      if (sized.ok) lots = sized.lots;
      else
        errors.lot_size = {
          no_stop: "Risk sizing needs a stop loss.",
          no_conversion: `No ${instrument.quote_currency}→${ctx.accountCurrency} rate yet.`,
          below_min_lot: `That risk is below ${instrument.min_lot} lots at this stop.`,
        }[sized.reason];
    }
  }
  const risk =
    entry !== null && stopLoss !== null && lots !== null && riskRate !== null && !errors.stop_loss
      ? riskMoney(entry, stopLoss, lots, Number(instrument.contract_size), riskRate)
      : null;
  const rr = entry !== null ? rewardToRisk(entry, stopLoss, takeProfits.find((tp) => tp !== null) ?? null) : null;
  return { entry, stopLoss, takeProfits, lots, riskMoney: risk, rewardToRisk: rr, errors };
}

const TP_LABELS = ["TP1", "TP2", "TP3"] as const;

/**
 * The levels the order would carry, for the chart's preview lines: the order's own price for
 * resting orders (trigger and limit for a stop-limit; a market order's entry is the live quote,
 * already on the chart), then SL and TP1–3 as `previewTicket` computed them (pips become prices
 * from the reference entry). A level whose field has an error is left out: the lines show
 * what would be sent, nothing else.
 */
export function previewLevels(
  state: TicketState,
  preview: TicketPreview,
  instrument: Pick<Instrument, "digits">,
): PreviewLevel[] {
  const side = state.side === "buy" ? "Buy" : "Sell";
  const out: PreviewLevel[] = [];
  const add = (kind: PreviewKind, price: number | null, label: string, field: string) => {
    if (price === null || !(price > 0) || preview.errors[field]) return;
    out.push({ kind, price: roundTo(price, instrument.digits), label });
  };
  const price = toNumber(state.price);
  if (state.type === "limit") add("entry", price, `${side} limit`, "price");
  if (state.type === "stop" || state.type === "stop_limit") add("entry", price, `${side} stop`, "price");
  if (state.type === "stop_limit") add("limit", toNumber(state.limitPrice), `${side} limit`, "limit_price");
  add("stop_loss", preview.stopLoss, "SL", "stop_loss");
  preview.takeProfits.forEach((tp, i) => add(TP_FIELDS[i]!, tp, TP_LABELS[i]!, TP_FIELDS[i]!));
  return out;
}

export interface OrderRequest {
  path: "trades/execute/" | "orders/";
  body: Record<string, unknown>;
}

/** The REST request for the ticket, with prices at the instrument's digits. */
export function buildOrder(
  state: TicketState,
  preview: TicketPreview,
  instrument: Instrument,
  account: number,
  clientOrderId: string,
): OrderRequest {
  const digits = instrument.digits;
  const levels: Record<string, string> = {};
  if (preview.stopLoss !== null) levels.stop_loss = formatPrice(preview.stopLoss, digits);
  preview.takeProfits.forEach((tp, i) => {
    if (tp !== null) levels[TP_FIELDS[i]!] = formatPrice(tp, digits);
  });
  const lots = (preview.lots ?? 0).toFixed(decimalsOf(instrument.lot_step));
  if (state.type === "market" && state.timeInForce === "GTC") {
    return {
      path: "trades/execute/",
      body: {
        symbol: instrument.symbol,
        order_type: state.side,
        lot_size: lots,
        account,
        client_order_id: clientOrderId,
        ...(preview.entry !== null ? { entry_price: formatPrice(preview.entry, digits) } : {}),
        ...levels,
      },
    };
  }
  const body: Record<string, unknown> = {
    symbol: instrument.symbol,
    side: state.side,
    type: state.type,
    lot_size: lots,
    time_in_force: state.timeInForce,
    account,
    client_order_id: clientOrderId,
    ...levels,
  };
  if (state.type !== "market") body.price = formatPrice(state.price, digits);
  if (state.type === "stop_limit") body.limit_price = formatPrice(state.limitPrice, digits);
  if (state.timeInForce === "GTD" && state.expireAt) body.expire_at = new Date(state.expireAt).toISOString();
  return { path: "orders/", body };
}

/** The account's terms the ticket checks before sending (docs/domain.md, Risk rules at order time). */
export interface AccountTerms {
  leverage: number;
  mode: string;
  freeMargin: number;
  equity: number;
  /** `max_risk_per_trade_pct`, null when off. */
  maxRiskPct: number | null;
  currency: string;
}

export interface OrderCosts {
  /** Margin the order would take, in the account currency. */
  margin: number | null;
  /** What one pip is worth at these lots, in the account currency. */
  pipValue: number | null;
  /** A refusal the server would give, known before sending: its code and message. */
  refusal: { code: string; message: string } | null;
}

/**
 * Margin and pip value before sending, and the refusals the preview already knows: a missing
 * stop or a risk over the per-trade cap, and a margin above the free margin — the server's own
 * checks (`risk.check_risk_per_trade`, `check_free_margin`) on the same terms, so the button is
 * not pressed only to be refused. Margin = lots × contract × entry ÷ leverage (NFA capped at the
 * instrument's), converted at the quote's rate.
 */
export function orderCosts(
  preview: TicketPreview,
  instrument: Pick<Instrument, "contract_size" | "pip_size" | "max_leverage">,
  rate: number | null,
  terms: AccountTerms,
): OrderCosts {
  const { entry, lots } = preview;
  if (entry === null || lots === null || rate === null) return { margin: null, pipValue: null, refusal: null };
  const contract = Number(instrument.contract_size);
  const leverage = terms.mode === "nfa" ? Math.min(terms.leverage, instrument.max_leverage) : terms.leverage;
  const margin = roundMoney((lots * contract * entry * rate) / leverage);
  const pipValue = roundMoney(lots * contract * Number(instrument.pip_size) * rate);
  const money = (v: number) => `${formatMoney(v)} ${terms.currency}`;
  let refusal: OrderCosts["refusal"] = null;
  if (terms.maxRiskPct !== null) {
    const cap = roundMoney((terms.equity * terms.maxRiskPct) / 100);
    if (preview.stopLoss === null) {
      refusal = { code: "stop_loss_required", message: "This account requires a stop loss on every order." };
    } else if (preview.riskMoney !== null && preview.riskMoney > cap) {
      refusal = {
        code: "risk_per_trade_exceeded",
        message: `Risk ${money(preview.riskMoney)} is over the per-trade cap ${money(cap)} (${terms.maxRiskPct} % of equity).`,
      };
    }
  }
  if (!refusal && margin > terms.freeMargin) {
    refusal = {
      code: "insufficient_margin",
      message: `Needs ${money(margin)} of margin; ${money(Math.max(terms.freeMargin, 0))} is free.`,
    };
  }
  return { margin, pipValue, refusal };
}
