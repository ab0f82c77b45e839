import {
  AreaSeries,
  ColorType,
  createChart,
  LineSeries,
  type IChartApi,
  type ISeriesApi,
  type UTCTimestamp,
} from "lightweight-charts";
import { useEffect, useRef } from "react";
import type { CurvePoint } from "./drawdown";

/** Equity and balance lines, drawdown in a second pane. Created once; data set on change. */
export function EquityChart({ points }: { points: CurvePoint[] }) {
  const ref = useRef<HTMLDivElement>(null);
  const chartRef = useRef<IChartApi | null>(null);
  const seriesRef = useRef<{
    equity: ISeriesApi<"Line">;
    balance: ISeriesApi<"Line">;
    drawdown: ISeriesApi<"Area">;
  } | null>(null);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const chart = createChart(el, {
      autoSize: true,
      layout: {
        background: { type: ColorType.Solid, color: "#131722" },
        textColor: "#b2b5be",
        fontSize: 11,
        attributionLogo: false,
        panes: { separatorColor: "#2a2e39" },
      },
      grid: { vertLines: { color: "#1e222d" }, horzLines: { color: "#1e222d" } },
      rightPriceScale: { borderColor: "#2a2e39" },
      timeScale: { borderColor: "#2a2e39", timeVisible: true },
    });
    const money = { type: "price" as const, precision: 2, minMove: 0.01 };
    const equity = chart.addSeries(LineSeries, { color: "#2962ff", lineWidth: 2, priceFormat: money, title: "Equity" });
    const balance = chart.addSeries(LineSeries, {
      color: "#787b86",
      lineWidth: 1,
      lineStyle: 2,
      priceFormat: money,
      lastValueVisible: false,
      priceLineVisible: false,
    });
    const drawdown = chart.addSeries(
      AreaSeries,
      {
        lineColor: "#ef5350",
        topColor: "rgba(239,83,80,0.05)",
        bottomColor: "rgba(239,83,80,0.35)",
        lineWidth: 1,
        priceFormat: money,
        title: "Drawdown",
        invertFilledArea: true,
      },
      1,
    );
    chart.panes()[1]?.setHeight(70);
    chartRef.current = chart;
    seriesRef.current = { equity, balance, drawdown };
    return () => {
      seriesRef.current = null;
      chartRef.current = null;
      chart.remove();
    };
  }, []);

  useEffect(() => {
    const s = seriesRef.current;
    if (!s) return;
    const t = (p: CurvePoint) => p.time as UTCTimestamp;
    s.equity.setData(points.map((p) => ({ time: t(p), value: p.equity })));
    s.balance.setData(points.map((p) => ({ time: t(p), value: p.balance })));
    s.drawdown.setData(points.map((p) => ({ time: t(p), value: p.drawdown })));
    chartRef.current?.timeScale().fitContent();
    if (ref.current) {
      ref.current.dataset.points = String(points.length);
      ref.current.dataset.lastEquity = points.length ? points[points.length - 1]!.equity.toFixed(2) : "";
    }
  }, [points]);

  return <div className="equity-chart" ref={ref} data-testid="equity-chart" data-points="0" />;
}
