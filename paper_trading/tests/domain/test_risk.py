"""Order-time rules (docs/domain.md, Risk rules at order time): stop required, risk per trade,
portfolio heat, daily loss,
free margin. The default account caps risk at 2 %, heat at 10 % and daily loss at 5 %."""

from datetime import UTC, datetime, timedelta

import pytest

from paper_trading.domain.errors import BusinessRefusal
from paper_trading.domain.orders import Status
from paper_trading.domain.trading import AccountState

from .factories import D, at, order, tick, venue


def _refused(ex, acct, req) -> str:
    before = (len(ex.ledgers[acct.id]), len(ex.active()), acct.balance)
    with pytest.raises(BusinessRefusal) as err:
        ex.place(acct.id, req)
    # A refused request writes nothing.
    assert (len(ex.ledgers[acct.id]), len(ex.active()), acct.balance) == before
    assert err.value.status == 422
    return err.value.code


def test_default_account_limits_are_2_10_and_5_percent():
    state = AccountState(id=1, balance=D(10000))
    assert (state.max_risk_per_trade_pct, state.max_portfolio_heat_pct, state.max_daily_loss_pct) == (
        2,
        10,
        5,
    )


def test_order_without_stop_loss_is_refused_when_risk_per_trade_is_set():
    ex, acct = venue(risk=True)
    tick(ex, "EURUSD", "1.10000")
    assert _refused(ex, acct, order()) == "stop_loss_required"


def test_pending_order_without_stop_loss_is_refused_too():
    ex, acct = venue(risk=True)
    tick(ex, "EURUSD", "1.10000")
    assert _refused(ex, acct, order(entry_type="limit", price="1.09900")) == "stop_loss_required"


def test_order_without_stop_loss_is_accepted_when_risk_per_trade_is_off():
    ex, acct = venue(risk=True, max_risk_per_trade_pct=None)
    tick(ex, "EURUSD", "1.10000")
    assert ex.place(acct.id, order()).status is Status.OPEN


def test_risk_above_the_per_trade_cap_is_refused():
    # Cap 2 % of 10000 = 200. SL 30 pips on 1 lot: 0.00300 x 1 x 100000 = 300 > 200.
    ex, acct = venue(risk=True)
    tick(ex, "EURUSD", "1.10000")
    assert _refused(ex, acct, order(stop_loss="1.09700")) == "risk_per_trade_exceeded"


def test_risk_equal_to_the_per_trade_cap_is_accepted():
    # SL 20 pips on 1 lot: 0.00200 x 100000 = 200 = cap.
    ex, acct = venue(risk=True)
    tick(ex, "EURUSD", "1.10000")
    trade = ex.place(acct.id, order(stop_loss="1.09800"))
    assert trade.status is Status.OPEN
    assert trade.initial_risk == 200


def test_risk_is_measured_from_the_fill_side_of_the_quote():
    # Ask 1.10020 (spread 2 pips), SL 1.09830: 0.00190 x 100000 = 190 <= 200 accepted;
    # SL 1.09810: 0.00210 x 100000 = 210 > 200 refused.
    ex, acct = venue(risk=True)
    tick(ex, "EURUSD", "1.10000", "1.10020")
    assert _refused(ex, acct, order(stop_loss="1.09810")) == "risk_per_trade_exceeded"
    assert ex.place(acct.id, order(stop_loss="1.09830")).status is Status.OPEN


def test_risk_in_yen_is_converted_to_the_account_currency():
    # USDJPY 1 lot at 150.000, SL 149.600: 0.400 x 100000 = 40000 JPY, about 267 USD > 200.
    # SL 149.750: 25000 JPY, about 167 USD <= 200.
    ex, acct = venue(risk=True)
    tick(ex, "USDJPY", "150.000")
    assert _refused(ex, acct, order("USDJPY", stop_loss="149.600")) == "risk_per_trade_exceeded"
    assert ex.place(acct.id, order("USDJPY", stop_loss="149.750")).status is Status.OPEN


def test_portfolio_heat_above_the_cap_is_refused():
    # Heat cap 10 % of 10000 = 1000. Open risk 600 (60 pips x 1 lot); a new 500 makes 1100 > 1000.
    ex, acct = venue(risk=True, max_risk_per_trade_pct=None)
    tick(ex, "EURUSD", "1.10000")
    ex.place(acct.id, order(stop_loss="1.09400"))
    assert _refused(ex, acct, order(stop_loss="1.09500")) == "portfolio_heat_exceeded"
    # 600 + 400 = 1000 = cap: accepted.
    assert ex.place(acct.id, order(stop_loss="1.09600")).status is Status.OPEN


def test_sixth_full_risk_trade_exceeds_the_default_heat():
    # Five trades risking 200 each (20 pips x 1 lot) = 1000 = 10 %; a sixth makes 1200.
    ex, acct = venue(risk=True)
    tick(ex, "EURUSD", "1.10000")
    for _ in range(5):
        ex.place(acct.id, order(stop_loss="1.09800"))
    assert _refused(ex, acct, order(stop_loss="1.09800")) == "portfolio_heat_exceeded"


def test_stop_at_break_even_frees_its_heat():
    # 600 open risk; moving that stop to the entry price makes it 0, so a 500 trade fits.
    ex, acct = venue(risk=True, max_risk_per_trade_pct=None)
    tick(ex, "EURUSD", "1.10000")
    first = ex.place(acct.id, order(stop_loss="1.09400"))
    tick(ex, "EURUSD", "1.10100", time=at(1))
    ex.modify(acct.id, first.id, {"stop_loss": D("1.10000")})
    assert ex.place(acct.id, order(stop_loss="1.09600")).status is Status.OPEN


def _long_under_the_daily_limit():
    """Only the daily loss limit on (5 % of 10000 = 500), and 1 lot EURUSD bought at 1.10000."""
    ex, acct = venue(risk=True, max_risk_per_trade_pct=None, max_portfolio_heat_pct=None)
    tick(ex, "EURUSD", "1.10000")
    return ex, acct, ex.place(acct.id, order())


def test_realized_daily_loss_at_the_limit_refuses_new_orders():
    # Day loss cap 5 % of the day's opening balance 10000 = 500. Buy 1 lot at 1.10000, close at
    # 1.09500: (1.09500 - 1.10000) x 100000 = -500.00 realized today -> refused.
    ex, acct, trade = _long_under_the_daily_limit()
    tick(ex, "EURUSD", "1.09500", time=at(1))
    ex.close(acct.id, trade.id)
    assert acct.balance == D("9500.00")
    assert _refused(ex, acct, order()) == "daily_loss_limit_reached"


def test_daily_loss_below_the_limit_allows_orders():
    # -499.00 realized < 500.
    ex, acct, trade = _long_under_the_daily_limit()
    tick(ex, "EURUSD", "1.09501", time=at(1))
    ex.close(acct.id, trade.id)
    assert ex.place(acct.id, order()).status is Status.OPEN


def test_unrealized_loss_counts_towards_the_daily_limit():
    # Open 1 lot from 1.10000, bid 1.09500: unrealized -500 -> refused.
    ex, acct, _ = _long_under_the_daily_limit()
    tick(ex, "EURUSD", "1.09500", time=at(1))
    assert _refused(ex, acct, order()) == "daily_loss_limit_reached"


def test_daily_loss_resets_at_00_utc():
    # -500.00 realized on 2025-01-14; on 2025-01-15 00:00 UTC the day starts again.
    ex, acct, trade = _long_under_the_daily_limit()
    tick(ex, "EURUSD", "1.09500", time=at(1))
    ex.close(acct.id, trade.id)
    next_day = datetime(2025, 1, 15, 0, 0, tzinfo=UTC)
    tick(ex, "EURUSD", "1.09500", time=next_day - timedelta(seconds=1))
    assert _refused(ex, acct, order()) == "daily_loss_limit_reached"
    tick(ex, "EURUSD", "1.09500", time=next_day)
    assert ex.place(acct.id, order()).status is Status.OPEN


def test_order_beyond_free_margin_is_refused():
    # Balance 1000: 1 lot EURUSD needs 1 x 100000 x 1.10000 / 100 = 1100 > 1000.
    ex, acct = venue("1000")
    tick(ex, "EURUSD", "1.10000")
    assert _refused(ex, acct, order()) == "insufficient_margin"


def test_order_within_free_margin_is_accepted():
    # Balance 1100: exactly the 1100 required.
    ex, acct = venue("1100")
    tick(ex, "EURUSD", "1.10000")
    assert ex.place(acct.id, order()).status is Status.OPEN


def test_free_margin_accounts_for_margin_already_used():
    # Balance 2000: the first lot holds 1100, leaving 900 < 1100 for the second.
    ex, acct = venue("2000")
    tick(ex, "EURUSD", "1.10000")
    ex.place(acct.id, order())
    assert _refused(ex, acct, order()) == "insufficient_margin"


def test_netting_reducing_order_skips_the_exposure_rules():
    # Risk limits on: a reducing sell needs no stop loss, since it adds no exposure.
    ex, acct = venue(risk=True, mode="netting")
    tick(ex, "EURUSD", "1.10000")
    position = ex.place(acct.id, order(side="buy", stop_loss="1.09800"))
    ex.place(acct.id, order(side="sell", lots="0.5"))
    assert position.lots == D("0.5")
