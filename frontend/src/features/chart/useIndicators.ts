/**
 * The indicator overlays: SMA and EMA as lines over the candles, RSI and ATR in panes of their
 * own below; computed in the browser from the candles shown (features/chart/indicators.ts) and
 * moved with the forming candle once a second.
 */
import { LineSeries, type ISeriesApi, type UTCTimestamp } from "lightweight-charts";
import { useEffect, useRef } from "react";
import type { Candle } from "./candles";
import type { ChartRefs } from "./chart-refs";
import { compute, INDICATOR_COLORS, type IndicatorKind, type IndicatorSetting } from "./indicators";

const LIVE_EVERY_MS = 1000;

function withLive(bars: Candle[], live: Candle | undefined): Candle[] {
  const last = bars[bars.length - 1];
  if (!live || !last || live.time < last.time) return bars;
  return live.time === last.time ? [...bars.slice(0, -1), live] : [...bars, live];
}

function points(values: (number | null)[], bars: Candle[]) {
  const out: { time: UTCTimestamp; value: number }[] = [];
  values.forEach((value, i) => {
    if (value !== null) out.push({ time: bars[i]!.time as UTCTimestamp, value });
  });
  return out;
}

export function useIndicators(
  refs: ChartRefs,
  options: { bars: Candle[] | undefined; settings: IndicatorSetting[]; symbol: string; digits: number },
): void {
  const { bars, settings, symbol, digits } = options;
  const lines = useRef(new Map<IndicatorKind, { series: ISeriesApi<"Line">; period: number }>());
  const active = settings.filter((s) => s.on);
  const key = active.map((s) => `${s.kind}:${s.period}`).join(",");

  // The series and panes for the active settings, rebuilt when they change.
  useEffect(() => {
    const chart = refs.chart.current;
    const container = refs.container.current;
    if (!chart || !container) return;
    for (const { series } of lines.current.values()) chart.removeSeries(series);
    lines.current.clear();
    for (let pane = chart.panes().length - 1; pane > 0; pane--) chart.removePane(pane);
    let nextPane = 1;
    for (const setting of active) {
      const own = setting.kind === "rsi" || setting.kind === "atr";
      const series = chart.addSeries(
        LineSeries,
        {
          color: INDICATOR_COLORS[setting.kind],
          lineWidth: 1,
          priceLineVisible: false,
          lastValueVisible: true,
          title: `${setting.kind.toUpperCase()} ${setting.period}`,
          priceFormat:
            setting.kind === "rsi"
              ? { type: "price", precision: 1, minMove: 0.1 }
              : { type: "price", precision: digits, minMove: 10 ** -digits },
        },
        own ? nextPane++ : 0,
      );
      lines.current.set(setting.kind, { series, period: setting.period });
    }
    container.dataset.indicators = key;
    const lineMap = lines.current;
    return () => {
      if (refs.chart.current !== chart) return; // the chart itself went: its series with it
      for (const { series } of lineMap.values()) chart.removeSeries(series);
      lineMap.clear();
      delete container.dataset.indicators;
    };
    // `active` is described by `key`
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [refs, key, symbol, digits]);

  // History: every value; then the forming candle's, once a second.
  useEffect(() => {
    if (!bars || lines.current.size === 0) return;
    const container = refs.container.current;
    const draw = (all: Candle[], lastOnly: boolean) => {
      const shown: string[] = [];
      for (const [kind, { series, period }] of lines.current) {
        const values = compute(kind, all, period);
        if (!lastOnly) {
          series.setData(points(values, all));
          // The last stored bar's value, for the e2e to hold against price/indicators/.
          const at = bars.length - 1;
          if (at >= 0 && values[at] != null) shown.push(`${kind}@${bars[at]!.time}=${values[at]}`);
          continue;
        }
        const value = values[values.length - 1];
        const bar = all[all.length - 1];
        if (value !== null && value !== undefined && bar) series.update({ time: bar.time as UTCTimestamp, value });
      }
      if (!lastOnly && container) container.dataset.indicatorValues = shown.join(" ");
    };
    draw(withLive(bars, refs.last.current), false);
    const timer = setInterval(() => draw(withLive(bars, refs.last.current), true), LIVE_EVERY_MS);
    return () => clearInterval(timer);
  }, [refs, bars, key]);
}
