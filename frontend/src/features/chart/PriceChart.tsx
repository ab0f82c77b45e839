/**
 * The candlestick chart: the shell that puts its parts together. The chart is created once per
 * instrument (useCandleChart); history goes in with setData and live bars and ticks with
 * series.update (useLiveCandle); the open trades' entry/SL/TP and the ticket's preview levels are
 * price lines (usePriceLines); SL/TP have drag handles (mouse, touch and arrow keys) that PATCH
 * the trade when released (useDragHandles).
 */
import { useCallback } from "react";
import { formatPrice } from "../../lib/format";
import type { PreviewLevel } from "../../lib/preview-lines";
import type { Decision, Instrument, Trade } from "../../lib/types";
import type { WsClient } from "../../lib/ws-client";
import { tradeLevels, type Candle, type Interval, type LevelKind } from "./candles";
import { useChartRefs } from "./chart-refs";
import { useCandleChart } from "./useCandleChart";
import { useDragHandles } from "./useDragHandles";
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
}

export function PriceChart({ instrument, interval, bars, trades, decisions, preview, realtime, onModify }: Props) {
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
      el.textContent = `O ${f(candle.open)}  H ${f(candle.high)}  L ${f(candle.low)}  C ${f(candle.close)}`;
    },
    [refs, digits],
  );

  // Effects run in this order, as they did when they were one component's.
  useCandleChart(refs, { symbol, digits, writeLegend, onViewChange: placeHandles, onRemove: cancelPlacement });
  useLiveCandle(refs, { symbol, interval, bars, realtime, writeLegend, onPaint: placeHandles });
  useTradeMarkers(refs, { trades, decisions, symbol, interval, bars });
  usePriceLines(refs, { symbol, digits, levelsKey, previewKey, onDrawn: placeHandles });

  return (
    <div className="chart-frame">
      <div className="chart-legend num" ref={refs.legend} aria-live="off" />
      <div className="chart-canvas" ref={refs.container} data-testid="price-chart" data-candles="0" />
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
              {...eventsFor(h)}
            >
              ⇕ {h.label.split(" ")[1]}
            </button>
          ))}
      </div>
    </div>
  );
}
