/**
 * What belongs to one lightweight-charts instance, shared by the chart's hooks: created with the
 * chart (useCandleChart), dropped with it on unmount or a new instrument.
 */
import type { IChartApi, IPriceLine, ISeriesApi, ISeriesMarkersPluginApi, Time } from "lightweight-charts";
import { useState, type RefObject } from "react";
import type { PreviewKind, PreviewLevel } from "../../lib/preview-lines";
import type { Candle, TradeLevel } from "./candles";

export interface ChartRefs {
  container: RefObject<HTMLDivElement | null>;
  legend: RefObject<HTMLDivElement | null>;
  chart: RefObject<IChartApi | null>;
  series: RefObject<ISeriesApi<"Candlestick"> | null>;
  /** Tick volume as a histogram under the candles. */
  volume: RefObject<ISeriesApi<"Histogram"> | null>;
  /** Whether the price scale stretches to keep the trades' SL/TP in view (a chart setting). */
  fitLevels: RefObject<boolean>;
  /** What the series was last given: the (symbol, interval) and its newest history bar, to tell a new load from older pages. */
  loaded: RefObject<{ key: string; newest: number } | null>;
  markers: RefObject<ISeriesMarkersPluginApi<Time> | null>;
  /** The forming candle: history's last bar, then moved by ticks and 1m bars. */
  last: RefObject<Candle | undefined>;
  bidLine: RefObject<IPriceLine | null>;
  askLine: RefObject<IPriceLine | null>;
  /** The trades' entry/SL/TP lines by level key (usePriceLines draws them, the drag handles move them). */
  levelLines: RefObject<Map<string, IPriceLine>>;
  previewLines: RefObject<Map<PreviewKind, IPriceLine>>;
  /** The current render's trade levels and preview levels, for callbacks the chart calls later. */
  levels: RefObject<TradeLevel[]>;
  preview: RefObject<PreviewLevel[]>;
  /** Levels being dragged or moved with the keys: key → draft price. */
  drafts: RefObject<Map<string, number>>;
}

/** One stable set of refs per mounted chart; `levels` and `preview` follow every render. */
export function useChartRefs(levels: TradeLevel[], preview: PreviewLevel[]): ChartRefs {
  const [refs] = useState<ChartRefs>(() => ({
    container: { current: null },
    legend: { current: null },
    chart: { current: null },
    series: { current: null },
    volume: { current: null },
    fitLevels: { current: true },
    loaded: { current: null },
    markers: { current: null },
    last: { current: undefined },
    bidLine: { current: null },
    askLine: { current: null },
    levelLines: { current: new Map() },
    previewLines: { current: new Map() },
    levels: { current: levels },
    preview: { current: preview },
    drafts: { current: new Map() },
  }));
  refs.levels.current = levels;
  refs.preview.current = preview;
  return refs;
}
