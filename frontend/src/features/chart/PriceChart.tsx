/**
 * The candlestick chart: the shell that puts its parts together. The chart is created once per
 * instrument (useCandleChart); history goes in with setData and live bars and ticks with
 * series.update (useLiveCandle); the open trades' entry/SL/TP and the ticket's preview levels are
 * price lines (usePriceLines); SL/TP have drag handles (mouse, touch and arrow keys) that PATCH
 * the trade when released (useDragHandles).
 */
import type { LogicalRange } from "lightweight-charts";
import { useCallback, useEffect, useRef } from "react";
import { formatPrice, formatVolume } from "../../lib/format";
import type { PreviewLevel } from "../../lib/preview-lines";
import type { Decision, Instrument, Trade } from "../../lib/types";
import type { WsClient } from "../../lib/ws-client";
import { quoteStore } from "../../lib/quotes";
import { quoteToAccountRate } from "../../lib/sizing";
import { levelReadout, tradeLevels, type Candle, type Interval, type LevelKind, type TradeLevel } from "./candles";
import { useChartRefs } from "./chart-refs";
import { levelsInView, useCandleChart } from "./useCandleChart";
import type { IndicatorSetting } from "./indicators";
import { useDragHandles } from "./useDragHandles";
import { useHorizontalLines } from "./useHorizontalLines";
import { useIndicators } from "./useIndicators";
import { useLiveCandle } from "./useLiveCandle";
import { usePriceLines, useTradeMarkers } from "./usePriceLines";

interface Props {
  instrument: Instrument;
  interval: Interval;
  bars: Candle[] | undefined;
  trades: Trade[];
  /** The journal's decisions on this symbol (docs/signals.md): markers of signals that did not trade. */
  decisions: Decision[];
  /** The ticket's levels for this symbol before the order is sent. */
  preview: PreviewLevel[];
  realtime: WsClient;
  onModify: (tradeId: number, kind: LevelKind, price: string) => Promise<unknown>;
  /** Scrolled near the oldest loaded bar: load the next older page (a no-op once history ends). */
  onNeedOlder: () => void;
  /** Stretch the price scale to keep the trades' SL/TP in view. */
  fitLevels: boolean;
  /** The account's currency: the handles' money readout. */
  currency: string;
  /** The indicator overlays switched on (SMA, EMA, RSI, ATR). */
  indicators: IndicatorSetting[];
  /** The trader's horizontal lines on this symbol, and whether a click draws a new one. */
  hlines: number[];
  drawing: boolean;
  onDrawAt: (price: number) => void;
}

/** Fewer bars than this left of the view: the next older page is asked for. */
const PAGE_MARGIN = 50;

export function PriceChart(props: Props) {
  const { instrument, interval, bars, trades, decisions, preview, realtime, onModify, onNeedOlder, fitLevels, currency } =
    props;
  const { indicators, hlines, drawing, onDrawAt } = props;
  const symbol = instrument.symbol;
  const digits = instrument.digits;
  const levels = tradeLevels(trades, symbol);
  const levelsKey = levels.map((l) => `${l.key}=${l.price}`).join(";");
  const previewKey = preview.map((l) => `${l.kind}=${l.price}`).join(";");
  const refs = useChartRefs(levels, preview);
  const { handles, dragging, placeHandles, cancelPlacement, eventsFor } = useDragHandles(refs, {
    digits,
    pip: Number(instrument.pip_size),
    onModify,
  });

  // "#26 SL −32.0 pips / −16.00 USD": the money at the live conversion rate when one is needed.
  const readout = (level: TradeLevel, price: number) =>
    levelReadout(level, price, instrument, quoteToAccountRate(instrument, currency, price, quoteStore.mids()), currency);

  const writeLegend = useCallback(
    (candle: Candle | undefined) => {
      const el = refs.legend.current;
      if (!el) return;
      if (!candle) {
        el.textContent = "";
        return;
      }
      const f = (v: number) => v.toFixed(digits);
      const change = candle.close - candle.open;
      el.dataset.dir = change >= 0 ? "up" : "down";
      el.textContent = `O ${f(candle.open)}  H ${f(candle.high)}  L ${f(candle.low)}  C ${f(candle.close)}  V ${formatVolume(candle.volume)}`;
    },
    [refs, digits],
  );

  // Effects run in this order, as they did when they were one component's.
  useCandleChart(refs, { symbol, digits, writeLegend, onViewChange: placeHandles, onRemove: cancelPlacement });
  useLiveCandle(refs, { symbol, interval, bars, realtime, writeLegend, onPaint: placeHandles });
  useIndicators(refs, { bars, settings: indicators, symbol, digits });
  useHorizontalLines(refs, { symbol, digits, lines: hlines, drawing, onDrawAt });
  useTradeMarkers(refs, { trades, decisions, symbol, interval, bars });
  usePriceLines(refs, { symbol, digits, levelsKey, previewKey, onDrawn: placeHandles });

  // Scrolling back near the oldest bar asks for the next older page.
  const needOlder = useRef(onNeedOlder);
  needOlder.current = onNeedOlder;
  useEffect(() => {
    const scale = refs.chart.current?.timeScale();
    if (!scale) return;
    const check = (range: LogicalRange | null) => {
      if (range && range.from < PAGE_MARGIN) needOlder.current();
    };
    scale.subscribeVisibleLogicalRangeChange(check);
    return () => scale.unsubscribeVisibleLogicalRangeChange(check);
  }, [refs, symbol, digits]);

  // Keeping distant SL/TP out of the autoscale: the provider reads the setting; re-arm autoscale.
  useEffect(() => {
    refs.fitLevels.current = fitLevels;
    refs.chart.current?.priceScale("right").applyOptions({ autoScale: true });
    refs.series.current?.applyOptions({ autoscaleInfoProvider: levelsInView(refs) });
    const frame = requestAnimationFrame(placeHandles); // the handles follow the new scale
    return () => cancelAnimationFrame(frame);
  }, [refs, fitLevels, symbol, digits, placeHandles]);

  return (
    <div className="chart-frame">
      <div className="chart-legend num" ref={refs.legend} aria-live="off" />
      <div
        className={`chart-canvas${drawing ? " drawing" : ""}`}
        ref={refs.container}
        data-testid="price-chart"
        data-candles="0"
      />
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
              data-readout={readout(h, h.shown)}
              aria-label={`${readout(h, h.shown)} at ${formatPrice(h.shown, digits)}: drag, or use arrow keys and Enter`}
              {...eventsFor(h)}
            >
              ⇕ {readout(h, h.shown)}
            </button>
          ))}
      </div>
    </div>
  );
}
