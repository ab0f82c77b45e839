import { lazy, Suspense, useEffect, useMemo, useState } from "react";
import { LabelledSelect } from "../components/LabelledSelect";
import { Toasts } from "../components/Toasts";
import { AccountBar } from "../features/account/AccountBar";
import { useAccounts } from "../features/account/api";
import { useLogout } from "../features/auth/api";
import { useSymbols } from "../features/chart/api";
import type { Interval } from "../features/chart/candles";
import { INTERVALS } from "../features/chart/candles";
import { ChartPanel } from "../features/chart/ChartPanel";
import { useFeed } from "../features/feed/api";
import { FeedBadge } from "../features/feed/FeedBadge";
import { useCancelTrade, useCloseAll, useCloseTrade, useModifyTrade, useReverseTrade } from "../features/orders/api";
import { ModifyForm } from "../features/orders/ModifyForm";
import { OrderTicket } from "../features/orders/OrderTicket";
import { useOpenPositions, usePendingOrders } from "../features/positions/api";
import { PositionsPanel } from "../features/positions/PositionsPanel";
import { SignalsPanel } from "../features/signals/SignalsPanel";
import { SOUND_KEY } from "../lib/alerts-out";
import { readSetting, useFlagSetting, writeSetting } from "../lib/local-settings";
import { PreviewLinesStore } from "../lib/preview-lines";
import { useConnectionState, useLiveQuotes, useRealtime } from "../lib/realtime";
import type { Trade, User } from "../lib/types";

type View = "trade" | "performance" | "webhooks";

const VIEW_LABELS: Record<View, string> = { trade: "Trade", performance: "Performance", webhooks: "Webhooks" };

/** `?bars=N` loads N candles (max 5000, the API's limit); default 1500. */
function barLimit(): number {
  const n = Number(new URLSearchParams(window.location.search).get("bars"));
  return Number.isInteger(n) && n >= 50 && n <= 5000 ? n : 1500;
}

const EMPTY: Trade[] = [];
// The views that are not the trading screen load on first visit (docs/frontend.md, Payload).
const PerformanceView = lazy(() => import("./PerformanceView"));
const WebhooksView = lazy(() => import("./WebhooksView"));

export function Dashboard({ user }: { user: User }) {
  const realtime = useRealtime();
  const connection = useConnectionState();
  const offline = connection === "reconnecting" || connection === "closed";
  const logout = useLogout();
  const accounts = useAccounts();
  const symbols = useSymbols();
  const feed = useFeed();
  const [view, setView] = useState<View>("trade");
  const [accountId, setAccountId] = useState<number | undefined>(() => {
    const n = Number(readSetting(`account:${user.id}`, ""));
    return n > 0 ? n : undefined;
  });
  const [symbol, setSymbol] = useState(() => readSetting("symbol", "EURUSD"));
  const [interval, setIntervalState] = useState<Interval>(() => {
    const saved = readSetting("interval", "1m") as Interval;
    return INTERVALS.includes(saved) ? saved : "1m";
  });
  const [limit] = useState(barLimit);
  const [previewLines] = useState(() => new PreviewLinesStore());
  // The order mutations the chart and the positions table use; the ticket has its own.
  const closeTrade = useCloseTrade();
  const cancelTrade = useCancelTrade();
  const dragModify = useModifyTrade();
  const closeAll = useCloseAll();
  const reverseTrade = useReverseTrade();

  const accountList = accounts.data?.results;
  const account = accountList?.find((a) => a.id === accountId) ?? accountList?.find((a) => a.is_default) ?? accountList?.[0];
  const instruments = useMemo(() => new Map((symbols.data ?? []).map((i) => [i.symbol, i])), [symbols.data]);
  const instrument = instruments.get(symbol) ?? symbols.data?.[0];
  const open = useOpenPositions(account?.id);
  const pending = usePendingOrders(account?.id);
  const openTrades = open.data?.results ?? EMPTY;
  const pendingTrades = pending.data?.results ?? EMPTY;
  const activeTrades = useMemo(() => [...openTrades, ...pendingTrades], [openTrades, pendingTrades]);
  useLiveQuotes(useMemo(() => [symbol, ...openTrades.map((t) => t.symbol)], [symbol, openTrades]));

  useEffect(() => {
    if (account && !performance.getEntriesByName("dashboard-ready").length && open.data) {
      performance.mark("dashboard-ready");
    }
  }, [account, open.data]);

  const chooseSymbol = (s: string) => {
    setSymbol(s);
    writeSetting("symbol", s);
  };
  const chooseInterval = (i: Interval) => {
    setIntervalState(i);
    writeSetting("interval", i);
  };

  return (
    <div className={`app${offline ? " offline" : ""}`} data-connection={connection}>
      <div className="paper-banner" role="note" data-testid="paper-banner">
        PAPER TRADING<span className="wide-only"> · simulated account</span> · no real money
      </div>
      <header className="topbar">
        <div className="brand">
          forex_signal <span className="paper-tag">PAPER</span>
        </div>
        <nav className="views" aria-label="Views">
          {(["trade", "performance", "webhooks"] as const).map((v) => (
            <button
              key={v}
              type="button"
              className={view === v ? "active" : ""}
              aria-current={view === v ? "page" : undefined}
              onClick={() => setView(v)}
              data-testid={`view-${v}`}
            >
              {VIEW_LABELS[v]}
            </button>
          ))}
        </nav>
        <FeedBadge feed={feed.data} connection={connection} />
        <div className="account-switch">
          <LabelledSelect
            id="account-switcher"
            label="Account"
            value={account?.id ?? ""}
            // Accounts made elsewhere (a script, the API, another tab) appear when the list is opened.
            onFocus={() => void accounts.refetch()}
            onChange={(e) => {
              setAccountId(Number(e.target.value));
              writeSetting(`account:${user.id}`, e.target.value);
            }}
            data-testid="account-switcher"
            options={(accountList ?? []).map((a) => [a.id, `${a.name} · ${a.currency} · #${a.id}`])}
          />
        </div>
        <SoundToggle />
        <div className="user">
          <span className="muted" data-testid="username">
            {user.username}
          </span>
          <button type="button" className="btn ghost" onClick={() => logout.mutate()}>
            Sign out
          </button>
        </div>
      </header>
      {offline && (
        <div className="offline-banner" role="alert" data-testid="offline-banner">
          <span>
            Connection lost: prices and P&amp;L are stale and sending is paused.{" "}
            {connection === "reconnecting" ? "Reconnecting…" : ""}
          </span>
          <button type="button" className="btn ghost" onClick={() => realtime.reconnectNow()} data-testid="reconnect-now">
            Reconnect now
          </button>
        </div>
      )}
      {account && <AccountBar account={account} openTrades={openTrades} instruments={instruments} />}
      {!account || !instrument ? (
        <div className="splash">{accounts.isError ? accounts.error.message : "Loading account…"}</div>
      ) : view === "trade" ? (
        <main className="trade-layout">
          <ChartPanel
            account={account.id}
            instruments={symbols.data ?? []}
            instrument={instrument}
            onSymbol={chooseSymbol}
            interval={interval}
            onInterval={chooseInterval}
            activeTrades={activeTrades}
            realtime={realtime}
            barLimit={limit}
            accountCurrency={account.currency}
            previewLines={previewLines}
            modifyTrade={dragModify.mutateAsync}
          />
          <aside className="side-column">
            <OrderTicket
              instrument={instrument}
              account={account}
              openTrades={openTrades}
              instruments={instruments}
              previewLines={previewLines}
            />
            <SignalsPanel account={account.id} accountCurrency={account.currency} instruments={instruments} />
          </aside>
          <PositionsPanel
            account={account.id}
            instruments={instruments}
            accountCurrency={account.currency}
            open={openTrades}
            pending={pendingTrades}
            onSelectSymbol={chooseSymbol}
            close={closeTrade}
            cancel={cancelTrade}
            closeAll={closeAll}
            reverse={reverseTrade}
            ModifyForm={ModifyForm}
          />
        </main>
      ) : (
        <Suspense fallback={<div className="splash">Loading…</div>}>
          {view === "webhooks" ? (
            <WebhooksView account={account.id} />
          ) : (
            <PerformanceView account={account.id} currency={account.currency} />
          )}
        </Suspense>
      )}
      <Toasts />
    </div>
  );
}

/** Sound on events (off by default): a short tone per announcement (lib/alerts-out.ts). */
function SoundToggle() {
  const [on, setOn] = useFlagSetting(SOUND_KEY, false);
  return (
    <label className="check sound-toggle" title="A short tone when a trade fills or closes, or an order is refused">
      <input
        type="checkbox"
        checked={on}
        onChange={(e) => setOn(e.target.checked)}
        data-testid="sound-toggle"
      />
      Sound
    </label>
  );
}
