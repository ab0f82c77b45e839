/**
 * Display arithmetic of a signal card: reward-to-risk and the countdown. Plain float display math
 * on prices (no money is computed here: budget, pip value and lots are the server's strings).
 */
import { toNumber } from "../../lib/format";
import type { Signal } from "../../lib/types";

/** A term of the decision's sizing as the server wrote it (a string), or null. */
export function sizingTerm(signal: Pick<Signal, "decision">, name: string): string | null {
  const value = signal.decision?.sizing?.[name];
  if (value === null || value === undefined || value === "") return null;
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? String(value) : null;
}

/**
 * The entry the R:R is measured from: the signal's entry_price, else the sizing's entry (the
 * fill-side price the decision saw), else the quote at receipt on the fill side (a buy's ask).
 */
export function signalEntry(signal: Pick<Signal, "entry_price" | "side" | "bid" | "ask" | "decision">): number | null {
  return (
    toNumber(signal.entry_price) ??
    toNumber(sizingTerm(signal, "entry")) ??
    toNumber(signal.side === "sell" ? signal.bid : signal.ask)
  );
}

/** |TP1 − entry| / |entry − SL| (docs/signals.md, `rr_below_min`); null without the three levels. */
export function rewardRisk(
  signal: Pick<Signal, "entry_price" | "stop_loss" | "take_profit_1" | "side" | "bid" | "ask" | "decision">,
): number | null {
  const entry = signalEntry(signal);
  const sl = toNumber(signal.stop_loss) ?? toNumber(sizingTerm(signal, "stop_loss"));
  const tp = toNumber(signal.take_profit_1);
  if (entry === null || sl === null || tp === null) return null;
  const risk = Math.abs(entry - sl);
  if (risk === 0) return null;
  return Math.abs(tp - entry) / risk;
}

/** "1 : 2.00", "—". */
export function formatRewardRisk(rr: number | null): string {
  return rr === null ? "—" : `1 : ${rr.toFixed(2)}`;
}

/** Milliseconds from `now` to `expiresAt` (negative once passed); null for a missing or bad time. */
export function msUntil(expiresAt: string | null | undefined, now: number): number | null {
  if (!expiresAt) return null;
  const t = Date.parse(expiresAt);
  return Number.isNaN(t) ? null : t - now;
}

/** A countdown: "1:05", "0:09", "1:02:03"; "expired" at or after zero; "—" without a time. */
export function formatCountdown(ms: number | null): string {
  if (ms === null) return "—";
  if (ms <= 0) return "expired";
  const total = Math.ceil(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/** An R multiple as the server sent it, signed: "+1.25 R", "−0.50 R", "—". */
export function formatR(value: string | null | undefined): string {
  const n = toNumber(value);
  if (n === null) return "—";
  const text = Math.abs(n).toFixed(2);
  return `${n > 0 ? "+" : n < 0 ? "−" : ""}${text} R`;
}
