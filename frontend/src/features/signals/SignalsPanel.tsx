import { ErrorBanner } from "../../components/FieldError";
import { formatPrice } from "../../lib/format";
import type { Instrument } from "../../lib/types";
import { useExecuteSignal, useSignals } from "./api";
import { confidenceTier } from "./reducer";

export function SignalsPanel({ account, instruments }: { account: number; instruments: Map<string, Instrument> }) {
  const signals = useSignals();
  const execute = useExecuteSignal();
  const list = signals.data?.results ?? [];
  return (
    <section className="panel signals" aria-label="Signals">
      <h2 className="panel-title">Signals</h2>
      {execute.error ? <ErrorBanner error={execute.error} /> : null}
      {list.length === 0 ? (
        <div className="empty-state" data-testid="signals-empty">
          <p>No signals yet.</p>
          <p className="muted">
            {signals.data?.available === false
              ? "Signal intake is not enabled on this server yet. Alerts appear here live once it is."
              : "Signals from your strategies and webhooks appear here live."}
          </p>
        </div>
      ) : (
        <ul className="signal-list">
          {list.map((s) => {
            const symbol = s.symbol ?? s.pair ?? "";
            const d = instruments.get(symbol)?.digits ?? 5;
            const tier = confidenceTier(s.confidence);
            const buy = ["buy", "long"].includes(s.direction.toLowerCase());
            return (
              <li key={s.id} className="signal">
                <div className="signal-head">
                  <span className={buy ? "up" : "down"}>{buy ? "BUY" : "SELL"}</span> <strong>{symbol}</strong>
                  <span className={`badge conf-${tier}`}>{Number(s.confidence).toFixed(0)} %</span>
                  <span className="muted">{s.source}</span>
                </div>
                <div className="signal-body num">
                  <span>E {formatPrice(s.entry_price, d)}</span>
                  <span>SL {formatPrice(s.stop_loss, d)}</span>
                  <span>TP {formatPrice(s.take_profit_1, d)}</span>
                  <span>R:R {s.risk_reward_ratio ? Number(s.risk_reward_ratio).toFixed(2) : "—"}</span>
                </div>
                <button
                  type="button"
                  className={`btn ${buy ? "buy" : "sell"}`}
                  disabled={execute.isPending || s.status === "executed"}
                  onClick={() =>
                    execute.mutate({ id: s.id, account, lots: s.suggested_lot_size ?? undefined })
                  }
                >
                  {s.status === "executed"
                    ? "Executed"
                    : `Execute${s.suggested_lot_size ? ` ${s.suggested_lot_size} lots` : ""}`}
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
