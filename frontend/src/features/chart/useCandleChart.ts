/**
 * Creates the lightweight-charts chart and its candle series once per instrument (the price
 * format's precision is a series option fixed at creation) and removes it on unmount.
 */
import {
  CandlestickSeries,
  ColorType,
  createChart,
  createSeriesMarkers,
  CrosshairMode,
  HistogramSeries,
  type AutoscaleInfo,
} from "lightweight-charts";
import { useEffect } from "react";
import { CHART_COLORS } from "./chart-theme";
import { previewScalePrices, type Candle } from "./candles";
import type { ChartRefs } from "./chart-refs";

export function useCandleChart(
  refs: ChartRefs,
  options: {
    symbol: string;
    digits: number;
    /** Shows a candle's OHLC over the chart (the crosshair's, else the forming one). */
    writeLegend: (candle: Candle | undefined) => void;
    /** The visible range or the size changed: the handles move with the price scale. */
    onViewChange: () => void;
    /** The chart is going: anything measured on it is stale. */
    onRemove: () => void;
  },
): void {
  const { symbol, digits, writeLegend, onViewChange, onRemove } = options;
  useEffect(() => {
    const container = refs.container.current;
    if (!container) return;
    const chart = createChart(container, {
      autoSize: true,
      layout: {
        background: { type: ColorType.Solid, color: CHART_COLORS.background },
        textColor: CHART_COLORS.text,
        fontFamily: "Inter, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
        fontSize: 11,
        attributionLogo: false,
      },
      grid: { vertLines: { color: CHART_COLORS.grid }, horzLines: { color: CHART_COLORS.grid } },
      crosshair: { mode: CrosshairMode.Normal },
      rightPriceScale: { borderColor: "#2a2e39" },
      timeScale: { borderColor: "#2a2e39", timeVisible: true, secondsVisible: false, rightOffset: 6 },
    });
    const series = chart.addSeries(CandlestickSeries, {
      upColor: CHART_COLORS.up,
      downColor: CHART_COLORS.down,
      borderVisible: false,
      wickUpColor: CHART_COLORS.up,
      wickDownColor: CHART_COLORS.down,
      priceLineVisible: false,
      lastValueVisible: false, // the bid line carries the live price on the axis
      priceFormat: { type: "price", precision: digits, minMove: Number((10 ** -digits).toFixed(digits)) },
      autoscaleInfoProvider: levelsInView(refs),
    });
    // Tick volume on its own overlay scale in the bottom fifth; the candles keep clear of it.
    const volume = chart.addSeries(HistogramSeries, {
      priceScaleId: "volume",
      priceFormat: { type: "volume" },
      priceLineVisible: false,
      lastValueVisible: false,
    });
    chart.priceScale("volume").applyOptions({ scaleMargins: { top: 0.82, bottom: 0 } });
    series.priceScale().applyOptions({ scaleMargins: { top: 0.08, bottom: 0.2 } });
    refs.chart.current = chart;
    refs.series.current = series;
    refs.volume.current = volume;
    refs.markers.current = createSeriesMarkers(series, []);
    chart.subscribeCrosshairMove((param) => {
      const data = param.seriesData.get(series) as Candle | undefined;
      const bar = param.seriesData.get(volume) as { value?: number } | undefined;
      writeLegend(data && "open" in data ? { ...data, volume: bar?.value ?? 0 } : refs.last.current);
    });
    chart.timeScale().subscribeVisibleLogicalRangeChange(onViewChange);
    const resize = new ResizeObserver(onViewChange);
    resize.observe(container);
    const lines = refs.levelLines.current;
    const previewLines = refs.previewLines.current;
    return () => {
      resize.disconnect();
      onRemove();
      lines.clear();
      previewLines.clear();
      delete container.dataset.previewLines;
      delete container.dataset.markers;
      refs.bidLine.current = null;
      refs.askLine.current = null;
      refs.markers.current = null;
      refs.series.current = null;
      refs.volume.current = null;
      refs.loaded.current = null;
      refs.chart.current = null;
      refs.last.current = undefined;
      chart.remove();
    };
  }, [refs, symbol, digits, writeLegend, onViewChange, onRemove]);
}

/**
 * The candle series' autoscale: the candles, plus the open trades' SL/TP (so their lines can be
 * seen and dragged) unless the trader keeps them out (`refs.fitLevels`), plus the ticket's
 * near preview levels. A new function each call: applying it again makes the chart rescale.
 */
export function levelsInView(refs: ChartRefs) {
  return (original: () => AutoscaleInfo | null) => {
    const info = original();
    const prices = [
      // not drafts: the scale holds still while dragging
      ...(refs.fitLevels.current ? refs.levels.current.map((l) => l.price) : []),
      ...previewScalePrices(
        refs.preview.current.map((l) => l.price),
        refs.last.current?.close,
      ),
    ];
    if (!info?.priceRange || !prices.length) return info;
    return {
      ...info,
      priceRange: {
        minValue: Math.min(info.priceRange.minValue, ...prices),
        maxValue: Math.max(info.priceRange.maxValue, ...prices),
      },
    };
  };
}
