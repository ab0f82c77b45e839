import { memo, useState, type ComponentType } from "react";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { ErrorBanner } from "../../components/FieldError";
import { EventLog } from "../../components/Toasts";
import { ACTIONS, figures, GridTable, PipsPnlCells } from "../../components/GridTable";
import { TabButtons } from "../../components/RadioButtons";
import { reasonWords } from "../../lib/announcements";
import { API, withQuery } from "../../lib/api-client";
import { formatLots, formatMoney, formatPips, formatPrice, formatTime, signClass } from "../../lib/format";
import { unrealizedAt } from "../../lib/live-pnl";
import { quoteStore, useQuote } from "../../lib/quotes";
import type { Instrument, Trade } from "../../lib/types";
import { historyQuery, useHistory, type HistoryFilters } from "./api";

type Tab = "open" | "pending" | "history" | "events";

/** A trade mutation the app hands down (the order mutations live in features/orders). */
export interface TradeAction<V> {
  mutate: (vars: V) => void;
  isPending: boolean;
  error: Error | null;
}

/** The form that edits an open trade's levels, drawn in its Modify row (app/ passes orders' one). */
export type ModifyFormComponent = ComponentType<{ trade: Trade; digits: number; onDone: () => void }>;

interface Props {
  account: number;
  accountCurrency: string;
  instruments: Map<string, Instrument>;
  open: Trade[];
  pending: Trade[];
  onSelectSymbol: (symbol: string) => void;
  close: TradeAction<{ id: number; lots?: string }>;
  cancel: TradeAction<{ id: number }>;
  closeAll: TradeAction<{ account: number; symbol?: string }>;
  reverse: TradeAction<{ id: number }>;
  ModifyForm: ModifyFormComponent;
}

const OPEN_COLUMNS = [
  "#",
  "Opened",
  "Symbol",
  "Side",
  ...figures("Lots", "Entry", "Price", "SL", "TP", "Commission", "Swap", "Pips", "P&L"),
  ACTIONS,
];
const PENDING_COLUMNS = ["#", "Placed", "Symbol", "Side", "Type", ...figures("Lots", "Price", "SL", "TP"), "TIF", ACTIONS];
const HISTORY_COLUMNS = [
  "#",
  "Opened",
  "Closed",
  "Symbol",
  "Side",
  ...figures("Lots", "Entry", "Exit"),
  "Reason",
  ...figures("Commission", "Swap", "Pips", "P&L"),
];
const FILL_COLUMNS = ["Time", "Reason", ...figures("Lots", "Price", "Pips", "P&L")];

const digitsOf = (instruments: Map<string, Instrument>, symbol: string) => instruments.get(symbol)?.digits ?? 5;

export function PositionsPanel(props: Props) {
  const { account, accountCurrency, instruments, open, pending, onSelectSymbol, close, cancel, ModifyForm } = props;
  const { closeAll, reverse } = props;
  const [tab, setTab] = useState<Tab>("open");
  // What waits for a confirmation: close all (of a symbol, or every one) or reversing a trade.
  const [confirm, setConfirm] = useState<{ kind: "all"; symbol?: string } | { kind: "reverse"; trade: Trade } | null>(null);
  const symbolsOpen = [...new Set(open.map((t) => t.symbol))];
  const [filters, setFilters] = useState<HistoryFilters>({ status: "closed", symbol: "", days: "30" });
  const history = useHistory(tab === "history" ? account : undefined, filters);
  const actionError = close.error ?? cancel.error ?? closeAll.error ?? reverse.error;
  const tabs: [Tab, string, number | undefined][] = [
    ["open", "Positions", open.length],
    ["pending", "Orders", pending.length],
    ["history", "History", undefined],
    ["events", "Events", undefined],
  ];
  const tabOptions = tabs.map(([key, label, count]) => [
    key,
    <>
      {label}
      {count !== undefined && <span className="count num">{count}</span>}
    </>,
  ] as const);
  return (
    <section className="panel positions" aria-label="Positions and orders">
      <TabButtons className="tabs" options={tabOptions} value={tab} onChange={setTab} />
      {actionError ? <ErrorBanner error={actionError} /> : null}
      {/* focusable: a scrollable region must be reachable by keyboard (tabpanel practice) */}
      <div className="table-wrap" role="tabpanel" tabIndex={0} aria-label={tabs.find(([key]) => key === tab)?.[1]}>
        {tab === "open" && open.length > 0 && (
          <div className="bulk-actions" data-testid="bulk-actions">
            {symbolsOpen.length > 1 &&
              symbolsOpen.map((symbol) => (
                <button
                  key={symbol}
                  type="button"
                  className="btn ghost"
                  onClick={() => setConfirm({ kind: "all", symbol })}
                  data-testid={`close-symbol-${symbol}`}
                >
                  Close {symbol} ({open.filter((t) => t.symbol === symbol).length})
                </button>
              ))}
            <button type="button" className="btn ghost danger-text" onClick={() => setConfirm({ kind: "all" })} data-testid="close-all">
              Close all ({open.length})
            </button>
          </div>
        )}
        {confirm?.kind === "all" && (
          <ConfirmDialog
            title={confirm.symbol ? `Close every ${confirm.symbol} position?` : "Close every open position?"}
            confirmLabel={confirm.symbol ? `Close ${confirm.symbol}` : "Close all"}
            pending={closeAll.isPending}
            onCancel={() => setConfirm(null)}
            onConfirm={() => {
              closeAll.mutate({ account, ...(confirm.symbol ? { symbol: confirm.symbol } : {}) });
              setConfirm(null);
            }}
            testId="close-all-dialog"
          >
            <p>
              {(confirm.symbol ? open.filter((t) => t.symbol === confirm.symbol) : open).length} positions are closed at
              market, oldest first; if one cannot be closed (no price), none is.
            </p>
          </ConfirmDialog>
        )}
        {confirm?.kind === "reverse" && (
          <ConfirmDialog
            title={`Reverse #${confirm.trade.id} ${confirm.trade.symbol}?`}
            confirmLabel="Reverse"
            pending={reverse.isPending}
            onCancel={() => setConfirm(null)}
            onConfirm={() => {
              reverse.mutate({ id: confirm.trade.id });
              setConfirm(null);
            }}
            testId="reverse-dialog"
          >
            <p>
              The {confirm.trade.order_type} of {confirm.trade.lot_size} lots is closed at market and a{" "}
              {confirm.trade.order_type === "buy" ? "sell" : "buy"} of the same lots opened, with the stop at the same
              distance and no targets.
            </p>
          </ConfirmDialog>
        )}
        {tab === "open" && (
          <GridTable testId="open-positions" columns={OPEN_COLUMNS} empty={open.length === 0 && "No open positions."}>
            {open.map((trade) => (
              <OpenRow
                key={trade.id}
                trade={trade}
                instrument={instruments.get(trade.symbol)}
                accountCurrency={accountCurrency}
                onSelectSymbol={onSelectSymbol}
                onClose={(lots) => close.mutate({ id: trade.id, lots })}
                onReverse={() => setConfirm({ kind: "reverse", trade })}
                busy={close.isPending}
                ModifyForm={ModifyForm}
              />
            ))}
          </GridTable>
        )}
        {tab === "pending" && (
          <GridTable testId="pending-orders" columns={PENDING_COLUMNS} empty={pending.length === 0 && "No pending orders."}>
            {pending.map((trade) => {
              const d = digitsOf(instruments, trade.symbol);
              return (
                <tr key={trade.id} data-trade-id={trade.id}>
                  <NumberCells trade={trade} time={trade.created_at} />
                  <SymbolSideCells trade={trade} onSelectSymbol={onSelectSymbol} />
                  <td>{trade.entry_type.replace("_", " ")}</td>
                  <td className="r num">{trade.lot_size}</td>
                  <td className="r num">
                    {formatPrice(trade.price, d)}
                    {trade.limit_price ? ` → ${formatPrice(trade.limit_price, d)}` : ""}
                  </td>
                  <td className="r num">{formatPrice(trade.stop_loss, d)}</td>
                  <td className="r num">{formatPrice(trade.take_profit_1, d)}</td>
                  <td>
                    {trade.time_in_force}
                    {trade.expire_at ? ` ${formatTime(trade.expire_at).slice(5, 16)}` : ""}
                  </td>
                  <td className="actions">
                    <button
                      type="button"
                      className="btn ghost"
                      onClick={() => cancel.mutate({ id: trade.id })}
                      disabled={cancel.isPending}
                    >
                      Cancel
                    </button>
                  </td>
                </tr>
              );
            })}
          </GridTable>
        )}
        {tab === "history" && (
          <>
            <div className="filters">
              <label>
                Status
                <select
                  value={filters.status}
                  onChange={(e) => setFilters({ ...filters, status: e.target.value as HistoryFilters["status"] })}
                >
                  <option value="closed">Closed</option>
                  <option value="cancelled">Cancelled</option>
                </select>
              </label>
              <label>
                Symbol
                <select value={filters.symbol} onChange={(e) => setFilters({ ...filters, symbol: e.target.value })}>
                  <option value="">All</option>
                  {[...instruments.keys()].map((s) => (
                    <option key={s} value={s}>
                      {s}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                Within
                <select value={filters.days} onChange={(e) => setFilters({ ...filters, days: e.target.value })}>
                  <option value="1">the last day</option>
                  <option value="7">the last 7 days</option>
                  <option value="30">the last 30 days</option>
                  <option value="90">the last 90 days</option>
                  <option value="">this period (since the last reset)</option>
                </select>
              </label>
              <a
                className="btn ghost"
                href={withQuery(`${API}/trades/export/`, historyQuery(account, filters))}
                download="trades.csv"
              >
                Export CSV
              </a>
            </div>
            <GridTable
              testId="history"
              columns={HISTORY_COLUMNS}
              empty={history.data?.results.length === 0 && "Nothing in this period."}
            >
              {history.data?.results.map((trade) => {
                const d = digitsOf(instruments, trade.symbol);
                return (
                  <tr key={trade.id} data-trade-id={trade.id}>
                    <NumberCells trade={trade} time={trade.entry_time ?? trade.created_at} />
                    <td className="num">{formatTime(trade.exit_time ?? trade.created_at).slice(5)}</td>
                    <td>{trade.symbol}</td>
                    <td className={trade.order_type === "buy" ? "up" : "down"}>{trade.order_type.toUpperCase()}</td>
                    <td className="r num">{trade.original_lot_size}</td>
                    <td className="r num">{formatPrice(trade.entry_price ?? trade.price, d)}</td>
                    <td className="r num">{formatPrice(trade.exit_price, d)}</td>
                    <td data-testid="exit-reason" data-code={trade.exit_reason ?? ""}>
                      {reasonWords(trade.exit_reason)}
                    </td>
                    <CostCells trade={trade} />
                    <PipsPnlCells pips={trade.pips_gained} pnl={trade.profit_loss} pnlTestId="history-pnl" />
                  </tr>
                );
              })}
            </GridTable>
          </>
        )}
        {tab === "events" && <EventLog />}
      </div>
    </section>
  );
}

/** The trade's number (the one on the chart's lines and in the toasts) and when it opened or was placed. */
function NumberCells({ trade, time }: { trade: Trade; time: string | null | undefined }) {
  return (
    <>
      <td className="num" data-testid="trade-number">
        #{trade.id}
      </td>
      <td className="num">{formatTime(time).slice(5)}</td>
    </>
  );
}

/** Commission and swap charged so far (negative: paid). */
function CostCells({ trade }: { trade: Trade }) {
  return (
    <>
      <td className={`r num ${signClass(trade.commission)}`}>{formatMoney(trade.commission, true)}</td>
      <td className={`r num ${signClass(trade.swap)}`}>{formatMoney(trade.swap, true)}</td>
    </>
  );
}

/** A live trade's first cells: its symbol (a button that shows that chart) and its side. */
function SymbolSideCells({ trade, onSelectSymbol }: { trade: Trade; onSelectSymbol: (symbol: string) => void }) {
  return (
    <>
      <td>
        <button type="button" className="link" onClick={() => onSelectSymbol(trade.symbol)}>
          {trade.symbol}
        </button>
      </td>
      <td className={trade.order_type === "buy" ? "up" : "down"}>{trade.order_type.toUpperCase()}</td>
    </>
  );
}

interface RowProps {
  trade: Trade;
  instrument: Instrument | undefined;
  accountCurrency: string;
  onSelectSymbol: (symbol: string) => void;
  onClose: (lots?: string) => void;
  onReverse: () => void;
  busy: boolean;
  ModifyForm: ModifyFormComponent;
}

/** One open trade; re-renders on its own symbol's ticks only. */
const OpenRow = memo(function OpenRow(props: RowProps) {
  const { trade, instrument, accountCurrency, onSelectSymbol, onClose, onReverse, busy, ModifyForm } = props;
  const d = instrument?.digits ?? 5;
  const quote = useQuote(trade.symbol);
  const live =
    quote && instrument ? unrealizedAt(trade, quote, instrument, accountCurrency, quoteStore.mids()) : undefined;
  const [editing, setEditing] = useState(false);
  const [partial, setPartial] = useState("");
  const pips = live ? live.pips : trade.unrealized_pips;
  const pnl = live && live.pnl !== null ? live.pnl : trade.unrealized_pnl;
  const tps = [trade.take_profit_1, trade.take_profit_2, trade.take_profit_3].filter(Boolean) as string[];
  return (
    <>
      <tr data-trade-id={trade.id} data-testid={`position-${trade.id}`}>
        <NumberCells trade={trade} time={trade.entry_time} />
        <SymbolSideCells trade={trade} onSelectSymbol={onSelectSymbol} />
        <td className="r num" data-testid="position-lots">
          {formatLots(trade.lot_size, instrument?.lot_step)}
          {Number(trade.lot_size) !== Number(trade.original_lot_size) && (
            <span className="muted"> / {formatLots(trade.original_lot_size, instrument?.lot_step)}</span>
          )}
        </td>
        <td className="r num">{formatPrice(trade.entry_price, d)}</td>
        <td className="r num">{formatPrice(live?.price ?? trade.current_price, d)}</td>
        <td className="r num" data-testid="position-sl">
          {formatPrice(trade.stop_loss, d)}
        </td>
        <td className="r num" data-testid="position-tp">
          {tps.length ? tps.map((tp) => formatPrice(tp, d)).join(" / ") : "—"}
        </td>
        <CostCells trade={trade} />
        <td className={`r num ${signClass(pips)}`} data-testid="position-pips">
          {formatPips(pips)}
        </td>
        <td className={`r num strong ${signClass(pnl)}`} data-testid="position-pnl">
          {formatMoney(pnl, true)}
        </td>
        <td className="actions">
          <button type="button" className="btn ghost" onClick={() => setEditing((v) => !v)} aria-expanded={editing}>
            Modify
          </button>
          <button
            type="button"
            className="btn ghost"
            onClick={onReverse}
            disabled={busy}
            aria-label={`Reverse #${trade.id} ${trade.symbol}`}
            title="Reverse: close and open the other side"
            data-testid={`reverse-${trade.id}`}
          >
            ⇄
          </button>
          <button
            type="button"
            className="btn close"
            onClick={() => onClose()}
            disabled={busy}
            aria-label={`Close #${trade.id} ${trade.symbol}`}
            data-testid={`close-${trade.id}`}
          >
            ✕
          </button>
        </td>
      </tr>
      {editing && (
        <tr className="edit-row">
          <td colSpan={OPEN_COLUMNS.length}>
            <ModifyForm trade={trade} digits={d} onDone={() => setEditing(false)} />
            <ExitFills trade={trade} digits={d} lotStep={instrument?.lot_step} />
            <form
              className="partial"
              onSubmit={(e) => {
                e.preventDefault();
                if (partial) onClose(partial);
                setPartial("");
              }}
            >
              <label>
                Close lots
                <input
                  className="num"
                  type="number"
                  step={instrument?.lot_step ?? "0.01"}
                  min={instrument?.min_lot ?? "0.01"}
                  max={trade.lot_size}
                  value={partial}
                  onChange={(e) => setPartial(e.target.value)}
                />
              </label>
              <button type="submit" className="btn ghost" disabled={!partial || busy}>
                Partial close
              </button>
            </form>
          </td>
        </tr>
      )}
    </>
  );
});

/** The exits already taken from an open trade (partial closes, TP1 of a ladder), each with its P&L. */
function ExitFills({ trade, digits, lotStep }: { trade: Trade; digits: number; lotStep: string | undefined }) {
  const exits = (trade.fills ?? []).filter((fill) => fill.kind !== "entry");
  if (!exits.length) return null;
  return (
    <GridTable
      className="grid fills"
      testId={`fills-${trade.id}`}
      columns={FILL_COLUMNS}
      caption={
        <>
          Closed so far: realized <span className={`num ${signClass(trade.profit_loss)}`}>{formatMoney(trade.profit_loss, true)}</span>
        </>
      }
    >
      {exits.map((fill) => (
        <tr key={fill.id} data-testid="exit-fill">
          <td className="num">{formatTime(fill.time).slice(5)}</td>
          <td>{reasonWords(fill.reason)}</td>
          <td className="r num">{formatLots(fill.lot_size, lotStep)}</td>
          <td className="r num">{formatPrice(fill.price, digits)}</td>
          <PipsPnlCells pips={fill.pips} pnl={fill.pnl} pnlTestId="fill-pnl" />
        </tr>
      ))}
    </GridTable>
  );
}
