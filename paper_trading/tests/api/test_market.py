"""Market data (docs/api.md, Prices and symbols: symbols/, price/realtime/) and the manual feed
(docs/api.md, Manual feed: price/ticks/)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from paper_trading.domain.instruments import REGISTRY
from paper_trading.market import current_quote

from .support import assert_error, db_state, execute, url

pytestmark = pytest.mark.django_db


# ---- symbols/ -----------------------------------------------------------------------------


def test_symbols_lists_the_registry(api):
    response = api.get(url("symbols/"))

    assert response.status_code == 200, response.content
    page = response.json()
    assert page["count"] == len(REGISTRY) >= 14
    rows = {r["symbol"]: r for r in page["results"]}
    fields = {
        "symbol",
        "description",
        "asset_class",
        "base_currency",
        "quote_currency",
        "pip_size",
        "digits",
        "contract_size",
        "min_lot",
        "lot_step",
        "max_lot",
        "default_spread_pips",
        "max_leverage",
    }
    assert all(fields <= set(r) for r in rows.values())
    # The registry of docs/domain.md, Instruments.
    for symbol in ("EURUSD", "GBPUSD", "AUDUSD", "NZDUSD"):
        r = rows[symbol]
        assert (r["pip_size"], r["digits"], r["contract_size"], r["quote_currency"]) == (
            "0.0001",
            5,
            "100000",
            "USD",
        )
    for symbol in ("USDJPY", "EURJPY", "GBPJPY"):
        r = rows[symbol]
        assert (r["pip_size"], r["digits"], r["contract_size"], r["quote_currency"]) == (
            "0.01",
            3,
            "100000",
            "JPY",
        )
    assert [rows[s]["quote_currency"] for s in ("USDCHF", "USDCAD", "EURGBP")] == ["CHF", "CAD", "GBP"]
    assert (rows["XAUUSD"]["pip_size"], rows["XAUUSD"]["digits"], rows["XAUUSD"]["contract_size"]) == (
        "0.1",
        2,
        "100",
    )
    assert (rows["XAGUSD"]["pip_size"], rows["XAGUSD"]["digits"], rows["XAGUSD"]["contract_size"]) == (
        "0.01",
        3,
        "5000",
    )
    assert (rows["BTCUSD"]["pip_size"], rows["ETHUSD"]["pip_size"]) == ("1", "0.1")
    assert (rows["BTCUSD"]["digits"], rows["BTCUSD"]["contract_size"]) == (2, "1")
    assert (rows["EURUSD"]["min_lot"], rows["EURUSD"]["lot_step"]) == ("0.01", "0.01")
    assert (rows["XAUUSD"]["min_lot"], rows["XAUUSD"]["lot_step"]) == ("0.01", "0.01")
    assert rows["EURUSD"]["asset_class"] == "fx" and rows["XAUUSD"]["asset_class"] == "metal"


def test_symbols_needs_authentication(client):
    assert_error(client.get(url("symbols/")), 401, "not_authenticated")


# ---- price/realtime/ ----------------------------------------------------------------------


def test_realtime_without_symbol_is_400(api):
    assert_error(api.get(url("price/realtime/")), 400, "validation_error", field="symbol")


def test_realtime_unknown_symbol_is_404(api):
    assert_error(api.get(url("price/realtime/?symbol=NOPE")), 404, "unknown_symbol")


def test_realtime_without_a_quote_is_503(api):
    assert_error(api.get(url("price/realtime/?symbol=EURUSD")), 503, "no_price")


def test_realtime_returns_the_current_quote(api, eurusd):
    response = api.get(url("price/realtime/?symbol=eur/usd"))

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {
        "symbol",
        "bid",
        "ask",
        "mid",
        "spread_pips",
        "time",
        "source",
        "stale",
        "age_seconds",
    }
    assert (body["symbol"], body["bid"], body["ask"]) == ("EURUSD", "1.09990", "1.10000")
    assert body["mid"] == "1.09995"  # (1.09990 + 1.10000) / 2
    assert body["spread_pips"] == "1.0"  # 0.00010 / 0.0001
    assert body["source"] == "manual"
    assert body["stale"] is False
    assert 0 <= body["age_seconds"] < 60
    assert body["time"].endswith("Z")


def test_realtime_marks_an_old_quote_stale(api, tick):
    tick("XAUUSD", "2000.00", "2000.30", timezone.now() - timedelta(minutes=5))

    body = api.get(url("price/realtime/?symbol=XAUUSD")).json()

    assert body["stale"] is True
    assert body["age_seconds"] >= 300
    assert body["spread_pips"] == "3.0"  # 0.30 / 0.1


# ---- price/ticks/ (manual feed) -----------------------------------------------------------


def test_ticks_are_staff_only(api):
    response = api.post(
        url("price/ticks/"), {"symbol": "EURUSD", "bid": "1.1", "ask": "1.1001"}, format="json"
    )
    assert_error(response, 403, "permission_denied")
    assert current_quote("EURUSD") is None


def test_ticks_need_authentication(client):
    response = client.post(
        url("price/ticks/"),
        {"symbol": "EURUSD", "bid": "1.1", "ask": "1.1001"},
        content_type="application/json",
    )
    assert_error(response, 401, "not_authenticated")


def test_ticks_refused_unless_the_feed_is_manual(client_for, staff, settings):
    settings.FEED = "sim"
    response = client_for(staff).post(
        url("price/ticks/"), {"symbol": "EURUSD", "bid": "1.1", "ask": "1.1001"}, format="json"
    )
    assert_error(response, 409, "feed_not_manual")
    assert current_quote("EURUSD") is None


def test_one_tick_becomes_the_current_quote(client_for, staff, api):
    response = client_for(staff).post(
        url("price/ticks/"), {"symbol": "eurusd", "bid": "1.10010", "ask": 1.1002}, format="json"
    )

    assert response.status_code == 200, response.content
    [result] = response.json()["results"]
    assert (result["symbol"], result["bid"], result["ask"], result["triggered"]) == (
        "EURUSD",
        "1.10010",
        "1.1002",
        [],
    )
    quote = current_quote("EURUSD")
    assert (quote.bid, quote.ask, quote.source) == (Decimal("1.10010"), Decimal("1.1002"), "manual")
    assert api.get(url("price/realtime/?symbol=EURUSD")).json()["bid"] == "1.10010"


def test_a_list_of_ticks_goes_through_in_order_and_lists_what_it_triggered(
    client_for, staff, api, account, eurusd
):
    trade = execute(api, stop_loss="1.09500", take_profit_1="1.10100").json()
    ops = client_for(staff)

    response = ops.post(
        url("price/ticks/"),
        [
            {"symbol": "EURUSD", "bid": "1.10050", "ask": "1.10060"},
            {"symbol": "EURUSD", "bid": "1.10100", "ask": "1.10110", "time": timezone.now().isoformat()},
            {"symbol": "GBPUSD", "bid": "1.25000", "ask": "1.25010"},
        ],
        format="json",
    )

    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [r["symbol"] for r in results] == ["EURUSD", "EURUSD", "GBPUSD"]
    assert results[0]["triggered"] == []
    assert {"trade": trade["id"], "event": "trade_closed", "reason": "tp1_hit"}.items() <= (
        next(t for t in results[1]["triggered"] if t["trade"] == trade["id"]).items()
    )
    assert results[2]["triggered"] == []
    closed = api.get(url(f"trades/{trade['id']}/")).json()
    # (1.10100 - 1.10000) x 0.10 x 100000 = 10.00
    assert (closed["status"], closed["exit_reason"], closed["profit_loss"]) == ("closed", "tp1_hit", "10.00")
    assert current_quote("GBPUSD").bid == Decimal("1.25000")


def test_ticks_fill_pending_orders(client_for, staff, api, no_limits, eurusd):
    order = api.post(
        url("orders/"),
        {"symbol": "EURUSD", "side": "buy", "type": "limit", "price": "1.09800", "lot_size": "0.10"},
        format="json",
    ).json()

    response = client_for(staff).post(
        url("price/ticks/"), {"symbol": "EURUSD", "bid": "1.09790", "ask": "1.09800"}, format="json"
    )

    [result] = response.json()["results"]
    assert any(t["trade"] == order["id"] and t["event"] == "trade_execution" for t in result["triggered"]), (
        result
    )
    assert api.get(url(f"trades/{order['id']}/")).json()["status"] == "open"


def test_a_tick_lists_the_accounts_it_applied_and_each_that_failed_with_its_code(
    client_for, staff, make_user, eurusd
):
    """The second account's take-profit would book a balance beyond numeric(20, 2): it fails and
    rolls back alone, the third is still processed, and the answer is a 200 (docs/api.md)."""
    from paper_trading.engine import PaperTradingEngine

    accounts, trades = [], []
    for name, balance, lots in [
        ("first", None, "0.10"),
        ("huge", Decimal("999999999999990000.00"), "100.00"),  # + 10,000.00 reaches 10^18
        ("third", None, "0.10"),
    ]:
        engine = PaperTradingEngine(make_user(name))
        account = engine.get_account() if balance is None else engine.create_account(initial_balance=balance)
        account.max_risk_per_trade_pct = account.max_portfolio_heat_pct = account.max_daily_loss_pct = None
        account.save()
        accounts.append(account.pk)
        trades.append(
            engine.place(
                symbol="EURUSD",
                side="buy",
                lot_size=Decimal(lots),
                take_profit_1="1.10100",
                account=account.pk,
            ).trade
        )

    response = client_for(staff).post(
        url("price/ticks/"), {"symbol": "EURUSD", "bid": "1.10100", "ask": "1.10110"}, format="json"
    )

    assert response.status_code == 200, response.content
    [result] = response.json()["results"]
    assert result["applied"] == [accounts[0], accounts[2]]
    [failed] = result["failed"]
    assert (failed["account"], failed["code"]) == (accounts[1], "numeric_overflow")
    assert failed["message"]
    assert {(t["account"], t["trade"], t["event"]) for t in result["triggered"]} == {
        (accounts[0], trades[0].pk, "trade_closed"),
        (accounts[2], trades[2].pk, "trade_closed"),
    }
    for trade in trades:
        trade.refresh_from_db()
    assert [t.status for t in trades] == ["closed", "open", "closed"]
    assert current_quote("EURUSD").bid == Decimal("1.10100")  # the market's price, cached all the same


def test_a_quiet_tick_applies_to_no_account_and_fails_none(client_for, staff):
    response = client_for(staff).post(
        url("price/ticks/"), {"symbol": "EURUSD", "bid": "1.10010", "ask": "1.10020"}, format="json"
    )
    [result] = response.json()["results"]
    assert (result["triggered"], result["applied"], result["failed"]) == ([], [], [])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"symbol": "NOPE", "bid": "1", "ask": "1.1"}, "symbol"),
        ({"symbol": "EURUSD", "bid": "1.2", "ask": "1.1"}, "bid"),
        ({"symbol": "EURUSD", "bid": "-1", "ask": "1.1"}, "bid"),
        ({"symbol": "EURUSD", "bid": "NaN", "ask": "1.1"}, "bid"),
        ({"symbol": "EURUSD", "ask": "1.1"}, "bid"),
        ({"symbol": "EURUSD", "bid": "1.1", "ask": "1.2", "time": "yesterday"}, "time"),
        ({"symbol": "EURUSD", "bid": "1.1", "ask": "1.2", "volume": 3}, "volume"),
        ([], "non_field_errors"),
        ("text", "non_field_errors"),
    ],
)
def test_bad_ticks_are_400_and_change_nothing(client_for, staff, body, field):
    before = db_state()
    response = client_for(staff).post(url("price/ticks/"), body, format="json")
    assert_error(response, 400, "validation_error", field=field)
    assert current_quote("EURUSD") is None
    assert db_state() == before


def test_a_list_with_one_bad_tick_applies_none(client_for, staff):
    response = client_for(staff).post(
        url("price/ticks/"),
        [
            {"symbol": "EURUSD", "bid": "1.1", "ask": "1.1001"},
            {"symbol": "EURUSD", "bid": "oops", "ask": "1.1001"},
        ],
        format="json",
    )
    assert_error(response, 400, "validation_error", field="1.bid")  # the second tick's bid
    assert current_quote("EURUSD") is None


# ---- price/ticks/: sane bounds and the spike hold (docs/market-data.md) --------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"symbol": "EURUSD", "bid": "999999999999", "ask": "999999999999"}, "bid"),
        ({"symbol": "EURUSD", "bid": "1e-20", "ask": "1.10000"}, "bid"),  # EURUSD: 0.5-2.5
        ({"symbol": "EURUSD", "bid": "1.10000", "ask": "3"}, "ask"),
        ({"symbol": "BTCUSD", "bid": "0.5", "ask": "0.6"}, "bid"),  # BTCUSD: 100-10,000,000
    ],
)
def test_ticks_outside_the_instruments_sane_bounds_are_400_and_change_nothing(
    client_for, staff, api, no_limits, eurusd, body, field
):
    trade = execute(api, stop_loss="1.09500", take_profit_1="1.10100").json()
    before = db_state()
    response = client_for(staff).post(url("price/ticks/"), body, format="json")
    assert_error(response, 400, "validation_error", field=field)
    assert "outside the sane range" in response.json()["message"]
    assert db_state() == before
    assert (current_quote("EURUSD").bid, current_quote("EURUSD").ask) == (
        Decimal("1.09990"),
        Decimal("1.10000"),
    )
    after = api.get(url(f"trades/{trade['id']}/")).json()
    assert (after["status"], after["stop_loss"]) == ("open", "1.09500")  # the stop is untouched


def calm_btc_ticks(n=21):
    """Mids alternating 60,000 / 60,010 (spread 20): every move 10; the last is 59,990/60,010."""
    return [
        {"symbol": "BTCUSD", "bid": str(60000 + 10 * (k % 2) - 10), "ask": str(60000 + 10 * (k % 2) + 10)}
        for k in range(n)
    ]


def btc_tick(mid):
    return {"symbol": "BTCUSD", "bid": str(mid - 10), "ask": str(mid + 10)}


@pytest.fixture
def btc_positions(client_for, staff, user, no_limits):
    """A sell with its stop at 70,000 and a buy with its take-profit at 70,000, at 60,000."""
    from paper_trading.engine import PaperTradingEngine

    ops = client_for(staff)
    results = ops.post(url("price/ticks/"), calm_btc_ticks(), format="json").json()["results"]
    assert not any(r["held"] for r in results)
    engine = PaperTradingEngine(user)
    sell = engine.execute_order("BTCUSD", "sell", None, "70000", "50000", "0.10")
    buy = engine.execute_order("BTCUSD", "buy", None, "50000", "70000", "0.10")
    return ops, sell, buy


def test_a_manual_spike_is_held_and_a_revert_fills_nothing(btc_positions, api):
    ops, sell, buy = btc_positions
    before = db_state()
    [spike] = ops.post(url("price/ticks/"), btc_tick(72000), format="json").json()["results"]
    assert (spike["held"], spike["triggered"], spike["bid"]) == (True, [], "71990")
    assert db_state() == before
    assert api.get(url("price/realtime/?symbol=BTCUSD")).json()["bid"] == "59990"
    [revert] = ops.post(url("price/ticks/"), btc_tick(60005), format="json").json()["results"]
    assert (revert["held"], revert["triggered"]) == (False, [])
    assert api.get(url("price/realtime/?symbol=BTCUSD")).json()["bid"] == "59995"
    for trade in (sell, buy):
        trade.refresh_from_db()
        assert trade.status == "open"


def test_a_manual_jump_confirmed_by_the_next_tick_fills_both(btc_positions):
    ops, sell, buy = btc_positions
    results = ops.post(url("price/ticks/"), [btc_tick(72000), btc_tick(71000)], format="json").json()
    held, confirming = results["results"]
    assert (held["held"], confirming["held"]) == (True, False)
    # The held 71,990/72,010 went first: both positions closed; listed on the confirming tick.
    assert {t["trade"] for t in confirming["triggered"]} >= {sell.id, buy.id}
    sell.refresh_from_db()
    buy.refresh_from_db()
    assert (sell.exit_reason, buy.exit_reason) == ("sl_hit", "tp1_hit")
    assert current_quote("BTCUSD").bid == Decimal("70990")
