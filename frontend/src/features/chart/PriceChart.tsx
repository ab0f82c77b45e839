/**
 * The candlestick chart. Created once per mount; the series lives in a ref; history goes in with
 * setData, live bars and ticks with series.update (no redraw of the whole chart). Bid/ask and
 * the open trades' entry/SL/TP levels are price lines; SL/TP have drag handles (mouse, touch
 * and arrow keys) that PATCH the trade when released. The ticket's levels, before the order is
 * sent, are long-dashed "Preview" lines.
 */
import {
  CandlestickSeries,
  ColorType,
  createChart,
  createSeriesMarkers,
  CrosshairMode,
  LineStyle,
  type AutoscaleInfo,
  type IChartApi,
  type IPriceLine,
  type ISeriesApi,
  type ISeriesMarkersPluginApi,
  type SeriesMarker,
  type Time,
  type UTCTimestamp,
} from "lightweight-charts";
import { useCallback, useEffect, useRef, useState, type KeyboardEvent, type PointerEvent } from "react";
import { formatPrice, roundTo } from "../../lib/format";
import type { PreviewKind, PreviewLevel } from "../../lib/preview-lines";
import { quoteStore, throttled } from "../../lib/quotes";
import type { Instrument, ServerMessage, Trade } from "../../lib/types";
import type { WsClient } from "../../lib/ws-client";
import {
  applyTick,
  mergeMinuteBar,
  previewScalePrices,
  toCandle,
  tradeLevels,
  tradeMarkers,
  type Candle,
  type Interval,
  type LevelKind,
  type TradeLevel,
} from "./candles";

export const CHART_COLORS = {
  background: "#131722",
  grid: "#1e222d",
  text: "#b2b5be",
  up: "#26a69a",
  down: "#ef5350",
  bid: "#ef5350",
  ask: "#2962ff",
  entry: "#d1d4dc",
  sl: "#f23645",
  tp: "#089981",
};

/** The canvas follows live prices at most this often (10 frames per second). */
export const CHART_REFRESH_MS = 100;

const LEVEL_COLOR: Record<LevelKind, string> = {
  entry: CHART_COLORS.entry,
  stop_loss: CHART_COLORS.sl,
  take_profit_1: CHART_COLORS.tp,
  take_profit_2: CHART_COLORS.tp,
  take_profit_3: CHART_COLORS.tp,
};

/** Preview lines: the level's colour, a little faded (the order does not exist yet). */
const PREVIEW_COLOR: Record<PreviewKind, string> = {
  entry: "rgba(245, 166, 35, 0.9)",
  limit: "rgba(245, 166, 35, 0.9)",
  stop_loss: "rgba(242, 54, 69, 0.8)",
  take_profit_1: "rgba(8, 153, 129, 0.85)",
  take_profit_2: "rgba(8, 153, 129, 0.85)",
  take_profit_3: "rgba(8, 153, 129, 0.85)",
};

interface Props {
  instrument: Instrument;
  interval: Interval;
  bars: Candle[] | undefined;
  trades: Trade[];
  /** The ticket's levels for this symbol before the order is sent. */
  preview: PreviewLevel[];
  realtime: WsClient;
  onModify: (tradeId: number, kind: LevelKind, price: string) => Promise<unknown>;
}

interface Handle extends TradeLevel {
  /** Where the handle is drawn: the draft while dragging, else the trade's level (`price`). */
  shown: number;
  y: number | null;
}

export function PriceChart({ instrument, interval, bars, trades, preview, realtime, onModify }: Props) {
  const containerRef = useRef<HTMLDivElement>(null);
  const legendRef = useRef<HTMLDivElement>(null);
  const chartRef = useRef<IChartApi | null>(null);
  const seriesRef = useRef<ISeriesApi<"Candlestick"> | null>(null);
  const markersRef = useRef<ISeriesMarkersPluginApi<Time> | null>(null);
  const lastRef = useRef<Candle | undefined>(undefined);
  const bidLineRef = useRef<IPriceLine | null>(null);
  const askLineRef = useRef<IPriceLine | null>(null);
  const levelLinesRef = useRef(new Map<string, IPriceLine>());
  const previewLinesRef = useRef(new Map<PreviewKind, IPriceLine>());
  const previewRef = useRef(preview);
  previewRef.current = preview;
  const previewKey = preview.map((l) => `${l.kind}=${l.price}`).join(";");
  const draftRef = useRef(new Map<string, number>());
  const frameRef = useRef<number | null>(null);
  const [handles, setHandles] = useState<Handle[]>([]);
  const [dragging, setDragging] = useState<string | null>(null);
  const levels = tradeLevels(trades, instrument.symbol);
  const levelsKey = levels.map((l) => `${l.key}=${l.price}`).join(";");
  const levelsRef = useRef(levels);
  levelsRef.current = levels;
  const digits = instrument.digits;
  const pip = Number(instrument.pip_size);

  const writeLegend = useCallback(
    (candle: Candle | undefined) => {
      const el = legendRef.current;
      if (!el) return;
      if (!candle) {
        el.textContent = "";
        return;
      }
      const f = (v: number) => v.toFixed(digits);
      const change = candle.close - candle.open;
      el.dataset.dir = change >= 0 ? "up" : "down";
      el.textContent = `O ${f(candle.open)}  H ${f(candle.high)}  L ${f(candle.low)}  C ${f(candle.close)}`;
    },
    [digits],
  );

  /** Handle positions follow the price scale; recomputed at most once per frame. */
  const placeHandles = useCallback(() => {
    if (frameRef.current !== null) return;
    frameRef.current = requestAnimationFrame(() => {
      frameRef.current = null;
      const series = seriesRef.current;
      const height = containerRef.current?.clientHeight ?? 0;
      if (!series) return;
      const next = levelsRef.current
        .filter((l) => l.draggable)
        .map((l) => {
          const shown = draftRef.current.get(l.key) ?? l.price;
          const y = series.priceToCoordinate(shown);
          // Off-scale levels get no handle (it would float over other panels).
          const visible = y !== null && y >= 0 && y <= height - 28;
          return { ...l, shown, y: visible ? Math.round(y) : null };
        });
      setHandles((previous) =>
        previous.length === next.length &&
        previous.every(
          (h, i) => h.key === next[i]!.key && h.y === next[i]!.y && h.shown === next[i]!.shown && h.price === next[i]!.price,
        )
          ? previous
          : next,
      );
    });
  }, []);

  // Create the chart once per instrument (precision is a series option fixed at creation).
  useEffect(() => {
    const container = containerRef.current;
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
      // Keep the open trades' SL/TP in view so their lines can be seen and dragged.
      autoscaleInfoProvider: (original: () => AutoscaleInfo | null) => {
        const info = original();
        const prices = [
          ...levelsRef.current.map((l) => l.price), // not drafts: the scale holds still while dragging
          ...previewScalePrices(
            previewRef.current.map((l) => l.price),
            lastRef.current?.close,
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
      },
    });
    chartRef.current = chart;
    seriesRef.current = series;
    markersRef.current = createSeriesMarkers(series, []);
    chart.subscribeCrosshairMove((param) => {
      const data = param.seriesData.get(series) as Candle | undefined;
      writeLegend(data && "open" in data ? data : lastRef.current);
    });
    chart.timeScale().subscribeVisibleLogicalRangeChange(placeHandles);
    const resize = new ResizeObserver(placeHandles);
    resize.observe(container);
    const lines = levelLinesRef.current;
    const previewLines = previewLinesRef.current;
    return () => {
      resize.disconnect();
      if (frameRef.current !== null) cancelAnimationFrame(frameRef.current);
      frameRef.current = null;
      lines.clear();
      previewLines.clear();
      delete container.dataset.previewLines;
      delete container.dataset.markers;
      bidLineRef.current = null;
      askLineRef.current = null;
      markersRef.current = null;
      seriesRef.current = null;
      chartRef.current = null;
      lastRef.current = undefined;
      chart.remove();
    };
  }, [instrument.symbol, digits, writeLegend, placeHandles]);

  // History: one setData per (symbol, interval) load.
  useEffect(() => {
    const series = seriesRef.current;
    const container = containerRef.current;
    if (!series || !container || !bars) return;
    series.setData(bars.map((c) => ({ ...c, time: c.time as UTCTimestamp })));
    lastRef.current = bars[bars.length - 1];
    container.dataset.candles = String(bars.length);
    writeLegend(lastRef.current);
    if (bars.length && !performance.getEntriesByName("chart-ready").length) performance.mark("chart-ready");
    chartRef.current?.timeScale().scrollToRealTime();
    placeHandles();
  }, [bars, writeLegend, placeHandles]);

  // Live: ticks move the forming candle and the bid/ask lines; 1m bars fix its OHLC.
  useEffect(() => {
    const symbol = instrument.symbol;
    // Ticks and bar updates fold into the forming candle at once (so the next one merges with
    // it) but reach the canvas at most every CHART_REFRESH_MS: one series.update, one move of
    // the bid/ask lines, one repaint, whatever the tick rate.
    let dirty = false;
    const paint = throttled(() => {
      showQuote();
      const series = seriesRef.current;
      const candle = lastRef.current;
      if (dirty && series && candle) {
        series.update({ ...candle, time: candle.time as UTCTimestamp });
        writeLegend(candle);
      }
      dirty = false;
      placeHandles();
    }, CHART_REFRESH_MS);
    const update = (candle: Candle | null) => {
      if (!candle || !seriesRef.current || !bars) return;
      lastRef.current = candle;
      dirty = true;
    };
    const showQuote = () => {
      const quote = quoteStore.get(symbol);
      const series = seriesRef.current;
      if (!quote || !series) return;
      const bid = Number(quote.bid);
      const ask = Number(quote.ask);
      if (!bidLineRef.current) {
        const common = { lineWidth: 1 as const, lineStyle: LineStyle.Dotted, axisLabelVisible: true };
        bidLineRef.current = series.createPriceLine({ ...common, price: bid, color: CHART_COLORS.bid, title: "Bid" });
        askLineRef.current = series.createPriceLine({ ...common, price: ask, color: CHART_COLORS.ask, title: "Ask" });
      } else {
        bidLineRef.current.applyOptions({ price: bid });
        askLineRef.current?.applyOptions({ price: ask });
      }
    };
    const onQuote = () => {
      const quote = quoteStore.get(symbol);
      if (!quote) return;
      const time = Math.floor(Date.parse(quote.time) / 1000);
      if (Number.isFinite(time)) update(applyTick(lastRef.current, Number(quote.bid), time, interval));
      paint.call();
    };
    // The current quote already moves the forming candle (stored history ends at the last closed bar).
    onQuote();
    const offQuote = quoteStore.onAny((quote) => {
      if (quote.symbol === symbol) onQuote();
    });
    const offBars = realtime.onMessage((message: ServerMessage) => {
      if (message.type !== "bar_update" || message.symbol !== symbol || message.interval !== "1m") return;
      update(mergeMinuteBar(lastRef.current, toCandle(message.bar), interval));
      paint.call();
    });
    return () => {
      offQuote();
      offBars();
      paint.cancel();
    };
  }, [instrument.symbol, interval, bars, realtime, writeLegend, placeHandles]);

  // Markers for entries and exits; their ids ("e12 x12-0") in data-markers for the e2e.
  useEffect(() => {
    const container = containerRef.current;
    if (!markersRef.current || !container) return;
    const markers = tradeMarkers(trades, instrument.symbol, interval);
    markersRef.current.setMarkers(
      markers.map((m) => ({ ...m, time: m.time as UTCTimestamp }) as SeriesMarker<Time>),
    );
    container.dataset.markers = markers.map((m) => m.id).join(" ");
  }, [trades, instrument.symbol, interval, bars]);

  // Entry/SL/TP price lines, diffed by key so unchanged lines are not recreated.
  useEffect(() => {
    const series = seriesRef.current;
    if (!series) return;
    const lines = levelLinesRef.current;
    const wanted = new Map(levelsRef.current.map((l) => [l.key, l]));
    for (const [key, line] of lines) {
      if (!wanted.has(key)) {
        series.removePriceLine(line);
        lines.delete(key);
      }
    }
    for (const level of wanted.values()) {
      const options = {
        price: draftRef.current.get(level.key) ?? level.price,
        color: LEVEL_COLOR[level.kind],
        lineWidth: 1 as const,
        lineStyle: level.kind === "entry" ? LineStyle.Solid : LineStyle.Dashed,
        axisLabelVisible: true,
        title: level.label,
      };
      const line = lines.get(level.key);
      if (line) line.applyOptions(options);
      else lines.set(level.key, series.createPriceLine(options));
    }
    placeHandles();
  }, [levelsKey, instrument.symbol, placeHandles]);

  // The ticket's preview lines, diffed by kind; the container lists what is drawn (for tests).
  useEffect(() => {
    const series = seriesRef.current;
    const container = containerRef.current;
    if (!series || !container) return;
    const lines = previewLinesRef.current;
    const wanted = new Map(previewRef.current.map((l) => [l.kind, l]));
    for (const [kind, line] of lines) {
      if (!wanted.has(kind)) {
        series.removePriceLine(line);
        lines.delete(kind);
      }
    }
    for (const level of wanted.values()) {
      const options = {
        price: level.price,
        color: PREVIEW_COLOR[level.kind],
        lineWidth: 1 as const,
        lineStyle: LineStyle.LargeDashed,
        axisLabelVisible: true,
        title: `Preview ${level.label}`,
      };
      const line = lines.get(level.kind);
      if (line) line.applyOptions(options);
      else lines.set(level.kind, series.createPriceLine(options));
    }
    const drawn = [...wanted.values()].map((l) => `${l.kind}=${formatPrice(l.price, digits)}`).join(" ");
    if (drawn) container.dataset.previewLines = drawn;
    else delete container.dataset.previewLines;
  }, [previewKey, instrument.symbol, digits]);

  const moveDraft = (handle: Handle, price: number) => {
    const rounded = roundTo(price, digits);
    draftRef.current.set(handle.key, rounded);
    levelLinesRef.current.get(handle.key)?.applyOptions({ price: rounded });
    placeHandles();
  };

  const commit = async (handle: Handle) => {
    const draft = draftRef.current.get(handle.key);
    if (draft === undefined || draft === handle.price) {
      draftRef.current.delete(handle.key);
      return;
    }
    try {
      await onModify(handle.tradeId, handle.kind, formatPrice(draft, digits));
    } catch {
      // Refused: the line goes back to the server's level; the error is shown by onModify's caller.
      levelLinesRef.current.get(handle.key)?.applyOptions({ price: handle.price });
    } finally {
      draftRef.current.delete(handle.key);
      placeHandles();
    }
  };

  const onPointerDown = (handle: Handle) => (event: PointerEvent<HTMLButtonElement>) => {
    event.preventDefault();
    event.currentTarget.setPointerCapture(event.pointerId);
    chartRef.current?.applyOptions({ handleScroll: false, handleScale: false });
    setDragging(handle.key);
  };
  const onPointerMove = (handle: Handle) => (event: PointerEvent<HTMLButtonElement>) => {
    if (dragging !== handle.key) return;
    const rect = containerRef.current?.getBoundingClientRect();
    const price = rect ? seriesRef.current?.coordinateToPrice(event.clientY - rect.top) : null;
    if (price !== null && price !== undefined) moveDraft(handle, price);
  };
  const onPointerUp = (handle: Handle) => (event: PointerEvent<HTMLButtonElement>) => {
    if (dragging !== handle.key) return;
    event.currentTarget.releasePointerCapture(event.pointerId);
    chartRef.current?.applyOptions({ handleScroll: true, handleScale: true });
    setDragging(null);
    void commit(handle);
  };
  const onKeyDown = (handle: Handle) => (event: KeyboardEvent<HTMLButtonElement>) => {
    const step = (event.shiftKey ? 10 : 1) * pip;
    const current = draftRef.current.get(handle.key) ?? handle.price;
    if (event.key === "ArrowUp" || event.key === "ArrowDown") {
      event.preventDefault();
      moveDraft(handle, current + (event.key === "ArrowUp" ? step : -step));
    } else if (event.key === "Enter") {
      event.preventDefault();
      void commit(handle);
    } else if (event.key === "Escape") {
      draftRef.current.delete(handle.key);
      levelLinesRef.current.get(handle.key)?.applyOptions({ price: handle.price });
      placeHandles();
    }
  };

  return (
    <div className="chart-frame">
      <div className="chart-legend num" ref={legendRef} aria-live="off" />
      <div className="chart-canvas" ref={containerRef} data-testid="price-chart" data-candles="0" />
      {preview.length > 0 && (
        <div className="preview-chip num" data-testid="order-preview" aria-label="Order preview, not sent">
          <span className="tag">Preview</span>
          {preview.map((l) => (
            <span
              key={l.kind}
              className={l.kind === "stop_loss" ? "sl" : l.kind.startsWith("take_profit") ? "tp" : "entry"}
              data-kind={l.kind}
              data-price={formatPrice(l.price, digits)}
            >
              {l.label} {formatPrice(l.price, digits)}
            </span>
          ))}
        </div>
      )}
      <div className="chart-handles">
        {handles
          .filter((h) => h.y !== null)
          .map((h) => (
            <button
              key={h.key}
              type="button"
              className={`level-handle ${h.kind === "stop_loss" ? "sl" : "tp"}${dragging === h.key ? " dragging" : ""}`}
              style={{ top: `${h.y}px` }}
              data-testid={`handle-${h.tradeId}-${h.kind}`}
              data-price={formatPrice(h.shown, digits)}
              aria-label={`${h.label} at ${formatPrice(h.shown, digits)}: drag, or use arrow keys and Enter`}
              onPointerDown={onPointerDown(h)}
              onPointerMove={onPointerMove(h)}
              onPointerUp={onPointerUp(h)}
              onPointerCancel={onPointerUp(h)}
              onKeyDown={onKeyDown(h)}
            >
              ⇕ {h.label.split(" ")[1]}
            </button>
          ))}
      </div>
    </div>
  );
}
