/** The Performance view, loaded on first visit (not part of the trading screen's bundle). */
import { PerformancePanel } from "../features/performance/PerformancePanel";
import { JournalPanel } from "../features/signals/JournalPanel";
import { ScorecardsPanel } from "../features/signals/ScorecardsPanel";

export default function PerformanceView({ account, currency }: { account: number; currency: string }) {
  return (
    <main className="performance-layout">
      <PerformancePanel account={account} />
      <ScorecardsPanel account={account} currency={currency} />
      <JournalPanel account={account} />
    </main>
  );
}
