import { useMemo, useState } from "react";
import { ErrorBanner } from "../../components/FieldError";
import { figures, GridTable, PipsPnlCells } from "../../components/GridTable";
import { RadioButtons } from "../../components/RadioButtons";
import { formatDuration, formatMoney, formatPct, formatPips, signClass, toNumber } from "../../lib/format";
import type { SymbolStats } from "../../lib/types";
import { useEquityCurve, usePerformance } from "./api";
import { curveWithDrawdown } from "./drawdown";
import { EquityChart } from "./EquityChart";

const RANGES: [number, string][] = [
  [1, "1D"],
  [7, "1W"],
  [30, "1M"],
  [90, "3M"],
  [365, "1Y"],
];

const ratio = (v: string | null | undefined) => {
  const n = toNumber(v);
  return n === null ? "—" : n.toFixed(2);
};

export function PerformancePanel({ account }: { account: number }) {
  const [days, setDays] = useState(30);
  const perf = usePerformance(account, days);
  const curve = useEquityCurve(account, days);
  const points = useMemo(() => curveWithDrawdown(curve.data ?? []), [curve.data]);
  const p = perf.data;
  const cards: [string, string, string, string][] = p
    ? [
        ["Net P&L", formatMoney(p.total_pnl, true), signClass(p.total_pnl), "total_pnl"],
        ["Trades", String(p.total_trades), "", "total_trades"],
        ["Win rate", formatPct(p.win_rate, 1), "", "win_rate"],
        ["Profit factor", ratio(p.profit_factor), "", "profit_factor"],
        ["Expectancy", formatMoney(p.expectancy, true), signClass(p.expectancy), "expectancy"],
        ["Total pips", formatPips(p.total_pips), signClass(p.total_pips), "total_pips"],
        ["Avg win", formatMoney(p.avg_win), "up", "avg_win"],
        ["Avg loss", formatMoney(p.avg_loss), "down", "avg_loss"],
        ["Avg R:R", ratio(p.avg_rr), "", "avg_rr"],
        ["Avg R", ratio(p.avg_r_multiple), "", "avg_r_multiple"],
        ["Max drawdown", `${formatMoney(p.max_drawdown)} · ${formatPct(p.max_drawdown_pct, 1)}`, "", "max_drawdown"],
        ["Sharpe", ratio(p.sharpe), "", "sharpe"],
        ["Sortino", ratio(p.sortino), "", "sortino"],
        ["Best trade", formatMoney(p.best_trade, true), signClass(p.best_trade), "best_trade"],
        ["Worst trade", formatMoney(p.worst_trade, true), signClass(p.worst_trade), "worst_trade"],
        ["Avg hold", formatDuration(p.avg_holding_seconds), "", "avg_holding_seconds"],
        ["Max losing streak", String(p.max_consecutive_losses), "", "max_consecutive_losses"],
        ["Wins / losses", `${p.winning_trades} / ${p.losing_trades}`, "", "wins_losses"],
      ]
    : [];
  return (
    <section className="panel performance" aria-label="Performance">
      <div className="toolbar">
        <h2 className="panel-title">Performance</h2>
        <RadioButtons className="intervals" label="Time range" options={RANGES} value={days} onChange={setDays} />
      </div>
      {perf.isError && <ErrorBanner error={perf.error} />}
      <dl className="cards">
        {cards.map(([label, value, cls, key]) => (
          <div className="card" key={key}>
            <dt>{label}</dt>
            <dd className={`num ${cls}`} data-testid={`perf-${key}`}>
              {value}
            </dd>
          </div>
        ))}
      </dl>
      <EquityChart points={points} />
      {p && (
        <div className="breakdowns">
          <StatsTable title="By symbol" rows={p.by_symbol} testId="by-symbol" />
          <StatsTable title="By source" rows={p.by_source} testId="by-source" />
        </div>
      )}
    </section>
  );
}

function StatsTable({ title, rows, testId }: { title: string; rows: Record<string, SymbolStats>; testId: string }) {
  const entries = Object.entries(rows);
  return (
    <GridTable
      testId={testId}
      caption={title}
      columns={[title.replace("By ", ""), ...figures("Trades", "Win rate", "Pips", "P&L")]}
      empty={entries.length === 0 && "No closed trades in this range."}
    >
      {entries.map(([key, s]) => (
        <tr key={key}>
          <td>{key || "manual"}</td>
          <td className="r num">{s.trades}</td>
          <td className="r num">{formatPct(s.win_rate, 1)}</td>
          <PipsPnlCells pips={s.pips} pnl={s.pnl} />
        </tr>
      ))}
    </GridTable>
  );
}
