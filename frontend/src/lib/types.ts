/**
 * Wire types of the REST API and WebSocket events (docs/api.md; docs/websocket.md).
 *
 * The REST shapes come from the generated api-schema.ts (openapi-typescript over the schema
 * Django serves at /api/schema/); only what that schema does not describe is written by hand
 * below, in the marked section. Decimals are strings.
 */
import type { components } from "./api-schema";

type Schemas = components["schemas"];

export type Decimal = string;

// ---- Generated: re-exports of the OpenAPI components under the names the app uses. ----
export type User = Schemas["SessionUser"];
export type Account = Schemas["Account"];
export type Instrument = Schemas["Instrument"];
export type Fill = Schemas["Fill"];
export type Trade = Schemas["Trade"];
export type ClosedAll = Schemas["ClosedAll"];
export type Reversed = Schemas["Reversed"];
export type Bar = Schemas["OhlcBar"];
export type OhlcResponse = Schemas["Ohlc"];
export type SymbolStats = Schemas["Breakdown"];
export type Performance = Schemas["Performance"];
export type EquityPoint = Schemas["EquityPoint"];
export type EntryType = Schemas["EntryTypeEnum"];
/** The side a trade or fill answers with; requests may also send the aliases of SideEnum. */
export type Side = Schemas["TradeSideEnum"];
export type TradeStatus = Schemas["StatusEnum"];
export type ApiErrorBody = Schemas["Error"];
/** A signal as GET signals/{id}/ answers it, and as a `signal_alert` event carries it (docs/signals.md). */
export type Signal = Schemas["Signal"];
export type SignalStatus = Schemas["SignalStatusEnum"];
/** A journal row (GET decisions/{id}/, the `decision` event). */
export type Decision = Schemas["Decision"];
export type DecisionOutcome = Schemas["OutcomeEnum"];
export type Scorecard = Schemas["Scorecard"];
export type ScorecardRow = Schemas["ScorecardRow"];
export type WebhookToken = Schemas["WebhookToken"];
export type WebhookTokenCreate = Schemas["Hook"];
export type WebhookAttempt = Schemas["WebhookAttempt"];

// ---- Hand-written: client-side types the REST schema does not describe. ----

/**
 * What the quote store keeps: the fields a quote has both over REST (`price/quote/`, the
 * generated Quote has more) and in a `price_update` frame (docs/websocket.md).
 */
export type Quote = Pick<Schemas["Quote"], "symbol" | "bid" | "ask" | "mid" | "time" | "source">;

/** Any page of the API's pagination (each Paginated*List of the schema has this shape). */
export interface Page<T> {
  count: number;
  next?: string | null;
  previous?: string | null;
  results: T[];
}

/** Server → client messages on /ws/trading/ (docs/websocket.md; not part of the REST schema). */
export type ServerMessage =
  | { type: "connection"; user: unknown; accounts: Account[]; timestamp: string }
  | { type: "subscribed"; symbols: string[] }
  | { type: "unsubscribed"; symbols: string[] }
  | { type: "pong"; timestamp: string }
  | ({ type: "price_update" } & Quote)
  | { type: "bar_update"; symbol: string; interval: string; bar: Bar }
  | { type: "trade_execution"; trade: Trade }
  | { type: "trade_updated"; trade: Trade; reason?: string | null }
  | { type: "trade_closed"; trade: Trade; reason: string }
  | { type: "account_update"; account: Account }
  | { type: "margin_call"; account: Account }
  | { type: "signal_alert"; signal: Signal }
  | { type: "decision"; decision: Decision }
  | { type: "error"; code: string; message: string };
