/**
 * The chart's overlays computed in the browser from the candles it shows (so the forming candle
 * moves them): the same formulas as the server's `strategies/indicators.py` (docs/strategies.md,
 * Indicators), checked against its values in indicator-vectors.json. null until enough bars.
 */
export type IndicatorKind = "sma" | "ema" | "rsi" | "atr";

export interface IndicatorBar {
  high: number;
  low: number;
  close: number;
}

export type Series = (number | null)[];

export function sma(closes: number[], period: number): Series {
  const out: Series = new Array(closes.length).fill(null);
  let total = 0;
  for (let i = 0; i < closes.length; i++) {
    total += closes[i]!;
    if (i >= period) total -= closes[i - period]!;
    if (i >= period - 1) out[i] = total / period;
  }
  return out;
}

export function ema(closes: number[], period: number): Series {
  const out: Series = new Array(closes.length).fill(null);
  if (closes.length < period) return out;
  const k = 2 / (period + 1);
  let value = closes.slice(0, period).reduce((a, b) => a + b, 0) / period;
  out[period - 1] = value;
  for (let i = period; i < closes.length; i++) {
    value = closes[i]! * k + value * (1 - k);
    out[i] = value;
  }
  return out;
}

function rsiOf(gain: number, loss: number): number {
  if (loss === 0) return gain > 0 ? 100 : 50;
  return 100 - 100 / (1 + gain / loss);
}

export function rsi(closes: number[], period: number): Series {
  const out: Series = new Array(closes.length).fill(null);
  if (closes.length <= period) return out;
  const changes = closes.slice(1).map((c, i) => c - closes[i]!);
  let gain = changes.slice(0, period).reduce((a, c) => a + Math.max(c, 0), 0) / period;
  let loss = changes.slice(0, period).reduce((a, c) => a + Math.max(-c, 0), 0) / period;
  out[period] = rsiOf(gain, loss);
  for (let i = period; i < changes.length; i++) {
    const change = changes[i]!;
    gain = (gain * (period - 1) + Math.max(change, 0)) / period;
    loss = (loss * (period - 1) + Math.max(-change, 0)) / period;
    out[i + 1] = rsiOf(gain, loss);
  }
  return out;
}

export function atr(bars: IndicatorBar[], period: number): Series {
  const out: Series = new Array(bars.length).fill(null);
  if (bars.length < period) return out;
  const ranges = bars.map((bar, i) => {
    if (i === 0) return bar.high - bar.low;
    const previous = bars[i - 1]!.close;
    return Math.max(bar.high - bar.low, Math.abs(bar.high - previous), Math.abs(bar.low - previous));
  });
  let value = ranges.slice(0, period).reduce((a, b) => a + b, 0) / period;
  out[period - 1] = value;
  for (let i = period; i < bars.length; i++) {
    value = (value * (period - 1) + ranges[i]!) / period;
    out[i] = value;
  }
  return out;
}

export function compute(kind: IndicatorKind, bars: IndicatorBar[], period: number): Series {
  if (kind === "atr") return atr(bars, period);
  const closes = bars.map((b) => b.close);
  return kind === "sma" ? sma(closes, period) : kind === "ema" ? ema(closes, period) : rsi(closes, period);
}

/** The overlays a trader can switch on; SMA and EMA share the price scale, RSI and ATR get a pane each. */
export interface IndicatorSetting {
  kind: IndicatorKind;
  period: number;
  on: boolean;
}

export const DEFAULT_INDICATORS: IndicatorSetting[] = [
  { kind: "sma", period: 20, on: false },
  { kind: "ema", period: 50, on: false },
  { kind: "rsi", period: 14, on: false },
  { kind: "atr", period: 14, on: false },
];

export const INDICATOR_COLORS: Record<IndicatorKind, string> = {
  sma: "#f7a600",
  ema: "#ab47bc",
  rsi: "#42a5f5",
  atr: "#ffca28",
};

/** Settings from their stored text, falling back to the defaults for anything unreadable. */
export function parseIndicatorSettings(text: string | null): IndicatorSetting[] {
  try {
    const parsed = JSON.parse(text ?? "") as Partial<IndicatorSetting>[];
    return DEFAULT_INDICATORS.map((d) => {
      const saved = parsed.find((p) => p.kind === d.kind);
      const period = Number(saved?.period);
      return {
        kind: d.kind,
        period: Number.isInteger(period) && period >= 1 && period <= 500 ? period : d.period,
        on: saved?.on === true,
      };
    });
  } catch {
    return DEFAULT_INDICATORS;
  }
}
