"""Builders for the domain tests: times, quotes, accounts, orders, exchanges and bar walks.

Prices go in as strings so every figure is an exact Decimal, as on the wire.
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from paper_trading.domain.exchange import Exchange
from paper_trading.domain.fills import Bar
from paper_trading.domain.orders import EntryType, Side, Ticket, TimeInForce
from paper_trading.domain.quotes import Quote, QuoteBoard
from paper_trading.domain.requests import ORDER_DECIMALS
from paper_trading.domain.trading import AccountState, OrderRequest, Portfolio

D = Decimal
# Tuesday 2025-01-14 12:00 UTC (07:00 New York, EST): hours away from the 17:00 rollover.
T0 = datetime(2025, 1, 14, 12, 0, tzinfo=UTC)
# Risk limits off: the default AccountState caps risk at 2 %, heat at 10 %, daily loss at 5 %.
NO_RISK = {"max_risk_per_trade_pct": None, "max_portfolio_heat_pct": None, "max_daily_loss_pct": None}


def at(minutes: float = 0, *, start: datetime = T0) -> datetime:
    """`minutes` after T0 (or `start`)."""
    return start + timedelta(minutes=minutes)


def quote(symbol: str, bid, ask=None, time: datetime = T0) -> Quote:
    """A quote with exact prices; `ask` defaults to `bid` (zero spread)."""
    return Quote(symbol, D(str(bid)), D(str(ask if ask is not None else bid)), time)


def board(*quotes: Quote) -> QuoteBoard:
    return QuoteBoard({q.symbol: q for q in quotes})


def account(balance="10000.00", *, risk: bool = False, **settings) -> AccountState:
    """An account state; risk limits are off unless `risk=True` or given explicitly."""
    values = {} if risk else dict(NO_RISK)
    values.update(settings)
    return AccountState(id=1, balance=D(str(balance)), **values)


def portfolio(balance="10000.00", **settings) -> Portfolio:
    """A portfolio whose ledger starts with the deposit, so balance == sum(ledger) holds."""
    acct = account("0", **settings)
    pf = Portfolio(acct)
    pf.post("deposit", D(str(balance)), T0)
    return pf


def order(symbol="EURUSD", side="buy", lots="1", **fields) -> OrderRequest:
    """An order request; price-like fields may be given as strings."""
    for name in ORDER_DECIMALS:
        if fields.get(name) is not None:
            fields[name] = D(str(fields[name]))
    if isinstance(fields.get("entry_type"), str):
        fields["entry_type"] = EntryType(fields["entry_type"])
    if isinstance(fields.get("time_in_force"), str):
        fields["time_in_force"] = TimeInForce(fields["time_in_force"])
    return OrderRequest(symbol=symbol, side=Side(side), lots=D(str(lots)), **fields)


def ticket(symbol="EURUSD", side="buy", lots="1", *, account_id=1, **fields) -> Ticket:
    """A bare ticket (no exchange; pending unless `status` says otherwise); prices may be strings."""
    for name, value in fields.items():
        if isinstance(value, str) and name in ORDER_DECIMALS + ("entry_price",):
            fields[name] = D(value)
    return Ticket(account_id=account_id, symbol=symbol, side=Side(side), lots=D(str(lots)), **fields)


def exchange(start: datetime = T0) -> Exchange:
    return Exchange(start=start)


def venue(balance="10000.00", *, start: datetime = T0, risk: bool = False, **settings):
    """An exchange with one account (risk limits off unless asked); returns (exchange, account)."""
    ex = exchange(start)
    values = {} if risk else dict(NO_RISK)
    values.update(settings)
    acct = ex.open_account(D(str(balance)), now=start, **values)
    return ex, acct


def tick(ex: Exchange, symbol: str, bid, ask=None, time: datetime = T0, *, bar: Bar | None = None) -> int:
    """One quote into the exchange; `ask` defaults to `bid` (zero spread)."""
    return ex.tick(symbol, str(bid), str(ask if ask is not None else bid), time, bar=bar)


def placed(req: OrderRequest, bid="1.10000", ask=None, **settings):
    """A venue (`settings` as for venue()), one quote of the order's symbol at T0 (`ask` defaults to
    `bid`) and the order placed on it: returns (exchange, account, ticket)."""
    ex, acct = venue(**settings)
    tick(ex, req.symbol, bid, ask)
    return ex, acct, ex.place(acct.id, req)


def ledger_sum(ex: Exchange, account_id: int) -> Decimal:
    return sum((entry.amount for entry in ex.ledgers[account_id]), D(0))


def ledger_of(ex: Exchange, account_id: int, kind: str) -> list[Decimal]:
    return [entry.amount for entry in ex.ledgers[account_id] if entry.kind == kind]


def fills_of(ex: Exchange, ticket, kind: str | None = None) -> list:
    return [f for f in ex.fills if f.ticket is ticket and (kind is None or f.kind == kind)]


def events_of(ex: Exchange, type_: str) -> list:
    return [e for e in ex.events if e.type == type_]


def bar_ticks(open_, high, low, close) -> list[Decimal]:
    """The ticks a replayed bar is walked as (docs/market-data.md, Feeds): O→L→H→C for a bullish bar
    (close >= open) and O→H→L→C for a bearish one."""
    o, h, lo, c = (D(str(v)) for v in (open_, high, low, close))
    return [o, lo, h, c] if c >= o else [o, h, lo, c]


def walk_bar(ex: Exchange, symbol: str, open_, high, low, close, time: datetime = T0, *, spread="0") -> None:
    """Replay one bid bar through the exchange, one second per tick, each tick told the bar's range."""
    bar = Bar(D(str(low)), D(str(high)))
    for i, bid in enumerate(bar_ticks(open_, high, low, close)):
        ex.tick(symbol, str(bid), str(bid + D(spread)), time + timedelta(seconds=i), bar=bar)
