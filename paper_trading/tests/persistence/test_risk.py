"""Open risk is defined once, in the domain (docs/domain.md §7, "Portfolio heat"): the sums
PostgreSQL computes for the positions an order does not load, the Python fold of the same rows and
the per-position `risk_amount` all come to the hand-computed figure."""

from decimal import Decimal

import pytest

from paper_trading.domain import positions
from paper_trading.domain.instruments import get_instrument
from paper_trading.domain.trading import Portfolio
from paper_trading.models import Account, PaperTrade
from paper_trading.persistence import PortfolioSession, account_state, summarize_positions, ticket_from_row
from paper_trading.services.accounts import account_ensure_default
from paper_trading.tests.domain.factories import board, quote

pytestmark = pytest.mark.django_db

D = Decimal
# (symbol, side, lots, entry, stop loss, trailing stop): the money each loses at its stop, by hand.
POSITIONS = [
    # JPY, the account's currency as base: 0.5 x 0.10 x 100,000 = 5,000 JPY at the stop 149.500.
    ("USDJPY", "buy", "0.10", "150.000", "149.500", None),
    # 0.25 x 0.20 x 100,000 = 5,000 JPY at 150.250.
    ("USDJPY", "sell", "0.20", "150.000", "150.250", None),
    # Gold: the trailing stop 1995.00 is the tighter one; 5.00 x 0.02 x 100 = 10 USD.
    ("XAUUSD", "buy", "0.02", "2000.00", "1990.00", "1995.00"),
    # A sell whose stop is below its entry (past break-even) risks nothing.
    ("XAUUSD", "sell", "0.01", "2000.00", "1995.00", None),
    # Cross pair: 0.005 x 0.10 x 100,000 = 50 GBP, at the GBPUSD mid 1.25 = 62.50 USD.
    ("EURGBP", "sell", "0.10", "0.85000", "0.85500", None),
    # No stop: nothing counted.
    ("EURUSD", "buy", "0.30", "1.10000", None, None),
]
BY_HAND = D(5000) / D("149.500") + D(5000) / D("150.250") + D(10) + D("62.50")
MARKET = board(quote("GBPUSD", "1.24990", "1.25010"), quote("USDJPY", "150.100", "150.120"))


def _open(user) -> Account:
    account = account_ensure_default(user=user)
    Account.objects.filter(pk=account.pk).update(
        mode=Account.Mode.HEDGING, currency="USD", max_portfolio_heat_pct=D(10)
    )
    account.refresh_from_db()
    for symbol, side, lots, entry, stop_loss, trailing in POSITIONS:
        PaperTrade.objects.create(
            user=user,
            account=account,
            period=account.current_period,
            symbol=symbol,
            side=side,
            status=PaperTrade.Status.OPEN,
            lot_size=D(lots),
            original_lot_size=D(lots),
            entry_price=D(entry),
            stop_loss=None if stop_loss is None else D(stop_loss),
            trailing_stop_price=None if trailing is None else D(trailing),
        )
    return account


def test_the_summary_sql_the_python_fold_and_each_positions_risk_agree_with_the_hand_figure(user):
    account = _open(user)
    trades = PaperTrade.objects.filter(account=account, status=PaperTrade.Status.OPEN)

    # An order on GBPUSD loads none of them: on PostgreSQL their sums come from the summary SQL.
    from_sql = PortfolioSession(account, focus="GBPUSD").portfolio
    from_python = Portfolio(account_state(account), [], summarize_positions(trades))
    per_position = sum(
        positions.risk_amount(
            get_instrument(t.symbol), t.entry_price, t.effective_stop, t.direction, t.lots, "USD", MARKET
        )
        or D(0)
        for t in map(ticket_from_row, trades)
    )

    assert from_sql.tickets == [] and len(from_sql.external) == 6
    # PostgreSQL divides at 40 decimal places, Python at 28 significant digits.
    for figure in (from_sql.open_risk(MARKET), from_python.open_risk(MARKET), per_position):
        assert abs(figure - BY_HAND) < D("1e-20"), figure
    assert round(BY_HAND, 2) == D("139.22")


def test_the_sums_per_side_are_the_hand_computed_risk_units(user):
    account = _open(user)

    external = {
        (e.symbol, e.direction): e for e in PortfolioSession(account, focus="GBPUSD").portfolio.external
    }

    usdjpy_buy = external["USDJPY", 1]
    assert usdjpy_buy.risk_units == D("0.05")
    assert abs(usdjpy_buy.risk_units_per_stop - D("0.05") / D("149.5")) < D("1e-26")
    assert external["XAUUSD", 1].risk_units == D("0.10")
    assert external["XAUUSD", -1].risk_units == 0
    assert external["EURGBP", -1].risk_units == D("0.0005")
    assert external["EURUSD", 1].risk_units == 0
    assert (external["EURUSD", 1].lots, external["EURUSD", 1].cost) == (D("0.30"), D("0.33"))
