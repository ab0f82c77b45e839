/** Wire types of the REST API and WebSocket events (docs/api.md; docs/websocket.md). Decimals are strings. */

export type Decimal = string;

export interface User {
  id: number;
  username: string;
  is_staff: boolean;
}

export interface Account {
  id: number;
  name: string;
  currency: string;
  initial_balance: Decimal;
  balance: Decimal;
  equity: Decimal;
  unrealized_pnl: Decimal;
  margin_used: Decimal;
  free_margin: Decimal;
  margin_level: Decimal | null;
  leverage: number;
  mode: "hedging" | "netting" | "nfa";
  max_risk_per_trade_pct: Decimal | null;
  default_risk_pct: Decimal;
  is_default: boolean;
  margin_call: boolean;
  /** The current period's number; a reset starts the next one. */
  period?: number | null;
}

export interface Instrument {
  symbol: string;
  description: string;
  asset_class: string;
  base_currency: string;
  quote_currency: string;
  pip_size: Decimal;
  digits: number;
  contract_size: Decimal;
  min_lot: Decimal;
  lot_step: Decimal;
  max_lot: Decimal;
  default_spread_pips: Decimal;
}

export type Side = "buy" | "sell";
export type EntryType = "market" | "limit" | "stop" | "stop_limit";
export type TradeStatus = "pending" | "open" | "closed" | "cancelled";

export interface Fill {
  id: number;
  kind: string;
  side: Side;
  lot_size: Decimal;
  price: Decimal;
  time: string;
  reason: string;
  pnl: Decimal;
  pips: Decimal;
}

export interface Trade {
  id: number;
  account: number;
  symbol: string;
  pair: string;
  order_type: Side;
  entry_type: EntryType;
  status: TradeStatus;
  lot_size: Decimal;
  original_lot_size: Decimal;
  price: Decimal | null;
  limit_price: Decimal | null;
  time_in_force: string;
  expire_at: string | null;
  entry_price: Decimal | null;
  stop_loss: Decimal | null;
  take_profit_1: Decimal | null;
  take_profit_2: Decimal | null;
  take_profit_3: Decimal | null;
  trailing_stop_price?: Decimal | null;
  entry_time: string | null;
  exit_time: string | null;
  exit_price: Decimal | null;
  exit_reason: string | null;
  pips_gained: Decimal;
  profit_loss: Decimal;
  risk_reward_ratio: Decimal | null;
  signal_source: string | null;
  created_at: string;
  fills?: Fill[];
  current_price?: Decimal | null;
  unrealized_pips?: Decimal | null;
  unrealized_pnl?: Decimal | null;
}

export interface Page<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

export interface Bar {
  time: number;
  open: Decimal;
  high: Decimal;
  low: Decimal;
  close: Decimal;
  volume: Decimal;
}

export interface OhlcResponse {
  symbol: string;
  interval: string;
  source: string;
  data: Bar[];
}

export interface Quote {
  symbol: string;
  bid: Decimal;
  ask: Decimal;
  mid?: Decimal;
  time: string;
  source: string;
}

export interface SymbolStats {
  trades: number;
  wins: number;
  win_rate: Decimal | null;
  pnl: Decimal;
  pips: Decimal;
}

export interface Performance {
  total_trades: number;
  winning_trades: number;
  losing_trades: number;
  breakeven_trades: number;
  win_rate: Decimal | null;
  total_pips: Decimal;
  total_pnl: Decimal;
  gross_profit: Decimal;
  gross_loss: Decimal;
  profit_factor: Decimal | null;
  expectancy: Decimal | null;
  avg_win: Decimal | null;
  avg_loss: Decimal | null;
  avg_rr: Decimal | null;
  avg_r_multiple: Decimal | null;
  max_drawdown: Decimal;
  max_drawdown_pct: Decimal;
  sharpe: Decimal | null;
  sortino: Decimal | null;
  best_trade: Decimal | null;
  worst_trade: Decimal | null;
  avg_holding_seconds: number | null;
  max_consecutive_losses: number;
  current_balance: Decimal;
  equity: Decimal;
  by_symbol: Record<string, SymbolStats>;
  by_source: Record<string, SymbolStats>;
}

export interface EquityPoint {
  time: string;
  balance: Decimal;
  equity: Decimal;
}

export interface Signal {
  id: number;
  symbol: string;
  pair?: string;
  direction: string;
  entry_price: Decimal | null;
  stop_loss: Decimal | null;
  take_profit_1: Decimal | null;
  confidence: Decimal;
  source: string;
  type?: string;
  status: string;
  risk_reward_ratio?: Decimal | null;
  suggested_lot_size?: Decimal | null;
  created_at?: string;
}

/** Server → client messages on /ws/trading/ (docs/websocket.md). */
export type ServerMessage =
  | { type: "connection"; user: unknown; accounts: Account[]; timestamp: string }
  | { type: "subscribed"; symbols: string[] }
  | { type: "unsubscribed"; symbols: string[] }
  | { type: "pong"; timestamp: string }
  | ({ type: "price_update" } & Quote)
  | { type: "bar_update"; symbol: string; interval: string; bar: Bar }
  | { type: "trade_execution"; trade: Trade }
  | { type: "trade_updated"; trade: Trade }
  | { type: "trade_closed"; trade: Trade; reason: string }
  | { type: "account_update"; account: Account }
  | { type: "margin_call"; account: Account }
  | { type: "signal_alert"; signal: Signal }
  | { type: "decision"; decision: unknown }
  | { type: "error"; code: string; message: string };
