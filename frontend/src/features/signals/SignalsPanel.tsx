import { useEffect, useState } from "react";
import { ErrorBanner } from "../../components/FieldError";
import { formatLots, formatMoney, formatPrice } from "../../lib/format";
import type { Instrument, Signal } from "../../lib/types";
import { useDismissSignal, useExecuteSignal, useSignals } from "./api";
import { confidenceTier } from "./reducer";
import { formatCountdown, formatRewardRisk, msUntil, rewardRisk, sizingTerm } from "./signal-math";

/** The wall clock, ticking each second while `active` (a countdown is on screen). */
function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, [active]);
  return now;
}

export function SignalsPanel(props: { account: number; accountCurrency: string; instruments: Map<string, Instrument> }) {
  const signals = useSignals(props.account);
  const list = signals.data?.results ?? [];
  const now = useNow(list.some((s) => s.status === "alerted"));
  return (
    <section className="panel signals" aria-label="Signals" data-testid="signals-panel">
      <h2 className="panel-title">Signals</h2>
      {signals.error ? <ErrorBanner error={signals.error} /> : null}
      {list.length === 0 ? (
        <div className="empty-state" data-testid="signals-empty">
          <p>{signals.isPending ? "Loading signals…" : "No signals yet."}</p>
          <p className="muted">Signals from your scripts and webhooks appear here live.</p>
        </div>
      ) : (
        <ul className="signal-list">
          {list.map((s) => (
            <SignalCard key={s.id} signal={s} now={now} currency={props.accountCurrency} instrument={props.instruments.get(s.symbol)} />
          ))}
        </ul>
      )}
    </section>
  );
}

function SignalCard({ signal: s, now, currency, instrument }: { signal: Signal; now: number; currency: string; instrument?: Instrument }) {
  const execute = useExecuteSignal();
  const dismiss = useDismissSignal();
  const [lots, setLots] = useState("");
  const d = instrument?.digits ?? 5;
  const step = instrument?.lot_step ?? "0.01";
  const side = s.side ?? null;
  const tier = confidenceTier(s.confidence);
  const rr = rewardRisk(s);
  const alerted = s.status === "alerted";
  const left = msUntil(s.expires_at, now);
  const busy = execute.isPending || dismiss.isPending;
  const term = (name: string) => sizingTerm(s, name);
  const error = execute.error ?? dismiss.error;
  return (
    <li className={`signal status-${s.status}`} data-testid="signal-card" data-signal-id={s.id} data-status={s.status}>
      <div className="signal-head">
        <span className={side === "sell" ? "down" : "up"} data-testid="signal-side">
          {(side ?? s.action).toUpperCase()}
        </span>{" "}
        <strong data-testid="signal-symbol">{s.symbol}</strong>
        <span className={`signal-status st-${s.status}`} data-testid="signal-status">
          {s.status}
        </span>
        <span className={`badge conf-${tier}`} data-testid="signal-confidence" title="Confidence">
          {s.confidence === null ? "no conf." : `${Number(s.confidence).toFixed(0)} %`}
        </span>
      </div>
      <div className="signal-body num">
        {s.entry_price !== null && <span>E {formatPrice(s.entry_price, d)}</span>}
        <span>SL {formatPrice(s.stop_loss, d)}</span>
        <span>TP {formatPrice(s.take_profit_1, d)}</span>
        <span data-testid="signal-rr">R:R {formatRewardRisk(rr)}</span>
        {s.suggested_lots !== null && <span data-testid="signal-lots">{formatLots(s.suggested_lots, step)} lots</span>}
      </div>
      {term("lots") !== null && term("budget") !== null && (
        <div className="signal-sizing num muted" data-testid="signal-sizing" title="lots = budget ÷ (stop pips × pip value) × multiplier, down to the lot step">
          {formatMoney(term("budget"))} {currency} ÷ ({term("stop_pips") ?? "—"} pips × {term("pip_value") ?? "—"}) × {term("multiplier") ?? "1"} →{" "}
          {term("lots")} lots{term("capped") === "true" ? " (capped)" : ""}
        </div>
      )}
      <div className="signal-meta muted">
        <span>{s.source || s.via}</span>
        {s.type && <span>{s.type}</span>}
        {s.reasons.length > 0 && <span data-testid="signal-reasons">{s.reasons.join(", ")}</span>}
        {alerted && (
          <span className={`countdown ${left !== null && left < 15_000 ? "soon" : ""}`} data-testid="signal-countdown">
            {formatCountdown(left)}
          </span>
        )}
      </div>
      {error ? (
        <div data-testid="signal-error">
          <ErrorBanner error={error} />
        </div>
      ) : null}
      {alerted && (
        <div className="signal-actions">
          <input
            className="lots-input num"
            aria-label={`Lots for signal ${s.id}`}
            inputMode="decimal"
            placeholder={s.suggested_lots ?? "lots"}
            value={lots}
            onChange={(e) => setLots(e.target.value)}
            data-testid="signal-lot-size"
          />
          <button
            type="button"
            className={`btn ${side === "sell" ? "sell" : "buy"}`}
            disabled={busy || (left !== null && left <= 0)}
            onClick={() => {
              dismiss.reset();
              execute.mutate({ signal: s, lots: lots.trim() || undefined });
            }}
            data-testid="signal-execute"
          >
            Execute {lots.trim() || s.suggested_lots || ""}
          </button>
          <button
            type="button"
            className="btn ghost"
            disabled={busy}
            onClick={() => {
              execute.reset();
              dismiss.mutate({ signal: s });
            }}
            data-testid="signal-dismiss"
          >
            Dismiss
          </button>
        </div>
      )}
    </li>
  );
}
