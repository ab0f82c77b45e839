"""Money test vectors for the dashboard: the domain's own figures for pips, P&L with conversion,
margin, margin level and risk-based lots, which the TypeScript display math is checked against
(frontend/src/lib/money-vectors.test.ts; docs/frontend.md, Money figures).

The server is the source of truth for money; the browser recomputes some figures between two
server updates, and these vectors keep it honest. `python manage.py write_test_vectors` writes
them; a test fails when the committed file is stale.
"""

import json
from datetime import UTC, datetime
from decimal import Decimal

from . import positions, sizing
from .instruments import get_instrument
from .numbers import money
from .orders import EntryType, Side, Status, Ticket
from .quotes import QuoteBoard, make_quote
from .trading import AccountState, Portfolio

D = Decimal
AT = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
PIP_PLACES = D("0.1")
LEVEL_PLACES = D("0.01")

# Quotes every case may use; each case names the ones its market holds (conversion pairs).
QUOTES = {
    "EURUSD": ("1.08200", "1.08210"),
    "GBPUSD": ("1.25000", "1.25010"),
    "USDJPY": ("150.000", "150.020"),
    "XAUUSD": ("2345.10", "2345.45"),
    "EURGBP": ("0.85100", "0.85110"),
    "GBPJPY": ("189.750", "189.780"),
}

# (name, account currency, symbol, side, entry, lots, conversion symbols)
UNREALIZED = [
    ("EURUSD buy on USD: quote currency is the account's", "USD", "EURUSD", "buy", "1.08010", "0.10", []),
    ("EURUSD sell on USD, valued at the ask", "USD", "EURUSD", "sell", "1.08500", "1.00", []),
    ("USDJPY buy on USD: divided by the price", "USD", "USDJPY", "buy", "149.500", "1.00", []),
    ("USDJPY sell on USD, a loss", "USD", "USDJPY", "sell", "149.234", "0.37", []),
    ("XAUUSD buy on USD", "USD", "XAUUSD", "buy", "2340.00", "1.00", []),
    ("XAUUSD sell on USD", "USD", "XAUUSD", "sell", "2350.55", "0.25", []),
    ("EURGBP buy on USD: times GBPUSD's mid", "USD", "EURGBP", "buy", "0.85000", "1.00", ["GBPUSD"]),
    ("GBPJPY sell on USD: over USDJPY's mid", "USD", "GBPJPY", "sell", "190.500", "0.50", ["USDJPY"]),
    ("GBPUSD buy on EUR: over EURUSD's mid", "EUR", "GBPUSD", "buy", "1.24000", "0.20", ["EURUSD"]),
    (
        "EURUSD buy on EUR: base is the account's, divided by the price",
        "EUR",
        "EURUSD",
        "buy",
        "1.08000",
        "1.00",
        [],
    ),
]

# (name, account currency, balance, leverage, [(symbol, side, entry, lots)], conversion symbols)
ACCOUNTS = [
    ("one EURUSD position", "USD", "10000.00", 100, [("EURUSD", "buy", "1.08010", "0.10")], []),
    (
        "JPY, gold and a cross together",
        "USD",
        "25000.00",
        50,
        [
            ("USDJPY", "buy", "149.500", "1.00"),
            ("XAUUSD", "sell", "2350.55", "0.25"),
            ("EURGBP", "buy", "0.85000", "1.00"),
        ],
        ["GBPUSD"],
    ),
    ("near a margin call", "USD", "5000.00", 30, [("XAUUSD", "buy", "2400.00", "0.40")], []),
]

# (name, account currency, symbol, side, equity, risk %, entry, stop, conversion symbols)
SIZING = [
    ("EURUSD 1 % with a 21-pip stop", "USD", "EURUSD", "buy", "10000.00", "1", "1.10010", "1.09800", []),
    (
        "USDJPY 1 %: the risk converts at the stop",
        "USD",
        "USDJPY",
        "buy",
        "10000.00",
        "1",
        "150.020",
        "149.500",
        [],
    ),
    ("XAUUSD 2 % short", "USD", "XAUUSD", "sell", "25000.00", "2", "2345.45", "2355.00", []),
    (
        "EURGBP 0.5 % through GBPUSD",
        "USD",
        "EURGBP",
        "buy",
        "10000.00",
        "0.5",
        "0.85110",
        "0.84800",
        ["GBPUSD"],
    ),
    (
        "GBPJPY 1 % short through USDJPY",
        "USD",
        "GBPJPY",
        "sell",
        "10000.00",
        "1",
        "189.780",
        "190.500",
        ["USDJPY"],
    ),
    ("below the min lot: no size", "USD", "EURUSD", "buy", "100.00", "0.1", "1.10010", "1.08010", []),
    ("capped at the max lot", "USD", "EURUSD", "buy", "10000000.00", "2", "1.10010", "1.10000", []),
]


def _market(symbols) -> QuoteBoard:
    board = QuoteBoard()
    for symbol in symbols:
        bid, ask = QUOTES[symbol]
        board.update(make_quote(symbol, D(bid), D(ask), AT))
    return board


def _quotes(symbols) -> dict:
    market = _market(symbols)
    out = {}
    for symbol in symbols:
        q = market.quote(symbol)
        out[symbol] = {"bid": str(q.bid), "ask": str(q.ask), "mid": str(q.mid)}
    return out


def _instrument(symbol: str) -> dict:
    """The instrument fields the dashboard's math reads (as the symbols/ endpoint gives them)."""
    i = get_instrument(symbol)
    return {
        "symbol": i.symbol,
        "base_currency": i.base_currency,
        "quote_currency": i.quote_currency,
        "pip_size": str(i.pip_size),
        "contract_size": str(i.contract_size),
        "digits": i.digits,
        "min_lot": str(i.min_lot),
        "lot_step": str(i.lot_step),
        "max_lot": str(i.max_lot),
    }


def _ticket(symbol, side, entry, lots, *, leverage=100, currency="USD", market=None) -> Ticket:
    instrument = get_instrument(symbol)
    ticket = Ticket(
        account_id=1,
        symbol=symbol,
        side=Side(side),
        lots=D(lots),
        entry_type=EntryType.MARKET,
        status=Status.OPEN,
        original_lots=D(lots),
        entry_price=D(entry),
    )
    if market is not None:
        ticket.margin = money(positions.margin_for(instrument, D(lots), D(entry), leverage, currency, market))
    return ticket


def unrealized_vectors() -> list[dict]:
    out = []
    for name, currency, symbol, side, entry, lots, conversions in UNREALIZED:
        symbols = [symbol, *conversions]
        market = _market(symbols)
        ticket = _ticket(symbol, side, entry, lots)
        pips, pnl = positions.unrealized(
            ticket, get_instrument(symbol), market.quote(symbol), currency, market
        )
        out.append(
            {
                "name": name,
                "account_currency": currency,
                "instrument": _instrument(symbol),
                "trade": {"order_type": side, "entry_price": entry, "lot_size": lots},
                "quotes": _quotes(symbols),
                "expected": {
                    "price": str(positions.mark_price(ticket, market.quote(symbol))),
                    "pips": str(pips.quantize(PIP_PLACES)),
                    "pnl": str(money(pnl)),
                },
            }
        )
    return out


def account_vectors() -> list[dict]:
    out = []
    for name, currency, balance, leverage, held, conversions in ACCOUNTS:
        symbols = list(dict.fromkeys([s for s, *_ in held] + conversions))
        market = _market(symbols)
        tickets = [_ticket(*row, leverage=leverage, currency=currency, market=market) for row in held]
        pf = Portfolio(
            account=AccountState(id=1, balance=D(balance), currency=currency, leverage=leverage),
            tickets=tickets,
        )
        used = pf.margin_used()
        equity = pf.equity(market)
        level = pf.margin_level(market)
        out.append(
            {
                "name": name,
                "account_currency": currency,
                "balance": balance,
                "leverage": leverage,
                "positions": [
                    {
                        "instrument": _instrument(t.symbol),
                        "trade": {
                            "order_type": str(t.side),
                            "entry_price": str(t.entry_price),
                            "lot_size": str(t.lots),
                        },
                        "margin": str(t.margin),
                    }
                    for t in tickets
                ],
                "quotes": _quotes(symbols),
                "expected": {
                    "margin_used": str(money(used)),
                    "unrealized": str(money(pf.unrealized(market))),
                    "equity": str(money(equity)),
                    "free_margin": str(money(equity - used)),
                    "margin_level": None if level is None else str(level.quantize(LEVEL_PLACES)),
                },
            }
        )
    return out


def sizing_vectors() -> list[dict]:
    out = []
    for name, currency, symbol, side, equity, risk_pct, entry, stop, conversions in SIZING:
        symbols = [symbol, *conversions]
        market = _market(symbols)
        instrument = get_instrument(symbol)
        lots = sizing.lots_for_risk(
            instrument,
            equity=D(equity),
            risk_pct=D(risk_pct),
            entry=D(entry),
            stop_loss=D(stop),
            account_currency=currency,
            market=market,
        )
        risk = positions.risk_amount(
            instrument, D(entry), D(stop), Side(side).direction, lots, currency, market
        )
        out.append(
            {
                "name": name,
                "account_currency": currency,
                "instrument": _instrument(symbol),
                "side": side,
                "equity": equity,
                "risk_pct": risk_pct,
                "entry": entry,
                "stop_loss": stop,
                "quotes": _quotes(symbols),
                "expected": {
                    "lots": None if lots == 0 else str(lots),
                    "risk": None if lots == 0 else str(money(risk)),
                },
            }
        )
    return out


def money_vectors() -> dict:
    return {
        "generated_by": "python manage.py write_test_vectors (paper_trading/domain/vectors.py)",
        "unrealized": unrealized_vectors(),
        "accounts": account_vectors(),
        "sizing": sizing_vectors(),
    }


def render() -> str:
    """The vectors as the committed JSON text (stable: same input, same bytes)."""
    return json.dumps(money_vectors(), indent=2, ensure_ascii=False) + "\n"
