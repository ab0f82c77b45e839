import { useState } from "react";
import { ErrorBanner } from "../../components/FieldError";
import { formatMoney, formatPct, signClass } from "../../lib/format";
import { liveAccount } from "../../lib/live-account";
import { useLiveUnrealized } from "../../lib/live-pnl";
import { UI_REFRESH_MS } from "../../lib/quotes";
import type { Account, Instrument, Trade } from "../../lib/types";
import { useResetAccount } from "./api";

interface Props {
  account: Account;
  openTrades: Trade[];
  instruments: Map<string, Instrument>;
}

/** Re-renders on ticks of the open trades' symbols only (not the whole dashboard). */
export function AccountBar({ account, openTrades, instruments }: Props) {
  const unrealized = useLiveUnrealized(
    openTrades.filter((t) => t.account === account.id),
    instruments,
    account.currency,
    UI_REFRESH_MS,
  );
  const live = liveAccount(account, unrealized.total);
  const [confirming, setConfirming] = useState(false);
  const reset = useResetAccount();
  const ccy = account.currency;
  const cells: [string, string, string, string][] = [
    ["Balance", formatMoney(live.balance), "", "balance"],
    ["Equity", formatMoney(live.equity), "", "equity"],
    ["Unrealized P&L", formatMoney(live.unrealized, true), signClass(live.unrealized), "unrealized"],
    ["Margin used", formatMoney(live.marginUsed), "", "margin"],
    ["Free margin", formatMoney(live.freeMargin), live.freeMargin < 0 ? "down" : "", "free-margin"],
    ["Margin level", live.marginLevel === null ? "—" : formatPct(live.marginLevel), "", "margin-level"],
  ];
  return (
    <section className="account-bar" aria-label="Account">
      <dl>
        {cells.map(([label, value, cls, key]) => (
          <div key={key} className="metric">
            <dt>{label}</dt>
            <dd className={`num ${cls}`} data-testid={`account-${key}`}>
              {value}
              {key !== "margin-level" && <span className="ccy"> {ccy}</span>}
            </dd>
          </div>
        ))}
      </dl>
      {live.marginCall && (
        <div className="margin-call" role="alert" data-testid="margin-call">
          Margin call: margin level {live.marginLevel === null ? "" : formatPct(live.marginLevel)}. Positions are
          stopped out at 50 %.
        </div>
      )}
      <button type="button" className="btn ghost reset" onClick={() => setConfirming(true)}>
        Reset account
      </button>
      {confirming && (
        <div className="dialog-backdrop" role="presentation" onClick={() => setConfirming(false)}>
          <div
            className="dialog"
            role="dialog"
            aria-modal="true"
            aria-labelledby="reset-title"
            onClick={(e) => e.stopPropagation()}
            onKeyDown={(e) => e.key === "Escape" && setConfirming(false)}
          >
            <h2 id="reset-title">Reset “{account.name}”?</h2>
            <p>
              Open positions are closed at market and pending orders cancelled; the balance starts again at{" "}
              <span className="num">{formatMoney(account.initial_balance)}</span> {ccy}.
            </p>
            <p className="muted">
              History is kept: this period's trades and ledger stay queryable through the API; the chart's markers,
              the history and performance start from the new period.
            </p>
            {reset.error ? <ErrorBanner error={reset.error} /> : null}
            <div className="dialog-actions">
              <button type="button" className="btn ghost" onClick={() => setConfirming(false)} autoFocus>
                Keep trading
              </button>
              <button
                type="button"
                className="btn danger"
                disabled={reset.isPending}
                onClick={() => reset.mutate({ id: account.id }, { onSuccess: () => setConfirming(false) })}
              >
                Reset account
              </button>
            </div>
          </div>
        </div>
      )}
    </section>
  );
}
