import { useState } from "react";
import { ErrorBanner } from "../../components/FieldError";
import { figures, GridTable } from "../../components/GridTable";
import { TabButtons } from "../../components/RadioButtons";
import { formatMoney, formatPct, signClass } from "../../lib/format";
import type { ScorecardRow } from "../../lib/types";
import { useScorecards } from "./api";
import { formatR } from "./signal-math";

type By = "by_source" | "by_type";

/** The signal scorecards (docs/signals.md, Scorecards): whether each source's signals make money, and what the refused ones would have made. */
export function ScorecardsPanel({ account, currency }: { account: number; currency: string }) {
  const [by, setBy] = useState<By>("by_source");
  const cards = useScorecards(account);
  const rows = cards.data?.[by] ?? [];
  return (
    <section className="panel scorecards" aria-label="Signal scorecards">
      <div className="toolbar">
        <h2 className="panel-title">Signal scorecards</h2>
        <TabButtons
          className="tabs"
          options={[
            ["by_source", "By source"],
            ["by_type", "By type"],
          ]}
          value={by}
          onChange={setBy}
        />
      </div>
      {cards.isError && <ErrorBanner error={cards.error} />}
      <GridTable
        testId="scorecards"
        columns={[
          by === "by_source" ? "Source" : "Type",
          ...figures("Received", "Executed", "Rejected", "Win rate", "Avg R", `Expectancy (${currency})`, "Profit factor", "Shadow avg R"),
        ]}
        empty={rows.length === 0 && (cards.isPending ? "Loading…" : "No signals yet.")}
      >
        {rows.map((r: ScorecardRow) => {
          const key = (by === "by_source" ? r.source : r.type) || "—";
          return (
            <tr key={key} data-testid="scorecard-row" data-key={key}>
              <td>{key}</td>
              <td className="r num">{r.received}</td>
              <td className="r num">{r.executed}</td>
              <td className="r num">{r.rejected}</td>
              <td className="r num">{formatPct(r.win_rate, 1)}</td>
              <td className={`r num ${signClass(r.avg_r)}`}>{formatR(r.avg_r)}</td>
              <td className={`r num ${signClass(r.expectancy)}`}>{formatMoney(r.expectancy, true)}</td>
              <td className="r num">{r.profit_factor ?? "—"}</td>
              <td className={`r num ${signClass(r.shadow_avg_r)}`} title={`${r.shadow_closed} closed, ${r.shadow_open} open`}>
                {formatR(r.shadow_avg_r)}
              </td>
            </tr>
          );
        })}
      </GridTable>
    </section>
  );
}
