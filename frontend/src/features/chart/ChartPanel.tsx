import { useCallback, useMemo, useState } from "react";
import { ErrorBanner } from "../../components/FieldError";
import { LabelledSelect } from "../../components/LabelledSelect";
import { RadioButtons } from "../../components/RadioButtons";
import { formatPrice } from "../../lib/format";
import { readSetting, useFlagSetting, writeSetting } from "../../lib/local-settings";
import { usePreviewLines, type PreviewLinesStore } from "../../lib/preview-lines";
import { useQuote } from "../../lib/quotes";
import { usePriceState } from "../../lib/realtime";
import type { Decision, Instrument, Trade } from "../../lib/types";
import type { WsClient } from "../../lib/ws-client";
import { useOhlcHistory, useSymbolDecisions, useSymbolTrades } from "./api";
import { INTERVALS, joinPages, type Interval, type LevelKind } from "./candles";
import { addLine, readLines, removeLine } from "./hlines";
import { parseIndicatorSettings, type IndicatorKind, type IndicatorSetting } from "./indicators";
import { PriceChart } from "./PriceChart";

const INTERVAL_OPTIONS = INTERVALS.map((i) => [i, i] as const);

interface Props {
  account: number | undefined;
  instruments: Instrument[];
  instrument: Instrument;
  onSymbol: (symbol: string) => void;
  interval: Interval;
  onInterval: (interval: Interval) => void;
  activeTrades: Trade[];
  realtime: WsClient;
  barLimit: number;
  /** The account's currency, for the SL/TP handles' money readout. */
  accountCurrency: string;
  previewLines: PreviewLinesStore;
  /** PATCH one level of a trade (the orders feature's modify mutation, handed down by app/). */
  modifyTrade: (vars: { id: number; changes: Partial<Record<LevelKind, string>> }) => Promise<unknown>;
}

const NO_DECISIONS: Decision[] = [];
const FIT_LEVELS_KEY = "chart:fitLevels";
const INDICATORS_KEY = "chart:indicators";

export function ChartPanel(props: Props) {
  const { account, instrument, interval, realtime, barLimit } = props;
  const ohlc = useOhlcHistory(instrument.symbol, interval, barLimit);
  const [fitLevels, setFitLevels] = useFlagSetting(FIT_LEVELS_KEY, true);
  const [indicators, setIndicators] = useState(() => parseIndicatorSettings(readSetting(INDICATORS_KEY, "")));
  const [hlines, setHlines] = useState<{ symbol: string; lines: number[] }>(() => ({
    symbol: instrument.symbol,
    lines: readLines(instrument.symbol),
  }));
  if (hlines.symbol !== instrument.symbol) setHlines({ symbol: instrument.symbol, lines: readLines(instrument.symbol) });
  const [drawing, setDrawing] = useState(false);
  const drawAt = useCallback(
    (price: number) => {
      setHlines({ symbol: instrument.symbol, lines: addLine(instrument.symbol, price, instrument.digits) });
      setDrawing(false);
    },
    [instrument.symbol, instrument.digits],
  );
  const changeIndicator = (kind: IndicatorKind, change: Partial<IndicatorSetting>) => {
    const next = indicators.map((s) => (s.kind === kind ? { ...s, ...change } : s));
    setIndicators(next);
    writeSetting(INDICATORS_KEY, JSON.stringify(next));
  };
  const history = useSymbolTrades(account, instrument.symbol);
  const journal = useSymbolDecisions(account, instrument.symbol);
  const preview = usePreviewLines(props.previewLines, instrument.symbol);
  const [modifyError, setModifyError] = useState<unknown>(null);
  const bars = useMemo(() => (ohlc.data ? joinPages(ohlc.data.pages.map((p) => p.data)) : undefined), [ohlc.data]);
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = ohlc;
  const onNeedOlder = useCallback(() => {
    if (hasNextPage && !isFetchingNextPage) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);
  const historyState = !ohlc.data ? "loading" : isFetchingNextPage ? "paging" : hasNextPage ? "more" : "end";
  const markerTrades = useMemo(() => {
    const byId = new Map<number, Trade>();
    for (const t of history.data ?? []) byId.set(t.id, t);
    for (const t of props.activeTrades) byId.set(t.id, { ...byId.get(t.id), ...t });
    return [...byId.values()];
  }, [history.data, props.activeTrades]);

  const onModify = async (tradeId: number, kind: LevelKind, price: string) => {
    setModifyError(null);
    try {
      return await props.modifyTrade({ id: tradeId, changes: { [kind]: price } });
    } catch (error) {
      setModifyError(error);
      throw error;
    }
  };

  return (
    <section className="panel chart-panel" aria-label="Chart">
      <div className="toolbar">
        <LabelledSelect
          id="symbol-picker"
          label="Symbol"
          className="symbol-picker"
          value={instrument.symbol}
          onChange={(e) => props.onSymbol(e.target.value)}
          options={props.instruments.map((i) => [i.symbol, i.symbol])}
        />
        <RadioButtons
          className="intervals"
          label="Interval"
          options={INTERVAL_OPTIONS}
          value={interval}
          onChange={props.onInterval}
        />
        <label className="check" title="Off: far SL/TP lines do not squash the candles; they stay drawn off-screen">
          <input
            type="checkbox"
            checked={fitLevels}
            onChange={(e) => setFitLevels(e.target.checked)}
            data-testid="fit-levels"
          />
          Fit SL/TP
        </label>
        <details className="indicator-menu" data-testid="indicator-menu">
          <summary>Indicators</summary>
          <div className="indicator-list">
            {indicators.map((s) => (
              <div key={s.kind} className="indicator-row">
                <label className="check">
                  <input
                    type="checkbox"
                    checked={s.on}
                    onChange={(e) => changeIndicator(s.kind, { on: e.target.checked })}
                    data-testid={`indicator-${s.kind}`}
                  />
                  {s.kind.toUpperCase()}
                </label>
                <input
                  className="num period"
                  type="number"
                  min={1}
                  max={500}
                  aria-label={`${s.kind.toUpperCase()} period`}
                  value={s.period}
                  onChange={(e) => {
                    const period = Number(e.target.value);
                    if (Number.isInteger(period) && period >= 1 && period <= 500) changeIndicator(s.kind, { period });
                  }}
                  data-testid={`indicator-${s.kind}-period`}
                />
              </div>
            ))}
          </div>
        </details>
        <details className="indicator-menu" data-testid="lines-menu">
          <summary>Lines{hlines.lines.length ? ` (${hlines.lines.length})` : ""}</summary>
          <div className="indicator-list">
            <button
              type="button"
              className={`btn ghost${drawing ? " active" : ""}`}
              aria-pressed={drawing}
              onClick={() => setDrawing((d) => !d)}
              data-testid="draw-line"
            >
              {drawing ? "Click the chart…" : "Draw a line"}
            </button>
            {hlines.lines.map((price) => (
              <div key={price} className="indicator-row" data-testid="hline">
                <span className="num">{formatPrice(price, instrument.digits)}</span>
                <button
                  type="button"
                  className="link"
                  aria-label={`Remove the line at ${formatPrice(price, instrument.digits)}`}
                  onClick={() => setHlines({ symbol: instrument.symbol, lines: removeLine(instrument.symbol, price) })}
                >
                  ×
                </button>
              </div>
            ))}
          </div>
        </details>
        <span className="history-state muted" data-testid="history-state" data-state={historyState}>
          {historyState === "paging" ? "Loading older bars…" : historyState === "end" && bars?.length ? "Start of history" : ""}
        </span>
        <QuoteStrip instrument={instrument} />
      </div>
      {ohlc.isError && <ErrorBanner error={ohlc.error} />}
      {modifyError ? (
        <div className="toast" data-testid="modify-error">
          <ErrorBanner error={modifyError} />
          <button type="button" className="link" onClick={() => setModifyError(null)}>
            Dismiss
          </button>
        </div>
      ) : null}
      <PriceChart
        instrument={instrument}
        interval={interval}
        bars={bars}
        trades={markerTrades}
        decisions={journal.data ?? NO_DECISIONS}
        preview={preview}
        realtime={realtime}
        onModify={onModify}
        onNeedOlder={onNeedOlder}
        fitLevels={fitLevels}
        currency={props.accountCurrency}
        indicators={indicators}
        hlines={hlines.lines}
        drawing={drawing}
        onDrawAt={drawAt}
      />
      {bars && bars.length === 0 && (
        <div className="chart-empty">No bars stored for {instrument.symbol} yet: candles appear as prices arrive.</div>
      )}
    </section>
  );
}


/** Bid, spread in pips, ask: the only part of the panel that re-renders on every tick. */
function QuoteStrip({ instrument }: { instrument: Instrument }) {
  const quote = useQuote(instrument.symbol);
  const state = usePriceState(instrument.symbol);
  if (state === "none") {
    return (
      <div className="quote-strip no-price" data-testid="quote-strip" data-state="none">
        No price: the feed does not quote {instrument.symbol}
      </div>
    );
  }
  const spread = quote ? (Number(quote.ask) - Number(quote.bid)) / Number(instrument.pip_size) : null;
  return (
    <div className="quote-strip num" data-testid="quote-strip">
      <span className="bid">{quote ? formatPrice(quote.bid, instrument.digits) : "—"}</span>
      <span className="spread">{spread === null ? "" : spread.toFixed(1)}</span>
      <span className="ask">{quote ? formatPrice(quote.ask, instrument.digits) : "—"}</span>
    </div>
  );
}
