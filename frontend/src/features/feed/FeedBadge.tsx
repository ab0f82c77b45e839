import type { ConnectionState } from "../../lib/ws-client";
import { feedLabel } from "./api";

const CONNECTION_TEXT: Record<ConnectionState, string> = {
  open: "Connected",
  connecting: "Connecting",
  reconnecting: "Reconnecting",
  closed: "Offline",
};

export function FeedBadge({ feed, connection }: { feed: string | undefined; connection: ConnectionState }) {
  const label = feedLabel(feed);
  return (
    <div className="feed-badge" data-testid="feed-badge">
      <span className={`source source-${label.toLowerCase()}`} title={`Price source: ${feed ?? "unknown"}`}>
        {label}
      </span>
      <span className={`conn conn-${connection}`} role="status" aria-live="polite" data-testid="connection-state">
        <span className="dot" aria-hidden="true" />
        {CONNECTION_TEXT[connection]}
      </span>
    </div>
  );
}
