/**
 * What the trader is told about events (docs/frontend.md, Events are announced): a server
 * message or a refused request becomes an announcement — a toast, a line in the event log, an
 * optional sound and a tab-title flash. The wording lives here, once.
 */
import { formatMoney } from "./format";
import type { Account, ServerMessage, Trade } from "./types";

/** Exit and fill reasons as words (the API's codes: docs/api.md, trade fields). */
export const REASON_WORDS: Record<string, string> = {
  manual: "Closed",
  sl_hit: "SL hit",
  tp1_hit: "TP1 hit",
  tp2_hit: "TP2 hit",
  tp3_hit: "TP3 hit",
  trailing_stop: "Trailing stop hit",
  stop_out: "Stopped out",
  expired: "Expired",
  cancelled: "Cancelled",
  fifo: "Closed first-in first-out",
  reset: "Closed by the account reset",
  breakeven: "SL moved to break-even",
  entry: "Entry",
  reverse: "Reversed",
};

/** A reason code as words; an unknown code still reads as words ("some_code" → "Some code"). */
export function reasonWords(code: string | null | undefined): string {
  if (!code) return "—";
  const known = REASON_WORDS[code];
  if (known) return known;
  const text = code.replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export type Tone = "profit" | "loss" | "info" | "warning" | "error";

export interface Announcement {
  id: number;
  /** When the browser heard of it. */
  at: number;
  tone: Tone;
  /** One short line: "#26 EURUSD TP1 hit". */
  title: string;
  /** The figures: "0.05 lots at 1.10300 · +15.00 USD". */
  detail: string;
  tradeId?: number;
  symbol?: string;
}

export type Draft = Omit<Announcement, "id" | "at">;

function side(trade: Trade): string {
  return trade.order_type === "buy" ? "Buy" : "Sell";
}

function pnlTone(pnl: number): Tone {
  if (pnl > 0) return "profit";
  if (pnl < 0) return "loss";
  return "info";
}

/** The last exit fill of a trade (its price, lots and P&L), if the trade has fills. */
function lastExit(trade: Trade) {
  const exits = (trade.fills ?? []).filter((f) => f.kind !== "entry");
  return exits[exits.length - 1];
}

/**
 * The announcement of one server message, or null for the messages that are not events
 * (prices, bars, plain updates). `currency` is the trade's account currency.
 */
export function announce(message: ServerMessage, currency: (accountId: number) => string): Draft | null {
  switch (message.type) {
    case "trade_execution": {
      const t = message.trade;
      if (t.status === "pending") {
        return {
          tone: "info",
          title: `#${t.id} ${t.symbol} ${side(t)} ${t.entry_type} placed`,
          detail: `${t.lot_size} lots at ${t.price ?? "—"}`,
          tradeId: t.id,
          symbol: t.symbol,
        };
      }
      if (t.status !== "open") return null;
      const pending = t.entry_type !== "market";
      return {
        tone: "info",
        title: `#${t.id} ${t.symbol} ${side(t)} ${pending ? `${t.entry_type} order filled` : "filled"}`,
        detail: `${t.lot_size} lots at ${t.entry_price ?? "—"}`,
        tradeId: t.id,
        symbol: t.symbol,
      };
    }
    case "trade_closed":
    case "trade_updated": {
      const t = message.trade;
      const reason = message.reason;
      if (!reason) return null; // a change of SL/TP or notes: the tables show it
      if (reason === "breakeven") {
        return {
          tone: "info",
          title: `#${t.id} ${t.symbol} ${reasonWords(reason)}`,
          detail: `SL ${t.stop_loss ?? "—"}`,
          tradeId: t.id,
          symbol: t.symbol,
        };
      }
      const fill = lastExit(t);
      const pnl = Number(fill?.pnl ?? t.profit_loss ?? 0);
      const price = fill?.price ?? t.exit_price ?? "—";
      const lots = fill?.lot_size ?? t.original_lot_size;
      const money = `${formatMoney(pnl, true)} ${currency(t.account)}`;
      const tone: Tone = reason === "stop_out" ? "error" : reason === "cancelled" || reason === "expired" ? "info" : pnlTone(pnl);
      const partial = message.type === "trade_updated" ? ` (${t.lot_size} lots left)` : "";
      if (reason === "cancelled" || reason === "expired") {
        return { tone, title: `#${t.id} ${t.symbol} ${t.entry_type} order ${reasonWords(reason).toLowerCase()}`, detail: `${t.lot_size} lots at ${t.price ?? "—"}`, tradeId: t.id, symbol: t.symbol };
      }
      return {
        tone,
        title: `#${t.id} ${t.symbol} ${reasonWords(reason)}`,
        detail: `${lots} lots at ${price} · ${money}${partial}`,
        tradeId: t.id,
        symbol: t.symbol,
      };
    }
    case "margin_call": {
      const a: Account = message.account;
      return {
        tone: "warning",
        title: `Margin call on “${a.name}”`,
        detail: `Margin level ${a.margin_level === null ? "—" : `${Number(a.margin_level).toFixed(2)} %`}: positions are stopped out at 50 %.`,
      };
    }
    default:
      return null;
  }
}

/** A refused request (an order the server said no to), in the API's words, never a raw exception. */
export function refusal(what: string, error: unknown): Draft {
  const e = error as { message?: string; code?: string };
  return { tone: "error", title: `${what} refused`, detail: e.message ?? "The server refused it." };
}

/** Announcements of the session, newest first, for the toasts and the event log. */
export class AnnouncementStore {
  private items: Announcement[] = [];
  private listeners = new Set<() => void>();
  private nextId = 1;

  constructor(private readonly keep = 500) {}

  add(draft: Draft, at = Date.now()): Announcement {
    const item = { ...draft, id: this.nextId++, at };
    this.items = [item, ...this.items].slice(0, this.keep);
    for (const listener of this.listeners) listener();
    return item;
  }

  all(): Announcement[] {
    return this.items;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** The session's announcements: filled by the WebSocket events and refused requests (lib/alerts-out.ts `tell`). */
export const announcements = new AnnouncementStore();
