/** The Webhooks view, loaded on first visit (not part of the trading screen's bundle). */
import { HooksPanel } from "../features/hooks/HooksPanel";

export default function WebhooksView({ account }: { account: number }) {
  return (
    <main className="performance-layout">
      <HooksPanel account={account} />
    </main>
  );
}
