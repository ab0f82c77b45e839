/** Equity curve points for the chart and the drawdown under each running peak. */
import type { EquityPoint } from "../../lib/types";

export interface CurvePoint {
  time: number;
  equity: number;
  balance: number;
  drawdown: number;
  drawdownPct: number;
}

/**
 * Points in UNIX seconds, strictly increasing (lightweight-charts refuses duplicates: the last
 * point of a second wins); drawdown = equity − running peak (≤ 0), and its % of the peak.
 */
export function curveWithDrawdown(points: EquityPoint[]): CurvePoint[] {
  const bySecond = new Map<number, EquityPoint>();
  for (const p of points) bySecond.set(Math.floor(Date.parse(p.time) / 1000), p);
  let peak = -Infinity;
  return [...bySecond.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([time, p]) => {
      const equity = Number(p.equity);
      peak = Math.max(peak, equity);
      const drawdown = equity - peak;
      return {
        time,
        equity,
        balance: Number(p.balance),
        drawdown,
        drawdownPct: peak > 0 ? (drawdown / peak) * 100 : 0,
      };
    });
}
