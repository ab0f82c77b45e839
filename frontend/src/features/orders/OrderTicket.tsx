import { useEffect, useId, useMemo, useReducer, useState } from "react";
import { Field } from "../../components/Field";
import { FieldError } from "../../components/FieldError";
import { RadioButtons } from "../../components/RadioButtons";
import { ApiError } from "../../lib/api-client";
import { formatLots, formatMoney, formatPrice } from "../../lib/format";
import { liveAccount } from "../../lib/live-account";
import { useLiveUnrealized } from "../../lib/live-pnl";
import type { PreviewLinesStore } from "../../lib/preview-lines";
import { quoteStore, UI_REFRESH_MS, useQuotes } from "../../lib/quotes";
import { useFlagSetting } from "../../lib/local-settings";
import { useConnectionState, useLiveQuotes, usePriceState } from "../../lib/realtime";
import type { ConnectionState } from "../../lib/ws-client";
import { conversionSymbols, quoteToAccountRate } from "../../lib/sizing";
import type { Account, Instrument, Trade } from "../../lib/types";
import { usePlaceOrder } from "./api";
import {
  buildOrder,
  orderCosts,
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

const ONE_KEY = "ticket:oneKey";

/** Why no order can be sent now, or null: the reason is shown above the disabled button. */
export function sendBlockedReason(state: {
  connection: ConnectionState;
  priceState: "live" | "none" | "loading";
  symbol: string;
}): string | null {
  if (state.connection === "reconnecting" || state.connection === "closed") {
    return "Offline: sending is paused until the connection is back.";
  }
  if (state.priceState === "none") return `No price for ${state.symbol}: the feed does not quote it.`;
  if (state.priceState === "loading") return `Waiting for a price for ${state.symbol}…`;
  return null;
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
  const live = liveAccount(accountRow, unrealized.total);
  const equity = live.equity;
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
  const connection = useConnectionState();
  const priceState = usePriceState(instrument.symbol);
  const costs = orderCosts(preview, instrument, rate, {
    leverage: accountRow.leverage,
    mode: accountRow.mode,
    freeMargin: live.freeMargin,
    equity,
    maxRiskPct: accountRow.max_risk_per_trade_pct === null ? null : Number(accountRow.max_risk_per_trade_pct),
    currency: accountCurrency,
  });
  const blocked = sendBlockedReason({ connection, priceState, symbol: instrument.symbol }) ?? costs.refusal?.message ?? null;
  const canSend = Object.keys(preview.errors).length === 0 && preview.lots !== null && !send.isPending && !blocked;
  const [oneKey, setOneKey] = useFlagSetting(ONE_KEY, false);
  const digits = instrument.digits;
  // Any change to the inputs makes the last refusal stale: it goes.
  const change: typeof dispatch = (action) => {
    if (send.error) send.reset();
    dispatch(action);
  };
  const set = (field: Exclude<keyof TicketState, "takeProfits">) => (e: { target: { value: string } }) =>
    change({ type: "set", field, value: e.target.value });
  const levelStep = state.levelUnit === "pips" ? "0.1" : String(10 ** -digits);
  const describe = (field: string) => (errorFor(field) ? `${id}-${field}-error` : undefined);
  // What every number input of the ticket shares: a decimal keypad, and its invalid state and
  // error message tied to the order field it feeds.
  const numeric = (field: string) => ({
    className: "num",
    inputMode: "decimal" as const,
    type: "number",
    "aria-invalid": !!errorFor(field),
    "aria-describedby": describe(field),
  });
  // A level typed in pips shows the price it comes to.
  const levelHint = (price: number | null | undefined) =>
    state.levelUnit === "pips" && price != null && <span className="hint num">{formatPrice(price, digits)}</span>;
  // The ticket's two segmented choices (size by, levels in), each setting its own field.
  const segmented = <F extends "sizeMode" | "levelUnit">(
    field: F,
    label: string,
    options: [TicketState[F], string][],
  ) => ({
    className: "segmented",
    label,
    options,
    value: state[field],
    onChange: (value: TicketState[F]) => change({ type: "set", field, value }),
  });
  // The order's prices: the limit or trigger price, then a stop limit's limit price.
  const priceFields: (readonly [string, "price" | "limitPrice", string])[] = [
    ["price", "price", state.type === "limit" ? "Limit price" : "Trigger price"],
    ...(state.type === "stop_limit" ? [["limit_price", "limitPrice", "Limit price"] as const] : []),
  ];
  // A sell fills at the bid, a buy at the ask: each side's button shows its price.
  const SIDES = [
    ["sell", "Sell", bid],
    ["buy", "Buy", ask],
  ] as const;
  const fieldError = (field: string) => <FieldError id={`${id}-${field}-error`} message={errorFor(field)} />;

  return (
    <section className="panel ticket" aria-label="Order ticket">
      <h2 className="panel-title">Order · {instrument.symbol}</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (canSend) submit();
        }}
        onKeyDown={(e) => {
          // Enter in a field sends only with one-key trading on; the button always sends.
          if (e.key === "Enter" && !oneKey && e.target instanceof HTMLInputElement) e.preventDefault();
        }}
        noValidate
      >
        <div className="side-switch" role="radiogroup" aria-label="Side">
          {SIDES.map(([side, text, price]) => (
            <button
              key={side}
              type="button"
              role="radio"
              aria-checked={state.side === side}
              className={`side ${side}${state.side === side ? " active" : ""}`}
              onClick={() => change({ type: "set", field: "side", value: side })}
            >
              <span>{text}</span>
              <span className="num">{formatPrice(price, digits)}</span>
            </button>
          ))}
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
          <Field
            label="Expires"
            type="datetime-local"
            value={state.expireAt}
            onChange={set("expireAt")}
            aria-invalid={!!errorFor("expire_at")}
            aria-describedby={describe("expire_at")}
          >
            {fieldError("expire_at")}
          </Field>
        )}
        {state.type !== "market" && (
          <div className={state.type === "stop_limit" ? "row two" : "row"}>
            {priceFields.map(([field, key, label]) => (
              <Field
                key={field}
                label={label}
                {...numeric(field)}
                step={String(10 ** -digits)}
                value={state[key]}
                onChange={set(key)}
              >
                {fieldError(field)}
              </Field>
            ))}
          </div>
        )}

        <div className="row size">
          <RadioButtons {...segmented("sizeMode", "Size by", SIZE_MODES)} />
          {state.sizeMode === "lots" ? (
            <Field
              label="Lots"
              {...numeric("lot_size")}
              min={instrument.min_lot}
              step={instrument.lot_step}
              value={state.lots}
              onChange={set("lots")}
              data-testid="ticket-lots"
            />
          ) : (
            <Field
              label="Risk % of equity"
              {...numeric("lot_size")}
              step="0.1"
              min="0"
              value={state.riskPct}
              onChange={set("riskPct")}
              data-testid="ticket-risk"
            />
          )}
        </div>
        {fieldError("lot_size")}

        <div className="row levels-head">
          <span>Exits</span>
          <button
            type="button"
            className="link clear"
            onClick={() => change({ type: "clear" })}
            disabled={!state.stopLoss && !state.takeProfits.some(Boolean) && !state.price && !state.limitPrice}
            data-testid="ticket-clear"
          >
            Clear
          </button>
          <RadioButtons {...segmented("levelUnit", "Levels in", LEVEL_UNITS)} />
        </div>
        <Field
          labelClassName="level sl"
          label="Stop loss"
          {...numeric("stop_loss")}
          step={levelStep}
          value={state.stopLoss}
          onChange={set("stopLoss")}
          data-testid="ticket-sl"
        >
          {levelHint(preview.stopLoss)}
          {fieldError("stop_loss")}
        </Field>
        {TP_FIELDS.map((field, i) => (
          <Field
            labelClassName="level tp"
            key={field}
            label={`TP${i + 1}`}
            {...numeric(field)}
            step={levelStep}
            value={state.takeProfits[i]}
            onChange={(e) => change({ type: "setTakeProfit", index: i as 0 | 1 | 2, value: e.target.value })}
            data-testid={`ticket-tp${i + 1}`}
          >
            {levelHint(preview.takeProfits[i])}
            {fieldError(field)}
          </Field>
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
            <dt>Margin</dt>
            <dd className="num" data-testid="preview-margin">
              {costs.margin === null ? "—" : `${formatMoney(costs.margin)} ${accountCurrency}`}
            </dd>
          </div>
          <div>
            <dt>Pip value</dt>
            <dd className="num" data-testid="preview-pip-value">
              {costs.pipValue === null ? "—" : `${formatMoney(costs.pipValue)} ${accountCurrency}`}
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
        {blocked && (
          <p className="blocked" role="status" data-testid="ticket-blocked" data-code={costs.refusal?.code}>
            {blocked}
          </p>
        )}
        <label className="check one-key" title="Enter in a field sends the order at once">
          <input
            type="checkbox"
            checked={oneKey}
            onChange={(e) => setOneKey(e.target.checked)}
            data-testid="one-key"
          />
          One-key trading (Enter sends)
        </label>
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
        {/* the last order of this symbol's ticket, priced at its own digits */}
        {lastTrade && lastTrade.symbol === instrument.symbol && !send.error && (
          <p className="ticket-done muted" role="status">
            #{lastTrade.id} {lastTrade.status === "open" ? "filled at" : "placed at"}{" "}
            <span className="num">{formatPrice(lastTrade.entry_price ?? lastTrade.price, digits)}</span>
          </p>
        )}
      </form>
    </section>
  );
}
