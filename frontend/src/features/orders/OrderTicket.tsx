import { useEffect, useId, useMemo, useReducer, useState } from "react";
import { FieldError } from "../../components/FieldError";
import { RadioButtons } from "../../components/RadioButtons";
import { ApiError } from "../../lib/api-client";
import { formatLots, formatMoney, formatPrice } from "../../lib/format";
import { liveAccount } from "../../lib/live-account";
import { useLiveUnrealized } from "../../lib/live-pnl";
import type { PreviewLinesStore } from "../../lib/preview-lines";
import { quoteStore, UI_REFRESH_MS, useQuotes } from "../../lib/quotes";
import { useLiveQuotes } from "../../lib/realtime";
import { conversionSymbols, quoteToAccountRate } from "../../lib/sizing";
import type { Account, Instrument, Trade } from "../../lib/types";
import { usePlaceOrder } from "./api";
import {
  buildOrder,
  initialTicket,
  previewLevels,
  previewTicket,
  ticketReducer,
  TP_FIELDS,
  type LevelUnit,
  type SizeMode,
  type TicketState,
} from "./ticket";

const SIZE_MODES: [SizeMode, string][] = [
  ["lots", "Lots"],
  ["risk", "Risk %"],
];
const LEVEL_UNITS: [LevelUnit, string][] = [
  ["price", "Price"],
  ["pips", "Pips"],
];

interface Props {
  instrument: Instrument;
  account: Account;
  openTrades: Trade[];
  instruments: Map<string, Instrument>;
  /** Where the ticket's levels go for the chart to draw before the order is sent. */
  previewLines: PreviewLinesStore;
}

let orderSeq = 0;
function newClientOrderId() {
  orderSeq += 1;
  return `web-${Date.now().toString(36)}-${orderSeq}`;
}

export function OrderTicket({ instrument, account: accountRow, openTrades, instruments, previewLines }: Props) {
  const account = accountRow.id;
  const accountCurrency = accountRow.currency;
  const unrealized = useLiveUnrealized(openTrades, instruments, accountCurrency, UI_REFRESH_MS);
  const equity = liveAccount(accountRow, unrealized.total).equity;
  const [state, dispatch] = useReducer(ticketReducer, initialTicket);
  // Prices typed for one symbol mean nothing on another: a new symbol clears them (during render,
  // so no frame draws the old levels on the new chart).
  const [symbolShown, setSymbolShown] = useState(instrument.symbol);
  if (symbolShown !== instrument.symbol) {
    setSymbolShown(instrument.symbol);
    dispatch({ type: "clear" });
  }
  const [lastTrade, setLastTrade] = useState<Trade | null>(null);
  const id = useId();
  const conversions = useMemo(() => conversionSymbols(instrument, accountCurrency), [instrument, accountCurrency]);
  useLiveQuotes(conversions);
  const quotes = useQuotes([instrument.symbol, ...conversions], { throttleMs: UI_REFRESH_MS });
  const quote = quotes[instrument.symbol];
  const bid = quote ? Number(quote.bid) : null;
  const ask = quote ? Number(quote.ask) : null;
  const refPrice = (state.side === "buy" ? ask : bid) ?? 0;
  const mids = quoteStore.mids();
  const rate = quoteToAccountRate(instrument, accountCurrency, refPrice, mids);
  const rateAt = (price: number) => quoteToAccountRate(instrument, accountCurrency, price, mids);
  const preview = previewTicket(state, { instrument, bid, ask, equity, accountCurrency, rate, rateAt });
  const levels = previewLevels(state, preview, instrument);
  // The store ignores a set that changes nothing, so this runs after every render cheaply.
  useEffect(() => previewLines.set({ symbol: instrument.symbol, levels }));
  useEffect(() => () => previewLines.set(null), [previewLines]);
  const send = usePlaceOrder();
  const submit = () =>
    send.mutate(buildOrder(state, preview, instrument, account, newClientOrderId()), {
      onSuccess: (trade) => {
        setLastTrade(trade);
        dispatch({ type: "sent" });
      },
    });
  const serverError = send.error instanceof ApiError ? send.error : null;
  const errorFor = (field: string) => preview.errors[field] ?? serverError?.fieldError(field);
  const canSend = Object.keys(preview.errors).length === 0 && preview.lots !== null && !send.isPending;
  const digits = instrument.digits;
  const set = (field: Exclude<keyof TicketState, "takeProfits">) => (e: { target: { value: string } }) =>
    dispatch({ type: "set", field, value: e.target.value });
  const levelStep = state.levelUnit === "pips" ? "0.1" : String(10 ** -digits);
  const describe = (field: string) => (errorFor(field) ? `${id}-${field}-error` : undefined);

  return (
    <section className="panel ticket" aria-label="Order ticket">
      <h2 className="panel-title">Order · {instrument.symbol}</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (canSend) submit();
        }}
        noValidate
      >
        <div className="side-switch" role="radiogroup" aria-label="Side">
          <button
            type="button"
            role="radio"
            aria-checked={state.side === "sell"}
            className={`side sell${state.side === "sell" ? " active" : ""}`}
            onClick={() => dispatch({ type: "set", field: "side", value: "sell" })}
          >
            <span>Sell</span>
            <span className="num">{formatPrice(bid, digits)}</span>
          </button>
          <button
            type="button"
            role="radio"
            aria-checked={state.side === "buy"}
            className={`side buy${state.side === "buy" ? " active" : ""}`}
            onClick={() => dispatch({ type: "set", field: "side", value: "buy" })}
          >
            <span>Buy</span>
            <span className="num">{formatPrice(ask, digits)}</span>
          </button>
        </div>

        <div className="row two">
          <label>
            Type
            <select value={state.type} onChange={set("type")} data-testid="order-type">
              <option value="market">Market</option>
              <option value="limit">Limit</option>
              <option value="stop">Stop</option>
              <option value="stop_limit">Stop limit</option>
            </select>
          </label>
          <label>
            Time in force
            <select value={state.timeInForce} onChange={set("timeInForce")}>
              <option value="GTC">GTC</option>
              {state.type !== "market" && <option value="DAY">DAY</option>}
              {state.type !== "market" && <option value="GTD">GTD</option>}
              <option value="IOC">IOC</option>
              <option value="FOK">FOK</option>
            </select>
          </label>
        </div>
        {state.timeInForce === "GTD" && (
          <label>
            Expires
            <input
              type="datetime-local"
              value={state.expireAt}
              onChange={set("expireAt")}
              aria-invalid={!!errorFor("expire_at")}
              aria-describedby={describe("expire_at")}
            />
            <FieldError id={`${id}-expire_at-error`} message={errorFor("expire_at")} />
          </label>
        )}
        {state.type !== "market" && (
          <div className={state.type === "stop_limit" ? "row two" : "row"}>
            <label>
              {state.type === "limit" ? "Limit price" : "Trigger price"}
              <input
                className="num"
                inputMode="decimal"
                type="number"
                step={String(10 ** -digits)}
                value={state.price}
                onChange={set("price")}
                aria-invalid={!!errorFor("price")}
                aria-describedby={describe("price")}
              />
              <FieldError id={`${id}-price-error`} message={errorFor("price")} />
            </label>
            {state.type === "stop_limit" && (
              <label>
                Limit price
                <input
                  className="num"
                  inputMode="decimal"
                  type="number"
                  step={String(10 ** -digits)}
                  value={state.limitPrice}
                  onChange={set("limitPrice")}
                  aria-invalid={!!errorFor("limit_price")}
                  aria-describedby={describe("limit_price")}
                />
                <FieldError id={`${id}-limit_price-error`} message={errorFor("limit_price")} />
              </label>
            )}
          </div>
        )}

        <div className="row size">
          <RadioButtons
            className="segmented"
            label="Size by"
            options={SIZE_MODES}
            value={state.sizeMode}
            onChange={(value) => dispatch({ type: "set", field: "sizeMode", value })}
          />
          {state.sizeMode === "lots" ? (
            <label>
              Lots
              <input
                className="num"
                inputMode="decimal"
                type="number"
                min={instrument.min_lot}
                step={instrument.lot_step}
                value={state.lots}
                onChange={set("lots")}
                aria-invalid={!!errorFor("lot_size")}
                aria-describedby={describe("lot_size")}
                data-testid="ticket-lots"
              />
            </label>
          ) : (
            <label>
              Risk % of equity
              <input
                className="num"
                inputMode="decimal"
                type="number"
                step="0.1"
                min="0"
                value={state.riskPct}
                onChange={set("riskPct")}
                aria-invalid={!!errorFor("lot_size")}
                aria-describedby={describe("lot_size")}
                data-testid="ticket-risk"
              />
            </label>
          )}
        </div>
        <FieldError id={`${id}-lot_size-error`} message={errorFor("lot_size")} />

        <div className="row levels-head">
          <span>Exits</span>
          <button
            type="button"
            className="link clear"
            onClick={() => dispatch({ type: "clear" })}
            disabled={!state.stopLoss && !state.takeProfits.some(Boolean) && !state.price && !state.limitPrice}
            data-testid="ticket-clear"
          >
            Clear
          </button>
          <RadioButtons
            className="segmented"
            label="Levels in"
            options={LEVEL_UNITS}
            value={state.levelUnit}
            onChange={(value) => dispatch({ type: "set", field: "levelUnit", value })}
          />
        </div>
        <label className="level sl">
          Stop loss
          <input
            className="num"
            inputMode="decimal"
            type="number"
            step={levelStep}
            value={state.stopLoss}
            onChange={set("stopLoss")}
            aria-invalid={!!errorFor("stop_loss")}
            aria-describedby={describe("stop_loss")}
            data-testid="ticket-sl"
          />
          {state.levelUnit === "pips" && preview.stopLoss !== null && (
            <span className="hint num">{formatPrice(preview.stopLoss, digits)}</span>
          )}
          <FieldError id={`${id}-stop_loss-error`} message={errorFor("stop_loss")} />
        </label>
        {TP_FIELDS.map((field, i) => (
          <label className="level tp" key={field}>
            TP{i + 1}
            <input
              className="num"
              inputMode="decimal"
              type="number"
              step={levelStep}
              value={state.takeProfits[i]}
              onChange={(e) => dispatch({ type: "setTakeProfit", index: i as 0 | 1 | 2, value: e.target.value })}
              aria-invalid={!!errorFor(field)}
              aria-describedby={describe(field)}
              data-testid={`ticket-tp${i + 1}`}
            />
            {state.levelUnit === "pips" && preview.takeProfits[i] != null && (
              <span className="hint num">{formatPrice(preview.takeProfits[i], digits)}</span>
            )}
            <FieldError id={`${id}-${field}-error`} message={errorFor(field)} />
          </label>
        ))}

        <dl className="ticket-preview" data-testid="ticket-preview">
          <div>
            <dt>Lots</dt>
            <dd className="num" data-testid="preview-lots">
              {preview.lots === null ? "—" : formatLots(preview.lots, instrument.lot_step)}
            </dd>
          </div>
          <div>
            <dt>Risk</dt>
            <dd className={`num${preview.riskMoney === null ? "" : " down"}`} data-testid="preview-risk">
              {preview.riskMoney === null ? "—" : `${formatMoney(preview.riskMoney)} ${accountCurrency}`}
              {preview.riskMoney !== null && equity > 0 && (
                <span className="muted"> ({((preview.riskMoney / equity) * 100).toFixed(2)} %)</span>
              )}
            </dd>
          </div>
          <div>
            <dt>R:R</dt>
            <dd className="num" data-testid="preview-rr">
              {preview.rewardToRisk === null ? "—" : `1 : ${preview.rewardToRisk.toFixed(2)}`}
            </dd>
          </div>
        </dl>

        {serverError && !Object.keys(serverError.errors).some((f) => f !== "non_field_errors") && (
          <div className="field-error" role="alert" data-testid="ticket-error">
            {serverError.message} <code>{serverError.code}</code>
          </div>
        )}
        {send.error && !serverError && (
          <div className="field-error" role="alert">
            {String(send.error)}
          </div>
        )}
        <button
          type="submit"
          className={`submit ${state.side}`}
          disabled={!canSend}
          data-testid="ticket-submit"
        >
          {send.isPending
            ? "Sending…"
            : `${state.side === "buy" ? "Buy" : "Sell"} ${preview.lots === null ? "" : formatLots(preview.lots, instrument.lot_step)} ${instrument.symbol} ${state.type === "market" ? "at market" : state.type.replace("_", " ")}`}
        </button>
        {lastTrade && !send.error && (
          <p className="ticket-done muted" role="status">
            #{lastTrade.id} {lastTrade.status === "open" ? "filled at" : "placed at"}{" "}
            <span className="num">{formatPrice(lastTrade.entry_price ?? lastTrade.price, digits)}</span>
          </p>
        )}
      </form>
    </section>
  );
}
