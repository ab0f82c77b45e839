import { useEffect, useState, useSyncExternalStore } from "react";
import { announcements, type Announcement } from "../lib/announcements";

/** How long a toast stays (ms): fills and closes 6 s, refusals 12 s; a warning (margin call) until dismissed. */
export const TOAST_MS = 6000;
export const ERROR_TOAST_MS = 12_000;
const MAX_SHOWN = 3;

function useAnnouncements(): Announcement[] {
  return useSyncExternalStore(
    (listener) => announcements.subscribe(listener),
    () => announcements.all(),
  );
}

/** The newest announcements as toasts, bottom left (clear of the ticket and the positions' actions); a profit, a loss or a refusal reads at a glance. */
export function Toasts() {
  const items = useAnnouncements();
  const [dismissed, setDismissed] = useState<Set<number>>(() => new Set());
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const shown = items
    .filter((a) => !dismissed.has(a.id))
    .filter((a) => a.tone === "warning" || now - a.at < (a.tone === "error" ? ERROR_TOAST_MS : TOAST_MS))
    .slice(0, MAX_SHOWN);
  const dismiss = (id: number) => setDismissed((d) => new Set(d).add(id));
  return (
    <div className="toasts" aria-live="polite" data-testid="toasts">
      {shown.map((a) => (
        <div
          key={a.id}
          className={`toast-item ${a.tone}`}
          role={a.tone === "error" ? "alert" : "status"}
          data-testid="toast"
          data-tone={a.tone}
          data-trade-id={a.tradeId}
        >
          <div className="toast-text">
            <strong>{a.title}</strong>
            <span className="num">{a.detail}</span>
          </div>
          <button type="button" className="link" aria-label="Dismiss" onClick={() => dismiss(a.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}

/** The session's events, newest first: what the toasts said, kept until the page reloads. */
export function EventLog() {
  const items = useAnnouncements();
  if (items.length === 0) return <p className="muted empty-note">No events yet this session.</p>;
  return (
    <table className="grid event-log" data-testid="event-log">
      <thead>
        <tr>
          <th scope="col">Time</th>
          <th scope="col">Event</th>
          <th scope="col">Details</th>
        </tr>
      </thead>
      <tbody>
        {items.map((a) => (
          <tr key={a.id} className={a.tone} data-testid="event-row" data-tone={a.tone}>
            <td className="num">{new Date(a.at).toLocaleTimeString()}</td>
            <td>{a.title}</td>
            <td className="num">{a.detail}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
