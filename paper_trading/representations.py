"""The bodies' shapes, each declared once (docs/api.md, Where shapes are declared): the REST
body and the WebSocket event payload are the same object (docs/websocket.md), the trades CSV
takes its columns from TRADE, and `api.responses` builds the OpenAPI schema from these specs.

Adding a field to the trade: one `Field` in TRADE below (plus the model and its migration)."""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from .domain import positions
from .domain.instruments import get_instrument
from .domain.quotes import Market
from .models import Account, PaperTrade
from .persistence import ticket_from_row
from .shapes import (
    BOOL,
    DECIMAL,
    INT,
    LIST,
    MAP,
    MONEY,
    NUMBER,
    OBJECT,
    PCT,
    PIPS,
    PRICE,
    TEXT,
    TEXT_OR_NULL,
    TIME,
    Field,
    Shape,
    format_price,
    iso,
)

__all__ = ["format_price", "iso"]

# The values a body really carries, so the schema (and the dashboard's generated types) can
# say which: the request side accepts more spellings (SideEnum), an answer only these.
SIDES = ("buy", "sell")
ENTRY_TYPES = ("market", "limit", "stop", "stop_limit")
HUNDREDTH = Decimal("0.01")


def _risk_reward(row, digits):
    if row.entry_price is None and row.price is None:
        return None
    reference = row.entry_price if row.entry_price is not None else (row.limit_price or row.price)
    rr = positions.reward_risk(reference, row.stop_loss, row.take_profit_1, 1 if row.side == "buy" else -1)
    return None if rr is None else str(rr.quantize(HUNDREDTH))


def _r_multiple(row, digits):
    if row.status == PaperTrade.Status.CLOSED and row.initial_risk:
        return str((row.profit_loss / row.initial_risk).quantize(HUNDREDTH))
    return None


FILL = Shape(
    "Fill",
    args=("row", "digits"),
    fields=(
        Field("id", INT, "row.pk"),
        Field("kind", TEXT),
        Field("side", TEXT, choices=SIDES),
        Field("lot_size", DECIMAL),
        Field("price", PRICE, null=True),
        Field("time", TIME),
        Field("reason", TEXT, blank=True),
        Field("pnl", DECIMAL),
        Field("pips", PIPS),
        Field("commission", DECIMAL),
    ),
)

# The live figures of an open trade (null without a quote), added after the trade's own fields.
LIVE = Shape(
    "LiveFigures",
    args=("row", "digits"),
    fields=(
        Field(
            "current_price",
            PRICE,
            null=True,
            required=False,
            help_text="open trades only; null without a quote",
        ),
        Field("unrealized_pips", PIPS, null=True, required=False, help_text="open trades only"),
        Field("unrealized_pnl", MONEY, null=True, required=False, help_text="open trades only"),
    ),
)

TRADE = Shape(
    "Trade",
    doc="A ticket: an order while pending, a position once filled (representations.trade_dict).",
    args=("row", "digits"),
    fields=(
        Field("id", INT, "row.pk", csv=True),
        Field("account", INT, "row.account_id", csv=True),
        Field("pair", TEXT, "row.symbol"),
        Field("symbol", TEXT, csv=True),
        Field(
            "order_type", TEXT, "row.side", choices=SIDES, help_text="buy or sell (also as `side`)", csv=True
        ),
        Field("side", TEXT, choices=SIDES),
        Field("entry_type", TEXT, choices=ENTRY_TYPES, csv=True),
        Field("status", TEXT, choices=tuple(PaperTrade.Status.values), csv=True),
        Field("lot_size", DECIMAL, csv=True),
        Field("original_lot_size", DECIMAL, csv=True),
        Field("price", PRICE, null=True),
        Field("limit_price", PRICE, null=True),
        Field("time_in_force", TEXT),
        Field("expire_at", TIME, null=True),
        Field("oco_with", INT, "row.oco_with_id", null=True),
        Field("client_order_id", TEXT, null=True),
        Field("requested_price", PRICE, null=True),
        Field("entry_price", PRICE, null=True, csv=True),
        Field("stop_loss", PRICE, null=True, csv=True),
        Field("take_profit_1", PRICE, null=True, csv=True),
        Field("take_profit_2", PRICE, null=True, csv=True),
        Field("take_profit_3", PRICE, null=True, csv=True),
        Field("tp_levels_hit", INT),
        Field("breakeven_after_tp1", BOOL),
        Field("trailing_stop_pips", DECIMAL, null=True),
        Field("trailing_stop_price", PRICE, null=True),
        Field("entry_time", TIME, null=True, csv=True),
        Field("exit_time", TIME, null=True, csv=True),
        Field("exit_price", PRICE, null=True, csv=True),
        Field("exit_reason", TEXT_OR_NULL, null=True, csv=True),
        Field("pips_gained", PIPS, csv=True),
        Field("profit_loss", MONEY, csv=True),
        Field("realized_pnl", MONEY),
        Field("commission", MONEY, csv=True),
        Field("swap", MONEY, csv=True),
        Field("risk_reward_ratio", TEXT, _risk_reward, null=True),
        Field("r_multiple", TEXT, _r_multiple, null=True),
        Field("signal_id", TEXT_OR_NULL, null=True),
        Field("signal_type", TEXT_OR_NULL, null=True),
        Field("signal_source", TEXT_OR_NULL, null=True, csv=True),
        Field("notes", TEXT, blank=True, csv=True),
        Field("created_at", TIME),
    ),
    added=(Field("fills", LIST, of=FILL), *LIVE.fields),
)

#: The trades CSV export's columns, in order.
CSV_COLUMNS = tuple(f.name for f in TRADE.fields if f.csv)

ACCOUNT = Shape(
    "Account",
    args=("row", "figures"),
    fields=(
        Field("id", INT, "row.pk"),
        Field("name", TEXT, blank=True),
        Field("currency", TEXT),
        Field("initial_balance", DECIMAL),
        Field("balance", DECIMAL),
        # Computed live (services.common.account_figures).
        Field("equity", DECIMAL, "figures.get('equity')", null=True),
        Field("unrealized_pnl", DECIMAL, "figures.get('unrealized_pnl')", null=True),
        Field("margin_used", DECIMAL, "figures.get('margin_used')", null=True),
        Field("free_margin", DECIMAL, "figures.get('free_margin')", null=True),
        Field("margin_level", DECIMAL, "figures.get('margin_level')", null=True),
        Field("leverage", INT),
        Field("mode", TEXT, choices=tuple(Account.Mode.values)),
        Field("slippage_pips", DECIMAL),
        Field("commission_per_lot", DECIMAL),
        Field("commission_pct", PCT, null=True),
        Field("max_risk_per_trade_pct", PCT, null=True),
        Field("max_portfolio_heat_pct", PCT, null=True),
        Field("max_daily_loss_pct", PCT, null=True),
        Field("auto_execute_signals", BOOL),
        Field("min_signal_confidence", PCT, null=True),
        Field("default_risk_pct", PCT, null=True),
        Field(
            "min_signal_rr", DECIMAL, null=True, help_text="signals below this R:R are rejected; null: off"
        ),
        Field("max_signal_drift_pips", DECIMAL, null=True, help_text="one-click drift limit; null: stop/4"),
        Field(
            "signal_confidence_table",
            LIST,
            null=True,
            of=MAP,
            help_text="[{from, multiplier}] rows; null: the default table (docs/signals.md, Sizing)",
        ),
        Field("signal_symbols", LIST, of=TEXT, help_text="symbols signals may open; empty: all"),
        Field("signal_sources", LIST, of=TEXT, help_text="sources signals may come from; empty: all"),
        Field("is_default", BOOL),
        Field("margin_call", BOOL),
        # The current period's number (GET accounts/{id}/periods/): it changes on a reset, so a
        # screen that hears it change knows its trade lists are of the old period.
        Field("period", INT, "row.period.number if row.period_id else None", null=True),
        Field("created_at", TIME),
    ),
)

LEDGER_ENTRY = Shape(
    "LedgerEntry",
    fields=(
        Field("id", INT, "row.pk"),
        Field("kind", TEXT),
        Field("amount", DECIMAL, help_text="signed decimal, account currency"),
        Field("balance_after", DECIMAL),
        Field("trade", INT, "row.trade_id", null=True),
        Field("note", TEXT),
        Field("created_at", TIME),
    ),
)

PERIOD = Shape(
    "AccountPeriod",
    fields=(
        Field("number", INT),
        Field("initial_balance", DECIMAL),
        Field("final_balance", DECIMAL, null=True),
        Field("started_at", TIME),
        Field("ended_at", TIME, null=True),
    ),
)

EQUITY_POINT = Shape(
    "EquityPoint",
    mapping=True,
    fields=(Field("time", TIME), Field("balance", DECIMAL), Field("equity", DECIMAL)),
)

BREAKDOWN = Shape(
    "Breakdown",
    mapping=True,
    fields=(
        Field("trades", INT),
        Field("wins", INT),
        Field("win_rate", DECIMAL, null=True),
        Field("pnl", DECIMAL),
        Field("pips", DECIMAL),
    ),
)

PERFORMANCE = Shape(
    "Performance",
    doc="GET trades/performance/ (docs/api.md, Reports); decimals as strings, null when undefined.",
    mapping=True,
    fields=(
        Field("total_trades", INT),
        Field("winning_trades", INT),
        Field("losing_trades", INT),
        Field("breakeven_trades", INT),
        Field("win_rate", DECIMAL, null=True),
        Field("total_pips", DECIMAL),
        Field("total_pnl", DECIMAL),
        Field("gross_profit", DECIMAL),
        Field("gross_loss", DECIMAL),
        Field("profit_factor", DECIMAL, null=True),
        Field("expectancy", DECIMAL, null=True),
        Field("avg_win", DECIMAL, null=True),
        Field("avg_loss", DECIMAL, null=True),
        Field("avg_rr", DECIMAL, null=True),
        Field("avg_r_multiple", DECIMAL, null=True),
        Field("max_drawdown", DECIMAL, null=True),
        Field("max_drawdown_pct", DECIMAL, null=True),
        Field("sharpe", DECIMAL, null=True),
        Field("sortino", DECIMAL, null=True),
        Field("best_trade", DECIMAL, null=True),
        Field("worst_trade", DECIMAL, null=True),
        Field("avg_holding_seconds", INT, null=True),
        Field("max_consecutive_losses", INT),
        Field("current_balance", DECIMAL),
        Field("equity", DECIMAL),
        Field("by_symbol", MAP, of=BREAKDOWN),
        Field("by_source", MAP, of=BREAKDOWN),
        Field("account", INT),
        Field("days", INT),
    ),
)

QUOTE = Shape(
    "Quote",
    args=("quote", "digits", "pip_size", "stale", "age"),
    fields=(
        Field("symbol", TEXT),
        Field("bid", DECIMAL),
        Field("ask", DECIMAL),
        Field("mid", PRICE),
        Field("spread_pips", PIPS, "quote.spread / pip_size"),
        Field("time", TIME),
        Field("source", TEXT),
        Field("stale", BOOL, "stale"),
        Field("age_seconds", NUMBER, "round(age, 3)"),
    ),
)

# A `price_update` event's fields (docs/websocket.md): the mid unrounded, unlike QUOTE's.
PRICE_UPDATE = Shape(
    "Price",
    args=("quote",),
    fields=(
        Field("symbol", TEXT),
        Field("bid", DECIMAL),
        Field("ask", DECIMAL),
        Field("mid", DECIMAL),
        Field("time", TIME),
        Field("source", TEXT),
    ),
)

TRIGGERED = Shape(
    "Triggered",
    mapping=True,
    fields=(
        Field("trade", INT, null=True),
        Field("event", TEXT),
        Field("reason", TEXT, null=True),
        Field("account", INT),
    ),
)

TICK_FAILURE = Shape(
    "TickFailure",
    mapping=True,
    fields=(Field("account", INT), Field("code", TEXT), Field("message", TEXT)),
)

TICK_RESULT = Shape(
    "TickResult",
    args=("result",),
    fields=(
        Field("symbol", TEXT),
        Field("bid", DECIMAL),
        Field("ask", DECIMAL),
        Field("time", TIME),
        Field("triggered", LIST, of=TRIGGERED, help_text="what the tick did, for accounts that committed"),
        Field("held", BOOL, help_text="the spike hold kept the tick back (docs/market-data.md)"),
        Field("applied", LIST, of=INT, help_text="the accounts processed and committed, in order"),
        Field("failed", LIST, of=TICK_FAILURE, help_text="accounts whose processing failed and rolled back"),
    ),
)


class _Live(NamedTuple):
    current_price: Decimal | None
    unrealized_pips: Decimal | None
    unrealized_pnl: Decimal | None


_NO_LIVE = _Live(None, None, None)
_render_trade = TRADE.render
_render_fill = FILL.render
_render_live = LIVE.render


def trade_dict(row: PaperTrade, market: Market, *, fills=None) -> dict:
    """TRADE, then `fills` when given, then an open trade's live figures (TRADE.added)."""
    instrument = get_instrument(row.symbol)
    digits = instrument.digits
    data = _render_trade(row, digits)
    if fills is not None:
        data["fills"] = [_render_fill(f, digits) for f in fills]
    if row.status == PaperTrade.Status.OPEN:
        data.update(_render_live(_live(row, instrument, market), digits))
    return data


def _live(row: PaperTrade, instrument, market: Market) -> _Live:
    quote = market.quote(row.symbol)
    if quote is None:
        return _NO_LIVE
    ticket = ticket_from_row(row)
    try:
        pips, pnl = positions.unrealized(ticket, instrument, quote, row.account.currency, market)
    except Exception:  # noqa: BLE001 - a missing conversion quote leaves the figure unknown
        pips, pnl = None, None
    return _Live(positions.mark_price(ticket, quote), pips, pnl)


def trade_csv_row(row: PaperTrade) -> list:
    """The CSV export's cells of a trade (CSV_COLUMNS; blank for null)."""
    data = _render_trade(row, get_instrument(row.symbol).digits)
    return ["" if data[c] is None else data[c] for c in CSV_COLUMNS]


def account_dict(account: Account, figures: dict) -> dict:
    """ACCOUNT; `figures` carries equity, unrealized, margin (computed live)."""
    return ACCOUNT.render(account, figures)


ledger_entry_dict = LEDGER_ENTRY.render
period_dict = PERIOD.render
equity_point_dict = EQUITY_POINT.render
performance_dict = PERFORMANCE.render
tick_result_dict = TICK_RESULT.render
price_dict = PRICE_UPDATE.render


def quote_dict(quote, instrument, *, stale: bool, age: float) -> dict:
    return QUOTE.render(quote, instrument.digits, instrument.pip_size, stale, age)


# ---- signals (docs/signals.md) -----------------------------------------------------------------
SIGNAL_STATUSES = ("received", "alerted", "executed", "rejected", "skipped", "expired", "dismissed")
DECISION_OUTCOMES = ("executed", "alerted", "rejected", "skipped")

DECISION = Shape(
    "Decision",
    doc="One row of the decision journal (docs/signals.md, The decision journal).",
    fields=(
        Field("id", INT, "row.pk"),
        Field("time", TIME),
        Field("account", INT, "row.account_id"),
        Field("signal", INT, "row.signal_id", null=True),
        Field("source", TEXT, blank=True),
        Field("symbol", TEXT),
        Field("inputs", MAP, help_text="the quote at decision time: bid, ask"),
        Field("checks", LIST, of=MAP, help_text="each check: name, passed, value, limit, code"),
        Field("outcome", TEXT, choices=DECISION_OUTCOMES),
        Field("reason_code", TEXT, blank=True),
        Field("message", TEXT, blank=True),
        Field("sizing", MAP, help_text="every term of the lot arithmetic, decimals as strings"),
        Field("trade", INT, "row.trade_id", null=True),
        Field("previous_hash", TEXT),
        Field("hash", TEXT, help_text="sha256(previous_hash + canonical row)"),
    ),
)

SIGNAL = Shape(
    "Signal",
    args=("row", "digits", "decision"),
    doc="A received signal and what became of it (docs/signals.md).",
    fields=(
        Field("id", INT, "row.pk"),
        Field("account", INT, "row.account_id"),
        Field("via", TEXT, choices=("api", "webhook")),
        Field("symbol", TEXT),
        Field("action", TEXT),
        Field("side", TEXT_OR_NULL, null=True, choices=SIDES),
        Field("source", TEXT, blank=True),
        Field("type", TEXT, "row.signal_type", blank=True),
        Field("signal_id", TEXT, blank=True),
        Field("timeframe", TEXT, blank=True),
        Field("entry_price", PRICE, null=True),
        Field("stop_loss", PRICE, null=True),
        Field("take_profit_1", PRICE, null=True),
        Field("take_profit_2", PRICE, null=True),
        Field("take_profit_3", PRICE, null=True),
        Field("confidence", PCT, null=True, help_text="0-100"),
        Field("lots", DECIMAL, null=True, help_text="the size the signal asked for"),
        Field("risk_pct", PCT, null=True),
        Field("risk_amount", DECIMAL, null=True),
        Field("suggested_lots", DECIMAL, null=True, help_text="the risk-based size of the decision"),
        Field("notes", TEXT, blank=True),
        Field("alert_time", TIME, null=True),
        Field("received_at", TIME),
        Field("expires_at", TIME),
        Field("bid", PRICE, null=True, help_text="the quote at receipt"),
        Field("ask", PRICE, null=True),
        Field("status", TEXT, choices=SIGNAL_STATUSES),
        Field("reasons", LIST, of=TEXT, help_text="refusal and skip codes"),
        Field("trade", INT, "row.trade_id", null=True),
        Field("executed_at", TIME, null=True),
        Field("decision", OBJECT, "decision", null=True, of=DECISION, help_text="the latest decision"),
    ),
)

HOOK = Shape(
    "WebhookToken",
    args=("row", "url"),
    doc="A webhook token's settings; the token itself appears only in the answer that made it.",
    fields=(
        Field("id", INT, "row.pk"),
        Field("name", TEXT),
        Field("account", INT, "row.account_id"),
        Field("source", TEXT, blank=True),
        Field("token_hint", TEXT, help_text="the token's first characters"),
        Field("url", TEXT, "url", null=True, help_text="the webhook URL (with the token only when shown)"),
        Field("has_secret", BOOL, "bool(row.secret)"),
        Field("allowed_ips", LIST, of=TEXT),
        Field("max_signal_age_s", INT),
        Field("rate_limit_per_minute", INT),
        Field("active", BOOL),
        Field("created_at", TIME),
        Field("rotated_at", TIME, null=True),
        Field("last_used_at", TIME, null=True),
    ),
    added=(Field("token", TEXT, required=False, help_text="only on create and rotate"),),
)

HOOK_ATTEMPT = Shape(
    "WebhookAttempt",
    fields=(
        Field("id", INT, "row.pk"),
        Field("time", TIME),
        Field("remote_addr", TEXT, blank=True),
        Field("accepted", BOOL),
        Field("status", INT),
        Field("code", TEXT, blank=True),
        Field("message", TEXT, blank=True),
        Field("signal", INT, "row.signal_id", null=True),
        Field("body", TEXT, blank=True, help_text="the body's first 2 KiB, secret removed"),
    ),
)

SYMBOL_ALIAS = Shape(
    "SymbolAlias",
    fields=(Field("id", INT, "row.pk"), Field("alias", TEXT), Field("symbol", TEXT)),
)

decision_dict = DECISION.render
hook_attempt_dict = HOOK_ATTEMPT.render
symbol_alias_dict = SYMBOL_ALIAS.render


LATEST = object()


def signal_dict(row, decision=LATEST) -> dict:
    """SIGNAL, with `decision` (a Decision row, or None before the first) as its latest
    decision; by default the stored latest."""
    if decision is LATEST:
        # a signal has a few decisions (prefetched by a list): the newest picked here
        decision = max(row.decisions.all(), key=lambda d: d.pk, default=None)
    return SIGNAL.render(row, get_instrument(row.symbol).digits, decision)


def hook_dict(row, url: str | None, token: str | None = None) -> dict:
    body = HOOK.render(row, url)
    if token is not None:
        body["token"] = token
    return body


def _decimal_fields(*names: str, **help_texts: str) -> tuple[Field, ...]:
    return tuple(Field(n, DECIMAL, null=True, help_text=help_texts.get(n)) for n in names)


SCORECARD_ROW = Shape(
    "ScorecardRow",
    mapping=True,
    doc="One source's or one type's signals (docs/signals.md, Scorecards); the other key is null.",
    fields=(
        Field("source", TEXT_OR_NULL, null=True),
        Field("type", TEXT_OR_NULL, null=True),
        *(Field(n, INT) for n in ("received", "executed", "alerted", "rejected", "skipped")),
        Field("rejected_by_code", MAP, help_text="refusal and skip codes -> count"),
        Field("closed_trades", INT),
        *_decimal_fields(
            "win_rate",
            "avg_r",
            "expectancy_r",
            "expectancy",
            "total_pnl",
            "profit_factor",
            "tp1_hit_rate",
            "tp2_hit_rate",
            "tp3_hit_rate",
            "avg_mfe_r",
            "avg_mae_r",
            "avg_delay_seconds",
            expectancy="account currency per closed trade",
            avg_delay_seconds="alert_time to fill",
        ),
        Field("shadow_closed", INT, help_text="refused or skipped signals followed to their stop or target"),
        Field("shadow_open", INT),
        *_decimal_fields("shadow_win_rate", "shadow_avg_r", "shadow_total_r"),
    ),
)

SCORECARDS = Shape(
    "Scorecard",
    mapping=True,
    doc="GET signals/performance/ (docs/signals.md, Scorecards).",
    fields=(Field("by_source", LIST, of=SCORECARD_ROW), Field("by_type", LIST, of=SCORECARD_ROW)),
)

JOURNAL_CHECK = Shape(
    "JournalCheck",
    mapping=True,
    doc="GET decisions/verify/: the account's hash chain checked from its first row.",
    fields=(
        Field("ok", BOOL),
        Field("checked", INT, help_text="rows checked before the first broken one (all when ok)"),
        Field("broken_at", INT, "row.get('broken_at')", null=True, required=False),
    ),
)

scorecards_dict = SCORECARDS.render
journal_check_dict = JOURNAL_CHECK.render
