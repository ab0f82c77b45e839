/** Number formatting for prices, pips, money and lots. Precision comes from the instrument. */

export function toNumber(value: string | number | null | undefined): number | null {
  if (value === null || value === undefined || value === "") return null;
  const n = typeof value === "number" ? value : Number(value);
  return Number.isFinite(n) ? n : null;
}

/** Decimal places implied by a step such as "0.01" or "0.0001" (1 → 0). */
export function decimalsOf(step: string | number): number {
  const text = String(step);
  if (/e-/i.test(text)) return Number(text.split(/e-/i)[1]);
  const dot = text.indexOf(".");
  if (dot < 0) return 0;
  return text.slice(dot + 1).replace(/0+$/, "").length;
}

/** A price at the instrument's digits: formatPrice(1.1, 5) → "1.10000". */
export function formatPrice(value: string | number | null | undefined, digits: number): string {
  const n = toNumber(value);
  return n === null ? "—" : n.toFixed(digits);
}

/** Price distance expressed in pips, to one decimal: (1.10100 - 1.10000) / 0.0001 → 10.0. */
export function priceToPips(distance: number, pipSize: number): number {
  return Math.round((distance / pipSize) * 10) / 10;
}

/** Pips back to a price distance, rounded to the instrument's digits. */
export function pipsToPrice(pips: number, pipSize: number, digits: number): number {
  return roundTo(pips * pipSize, digits);
}

export function roundTo(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor + Math.sign(value) * Number.EPSILON * factor) / factor;
}

/**
 * `value` to `digits` places, a tie to the even neighbour: how the server rounds money and
 * percentages (Python's Decimal quantize, half-even; docs/domain.md, Numbers), so 125.005 shows
 * as 125.00 in both. A float within a hair of a tie counts as one (0.001 × 125005 is not exact).
 */
export function roundHalfEven(value: number, digits: number): number {
  const factor = 10 ** digits;
  const scaled = value * factor;
  const floor = Math.floor(scaled);
  const tolerance = Math.max(1e-7, Math.abs(scaled) * 1e-12);
  if (Math.abs(scaled - floor - 0.5) > tolerance) return roundTo(value, digits);
  return (floor % 2 === 0 ? floor : floor + 1) / factor;
}

/** Money at the cent, as the ledger books it. */
export function roundMoney(value: number): number {
  return roundHalfEven(value, 2);
}

export function formatPips(value: string | number | null | undefined, signed = true): string {
  const n = toNumber(value);
  if (n === null) return "—";
  const text = Math.abs(n).toFixed(1);
  if (!signed) return (n < 0 ? "-" : "") + text;
  return (n > 0 ? "+" : n < 0 ? "−" : "") + text;
}

const moneyFormatters = new Map<string, Intl.NumberFormat>();

/** Money with thousands separators and two decimals: 12345.6 → "12,345.60"; signed adds "+". */
export function formatMoney(value: string | number | null | undefined, signed = false): string {
  const n = toNumber(value);
  if (n === null) return "—";
  let formatter = moneyFormatters.get("2");
  if (!formatter) {
    formatter = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    moneyFormatters.set("2", formatter);
  }
  const cents = roundMoney(n);
  const text = formatter.format(Math.abs(cents));
  // Round first so a value of -0.001 does not show as "−0.00".
  const rounded = Math.round(cents * 100);
  if (rounded < 0) return `−${text}`;
  if (signed && rounded > 0) return `+${text}`;
  return text;
}

export function formatPct(value: string | number | null | undefined, digits = 2): string {
  const n = toNumber(value);
  return n === null ? "—" : `${roundHalfEven(n, digits).toFixed(digits)} %`;
}

export function formatLots(value: string | number | null | undefined, step = "0.01"): string {
  const n = toNumber(value);
  return n === null ? "—" : n.toFixed(decimalsOf(step));
}

/** "1h 05m", "3d 2h", "45s". */
/** Volume with a K/M suffix above ten thousand: 845, 12.3K, 4.56M. */
export function formatVolume(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return "—";
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${(value / 1e6).toFixed(2)}M`;
  if (abs >= 1e4) return `${(value / 1e3).toFixed(1)}K`;
  return String(Math.round(value));
}

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "—";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, "0")}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${String(m % 60).padStart(2, "0")}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "—";
  return d.toISOString().replace("T", " ").slice(0, 19);
}

export function signClass(value: string | number | null | undefined): string {
  const n = toNumber(value);
  if (n === null || Math.round(n * 100) === 0) return "";
  return n > 0 ? "up" : "down";
}
