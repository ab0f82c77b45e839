/**
 * History into the series (one setData per load) and the forming candle from live data: ticks
 * (bids: the server builds bars from bids) and 1m `bar_update` bars fold into it at once, and
 * reach the canvas, with the bid/ask lines, at most every CHART_REFRESH_MS.
 */
import { LineStyle, type UTCTimestamp } from "lightweight-charts";
import { useEffect } from "react";
import { quoteStore, throttled } from "../../lib/quotes";
import type { ServerMessage } from "../../lib/types";
import type { WsClient } from "../../lib/ws-client";
import { applyTick, mergeMinuteBar, seriesPoints, toCandle, type Candle, type Interval } from "./candles";
import type { ChartRefs } from "./chart-refs";
import { CHART_COLORS, CHART_REFRESH_MS } from "./chart-theme";

export function useLiveCandle(
  refs: ChartRefs,
  options: {
    symbol: string;
    interval: Interval;
    bars: Candle[] | undefined;
    realtime: WsClient;
    writeLegend: (candle: Candle | undefined) => void;
    /** The forming candle or the quote moved: the handles follow the price scale. */
    onPaint: () => void;
  },
): void {
  const { symbol, interval, bars, realtime, writeLegend, onPaint } = options;

  // History: one setData per load. An older page keeps the view where it is and the live forming
  // candle; a new (symbol, interval) scrolls to the present; no bars yet (loading, or an outage)
  // clears the series, so another interval's candles never stand under the selected button.
  useEffect(() => {
    const series = refs.series.current;
    const volume = refs.volume.current;
    const container = refs.container.current;
    if (!series || !volume || !container) return;
    const key = `${symbol}:${interval}`;
    if (!bars) {
      series.setData([]);
      volume.setData([]);
      refs.last.current = undefined;
      refs.loaded.current = null;
      container.dataset.candles = "0";
      writeLegend(undefined);
      return;
    }
    const newest = bars.at(-1)?.time ?? 0;
    const olderPage = refs.loaded.current?.key === key && refs.loaded.current.newest === newest;
    const live = refs.last.current;
    const points = bars.map((c) => seriesPoints(c, CHART_COLORS.volumeUp, CHART_COLORS.volumeDown));
    series.setData(points.map((p) => ({ ...p.candle, time: p.candle.time as UTCTimestamp })));
    volume.setData(points.map((p) => ({ ...p.volume, time: p.volume.time as UTCTimestamp })));
    refs.loaded.current = { key, newest };
    if (olderPage && live && live.time >= newest) {
      draw(refs, live); // the forming candle the events built stays on top of the history
    } else {
      refs.last.current = bars.at(-1);
    }
    container.dataset.candles = String(bars.length);
    writeLegend(refs.last.current);
    if (bars.length && !performance.getEntriesByName("chart-ready").length) performance.mark("chart-ready");
    if (!olderPage) refs.chart.current?.timeScale().scrollToRealTime();
    onPaint();
  }, [refs, symbol, interval, bars, writeLegend, onPaint]);

  // Live: ticks move the forming candle and the bid/ask lines; 1m bars fix its OHLC.
  useEffect(() => {
    // Ticks and bar updates fold into the forming candle at once (so the next one merges with
    // it) but reach the canvas at most every CHART_REFRESH_MS: one series.update, one move of
    // the bid/ask lines, one repaint, whatever the tick rate.
    let dirty = false;
    const paint = throttled(() => {
      showQuote();
      const series = refs.series.current;
      const candle = refs.last.current;
      if (dirty && series && candle) {
        draw(refs, candle);
        writeLegend(candle);
      }
      dirty = false;
      onPaint();
    }, CHART_REFRESH_MS);
    const update = (candle: Candle | null) => {
      if (!candle || !refs.series.current || !bars) return;
      refs.last.current = candle;
      dirty = true;
    };
    const showQuote = () => {
      const quote = quoteStore.get(symbol);
      const series = refs.series.current;
      if (!quote || !series) return;
      const bid = Number(quote.bid);
      const ask = Number(quote.ask);
      if (!refs.bidLine.current) {
        const common = { lineWidth: 1 as const, lineStyle: LineStyle.Dotted, axisLabelVisible: true };
        refs.bidLine.current = series.createPriceLine({ ...common, price: bid, color: CHART_COLORS.bid, title: "Bid" });
        refs.askLine.current = series.createPriceLine({ ...common, price: ask, color: CHART_COLORS.ask, title: "Ask" });
      } else {
        refs.bidLine.current.applyOptions({ price: bid });
        refs.askLine.current?.applyOptions({ price: ask });
      }
    };
    const onQuote = (ticks: number) => {
      const quote = quoteStore.get(symbol);
      if (!quote) return;
      const time = Math.floor(Date.parse(quote.time) / 1000);
      if (Number.isFinite(time)) update(applyTick(refs.last.current, Number(quote.bid), time, interval, ticks));
      paint.call();
    };
    // The current quote already moves the forming candle (stored history ends at the last closed
    // bar); it was counted when it arrived, so it adds no volume now.
    onQuote(0);
    const offQuote = quoteStore.onAny((quote) => {
      if (quote.symbol === symbol) onQuote(1);
    });
    const offBars = realtime.onMessage((message: ServerMessage) => {
      if (message.type !== "bar_update" || message.symbol !== symbol || message.interval !== "1m") return;
      update(mergeMinuteBar(refs.last.current, toCandle(message.bar), interval));
      paint.call();
    });
    return () => {
      offQuote();
      offBars();
      paint.cancel();
    };
  }, [refs, symbol, interval, bars, realtime, writeLegend, onPaint]);
}

/** The forming candle onto the canvas: its OHLC and its volume bar. */
function draw(refs: ChartRefs, candle: Candle): void {
  const { candle: ohlc, volume } = seriesPoints(candle, CHART_COLORS.volumeUp, CHART_COLORS.volumeDown);
  refs.series.current?.update({ ...ohlc, time: ohlc.time as UTCTimestamp });
  refs.volume.current?.update({ ...volume, time: volume.time as UTCTimestamp });
  refs.last.current = candle;
}
