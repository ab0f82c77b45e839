/** Account figures that move with every tick: equity, free margin and margin level. */
import type { Account } from "./types";

export interface LiveAccount {
  balance: number;
  equity: number;
  unrealized: number;
  marginUsed: number;
  freeMargin: number;
  marginLevel: number | null;
  marginCall: boolean;
}

/**
 * The server's account with its unrealized P&L replaced by the live sum of the open trades
 * (when every one is known): equity = balance + unrealized, free margin = equity − margin used,
 * margin level = equity / margin used × 100 (null when no margin is used; docs/domain.md, Margin).
 */
export function liveAccount(account: Account, liveUnrealized: number | null): LiveAccount {
  const balance = Number(account.balance);
  const unrealized = liveUnrealized ?? Number(account.unrealized_pnl);
  const equity = balance + unrealized;
  const marginUsed = Number(account.margin_used);
  const marginLevel = marginUsed > 0 ? (equity / marginUsed) * 100 : null;
  return {
    balance,
    equity,
    unrealized,
    marginUsed,
    freeMargin: equity - marginUsed,
    marginLevel,
    marginCall: account.margin_call || (marginLevel !== null && marginLevel <= 100),
  };
}
