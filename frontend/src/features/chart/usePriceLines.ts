/**
 * The price lines over the candles: the open and pending trades' entry (solid), SL and TP1–3
 * (dashed), and the ticket's preview levels (long-dashed, faded), each diffed by key so unchanged
 * lines stay; and the trades' entry and exit markers.
 */
import {
  LineStyle,
  type IPriceLine,
  type ISeriesApi,
  type PriceLineOptions,
  type SeriesMarker,
  type Time,
  type UTCTimestamp,
} from "lightweight-charts";
import { useEffect } from "react";
import { formatPrice } from "../../lib/format";
import type { Decision, Trade } from "../../lib/types";
import { journalMarkers, thinMarkers, tradeMarkers, type Interval } from "./candles";
import type { ChartRefs } from "./chart-refs";
import { LEVEL_COLOR, PREVIEW_COLOR } from "./chart-theme";

/**
 * Entry and exit markers, and the journal's markers of signals that did not trade, thinned where
 * they would overlap; every id ("e12 x12-0 j40") in the container's data-markers for the e2e.
 */
export function useTradeMarkers(
  refs: ChartRefs,
  options: { trades: Trade[]; decisions: Decision[]; symbol: string; interval: Interval; bars: unknown },
): void {
  const { trades, decisions, symbol, interval, bars } = options;
  useEffect(() => {
    const container = refs.container.current;
    if (!refs.markers.current || !container) return;
    const markers = [...tradeMarkers(trades, symbol, interval), ...journalMarkers(decisions, symbol, interval)].sort(
      (a, b) => a.time - b.time,
    );
    refs.markers.current.setMarkers(
      thinMarkers(markers, interval).map((m) => ({ ...m, time: m.time as UTCTimestamp }) as SeriesMarker<Time>),
    );
    container.dataset.markers = markers.map((m) => m.id).join(" ");
  }, [refs, trades, decisions, symbol, interval, bars]);
}

/**
 * Draws `refs.levels` and `refs.preview` when their keys change (`levelsKey`, `previewKey`: the
 * levels and prices joined); the container lists the preview lines drawn in data-preview-lines.
 */
export function usePriceLines(
  refs: ChartRefs,
  options: { symbol: string; digits: number; levelsKey: string; previewKey: string; onDrawn: () => void },
): void {
  const { symbol, digits, levelsKey, previewKey, onDrawn } = options;

  // Entry/SL/TP price lines, diffed by key so unchanged lines are not recreated.
  useEffect(() => {
    const series = refs.series.current;
    if (!series) return;
    const wanted = new Map(refs.levels.current.map((l) => [l.key, l]));
    syncPriceLines(series, refs.levelLines.current, wanted, (level) => ({
      price: refs.drafts.current.get(level.key) ?? level.price,
      color: LEVEL_COLOR[level.kind],
      lineStyle: level.kind === "entry" ? LineStyle.Solid : LineStyle.Dashed,
      title: level.label,
    }));
    onDrawn();
  }, [refs, levelsKey, symbol, onDrawn]);

  // The ticket's preview lines, diffed by kind; the container lists what is drawn (for tests).
  useEffect(() => {
    const series = refs.series.current;
    const container = refs.container.current;
    if (!series || !container) return;
    const wanted = new Map(refs.preview.current.map((l) => [l.kind, l]));
    syncPriceLines(series, refs.previewLines.current, wanted, (level) => ({
      price: level.price,
      color: PREVIEW_COLOR[level.kind],
      lineStyle: LineStyle.LargeDashed,
      title: `Preview ${level.label}`,
    }));
    const drawn = [...wanted.values()].map((l) => `${l.kind}=${formatPrice(l.price, digits)}`).join(" ");
    if (drawn) container.dataset.previewLines = drawn;
    else delete container.dataset.previewLines;
  }, [refs, previewKey, symbol, digits]);
}

/**
 * Makes `lines` draw exactly the `wanted` levels by key: lines no longer wanted are removed, kept
 * ones get their new options, new ones are created. Every line is 1 px with its price on the axis.
 */
function syncPriceLines<K, L>(
  series: ISeriesApi<"Candlestick">,
  lines: Map<K, IPriceLine>,
  wanted: Map<K, L>,
  lineOf: (level: L) => Pick<PriceLineOptions, "price" | "color" | "lineStyle" | "title">,
): void {
  for (const [key, line] of lines) {
    if (!wanted.has(key)) {
      series.removePriceLine(line);
      lines.delete(key);
    }
  }
  for (const [key, level] of wanted) {
    const options = { ...lineOf(level), lineWidth: 1 as const, axisLabelVisible: true };
    const line = lines.get(key);
    if (line) line.applyOptions(options);
    else lines.set(key, series.createPriceLine(options));
  }
}
