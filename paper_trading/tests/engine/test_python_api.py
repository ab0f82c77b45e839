"""The engine used directly (docs/architecture.md, Python API): what it answers below the REST
layer's validation."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from paper_trading.domain.errors import InvalidInput, NotFound
from paper_trading.engine import PaperTradingEngine
from paper_trading.models import PaperTrade
from paper_trading.services.accounts import account_ensure_default
from paper_trading.tests.api.support import url

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("account", [2**63, -(2**63) - 1])
def test_an_account_id_no_key_can_have_is_not_found(user, no_limits, tick, account):
    """SQLite raised OverflowError binding it; PostgreSQL found no row. Both now say not_found."""
    tick("EURUSD", "1.09990", "1.10000")
    with pytest.raises(NotFound) as refused:
        PaperTradingEngine(user).execute_order("EURUSD", "buy", None, None, None, "0.10", account=account)
    assert refused.value.code == "not_found"
    assert not PaperTrade.objects.exists()


# ---- reports: the figures of GET trades/open_positions/, performance/, equity_curve/ ------------


def _limits_off(account):
    account.max_risk_per_trade_pct = account.max_portfolio_heat_pct = account.max_daily_loss_pct = None
    account.save()
    return account


@pytest.fixture
def traded(user, other_user, no_limits, tick):
    """Alice: one closed EURUSD buy of 1 lot, +10 pips, and one open 0.10 buy. Bob: one closed
    loser and one open trade of his own, which her reports must never show."""
    alice, bob = PaperTradingEngine(user), PaperTradingEngine(other_user)
    _limits_off(account_ensure_default(user=other_user))
    tick("EURUSD", "1.09990", "1.10000")
    closed = alice.execute_order("EURUSD", "buy", None, None, None, "1.00")  # fills at ask 1.10000
    bob_closed = bob.execute_order("EURUSD", "buy", None, None, None, "0.50")
    tick("EURUSD", "1.10100", "1.10110")
    alice.close_position(closed.pk)  # at bid 1.10100: +10.0 pips x 1 lot x 10.00 = +100.00
    bob.close_position(bob_closed.pk)  # (1.10100 - 1.10000) x 0.50 x 100000 = +50.00
    opened = alice.execute_order("EURUSD", "buy", None, None, None, "0.10")  # at ask 1.10110
    bob_open = bob.execute_order("EURUSD", "sell", None, None, None, "0.20")  # at bid 1.10100
    return {"closed": closed, "open": opened, "bob": {bob_closed.pk, bob_open.pk}}


def _rest_json(value):
    """A Python report as the REST body writes it: Decimals as strings, times ISO with a Z."""
    if isinstance(value, dict):
        return {k: _rest_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rest_json(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    return value


def test_open_positions_are_the_rest_rows_of_the_users_open_trades(user, api, traded):
    positions = PaperTradingEngine(user).get_open_positions()

    assert [p["id"] for p in positions] == [traded["open"].pk]
    # Valued at bid 1.10100: (1.10100 - 1.10110) x 0.10 x 100000 = -1.00, -1.0 pip.
    assert (positions[0]["unrealized_pips"], positions[0]["unrealized_pnl"]) == ("-1.0", "-1.00")
    assert positions == api.get(url("trades/open_positions/")).json()["results"]


def test_performance_summary_is_the_rest_report_as_decimals(user, api, traded):
    summary = PaperTradingEngine(user).get_performance_summary(days=30)

    assert summary["total_trades"] == 1  # Bob's trades are not in Alice's report
    assert summary["total_pnl"] == Decimal("100.00")  # +10 pips x 1 lot x 10.00 per pip
    assert summary["total_pips"] == Decimal("10.0")
    assert summary["current_balance"] == Decimal("10100.00")  # 10000.00 + 100.00
    assert summary["equity"] == Decimal("10099.00")  # and the open trade's -1.00
    assert summary["account"] == traded["closed"].account_id
    assert _rest_json(summary) == api.get(url("trades/performance/?days=30")).json()


def test_equity_curve_is_the_rest_curve_as_datetimes_and_decimals(user, api, traded):
    curve = PaperTradingEngine(user).get_equity_curve(days=7)
    rest = api.get(url("trades/equity_curve/?days=7")).json()

    assert [(p["balance"], p["equity"]) for p in curve] == [
        (Decimal("10000.00"), Decimal("10000.00")),  # the deposit
        (Decimal("10100.00"), Decimal("10100.00")),  # the close, nothing open
        (Decimal("10100.00"), Decimal("10099.00")),  # now, with the open trade's -1.00
    ]
    assert all(isinstance(p["time"], datetime) and p["time"].utcoffset() == timedelta(0) for p in curve)
    assert _rest_json(curve[:-1]) == rest[:-1]  # the last point is "now" at each call
    assert {k: v for k, v in _rest_json(curve[-1]).items() if k != "time"} == {
        k: v for k, v in rest[-1].items() if k != "time"
    }


def test_another_users_trades_never_appear(other_user, traded):
    bob = PaperTradingEngine(other_user)

    assert {p["id"] for p in bob.get_open_positions()} <= traded["bob"]
    assert traded["open"].pk not in {p["id"] for p in bob.get_open_positions()}
    assert bob.get_performance_summary()["total_pnl"] == Decimal("50.00")  # his own +50.00 only
    with pytest.raises(NotFound):
        bob.get_open_positions(account=traded["closed"].account_id)
    with pytest.raises(NotFound):
        bob.get_performance_summary(account=traded["closed"].account_id)
    with pytest.raises(NotFound):
        bob.get_equity_curve(account=traded["closed"].account_id)


def test_reports_of_a_named_account_match_rest_with_account(user, api, traded):
    alice = PaperTradingEngine(user)
    second = alice.create_account(name="Second", initial_balance=Decimal("5000.00"))

    assert alice.get_open_positions(account=second.pk) == []
    assert [p["id"] for p in alice.get_open_positions(account=traded["open"].account_id)] == [
        traded["open"].pk
    ]
    summary = alice.get_performance_summary(days=30, account=second.pk)
    assert (summary["total_trades"], summary["current_balance"]) == (0, Decimal("5000.00"))
    assert _rest_json(summary) == api.get(url(f"trades/performance/?days=30&account={second.pk}")).json()
    assert [(p["balance"], p["equity"]) for p in alice.get_equity_curve(account=second.pk)] == [
        (Decimal("5000.00"), Decimal("5000.00")),
        (Decimal("5000.00"), Decimal("5000.00")),
    ]


@pytest.mark.parametrize("days", [0, 36501, "abc", 1.5])
def test_reports_refuse_days_outside_1_to_36500(user, days):
    engine = PaperTradingEngine(user)
    for report in (engine.get_performance_summary, engine.get_equity_curve):
        with pytest.raises(InvalidInput) as refused:
            report(days=days)
        assert refused.value.field == "days"
