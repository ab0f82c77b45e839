import { useDeferredValue, useState } from "react";
import { ErrorBanner } from "../../components/FieldError";
import { GridTable } from "../../components/GridTable";
import { LabelledSelect } from "../../components/LabelledSelect";
import { formatTime } from "../../lib/format";
import type { Decision, DecisionOutcome } from "../../lib/types";
import { useJournal } from "./api";

const OUTCOMES: (DecisionOutcome | "")[] = ["", "executed", "alerted", "rejected", "skipped"];

const lotsOf = (d: Decision) => {
  const lots = d.sizing?.lots;
  return typeof lots === "string" || typeof lots === "number" ? String(lots) : "—";
};

/** The decision journal (docs/signals.md, The decision journal): every decision with its reason and size. */
export function JournalPanel({ account }: { account: number }) {
  const [outcome, setOutcome] = useState<DecisionOutcome | "">("");
  const [source, setSource] = useState("");
  const journal = useJournal(account, { outcome, source: useDeferredValue(source) });
  const rows = journal.data?.results ?? [];
  return (
    <section className="panel journal" aria-label="Decision journal">
      <div className="toolbar">
        <h2 className="panel-title">Decision journal</h2>
        <LabelledSelect
          id="journal-outcome"
          label="Outcome"
          value={outcome}
          onChange={(e) => setOutcome(e.target.value as DecisionOutcome | "")}
          options={OUTCOMES.map((o) => [o, o || "all"])}
          data-testid="journal-outcome"
        />
        <label className="journal-source">
          Source
          <input value={source} onChange={(e) => setSource(e.target.value)} placeholder="all" data-testid="journal-source" />
        </label>
      </div>
      {journal.isError && <ErrorBanner error={journal.error} />}
      <GridTable
        testId="journal"
        columns={["Time", "Signal", "Symbol", "Source", "Outcome", "Code", "Message", "Lots", "Trade"]}
        empty={rows.length === 0 && (journal.isPending ? "Loading…" : "No decisions.")}
      >
        {rows.map((d) => (
          <tr key={d.id} data-testid="journal-row" data-outcome={d.outcome}>
            <td className="num">{formatTime(d.time)}</td>
            <td className="num">{d.signal ?? "—"}</td>
            <td>{d.symbol}</td>
            <td>{d.source || "—"}</td>
            <td className={`outcome-${d.outcome}`}>{d.outcome}</td>
            <td>
              <code>{d.reason_code || "—"}</code>
            </td>
            <td>{d.message}</td>
            <td className="num">{lotsOf(d)}</td>
            <td className="num">{d.trade ?? "—"}</td>
          </tr>
        ))}
      </GridTable>
    </section>
  );
}
