"""trades/ endpoints (docs/api.md, Market orders): execute, read, modify, close, cancel, reports, and the
business refusals of docs/domain.md, Risk rules at order time. Expected figures are worked out
by hand from docs/domain.md, Pips and P&L in comments."""

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from paper_trading.models import Account, Fill, LedgerEntry, PaperTrade

from .support import assert_error, balance_of, db_state, execute, place, url

pytestmark = pytest.mark.django_db


# ---- execute and the life of a trade ------------------------------------------------------


def test_buy_closed_at_tp1_books_ten_dollars_and_two_ledger_entries(api, account, eurusd, tick):
    # Buy 0.10 EURUSD at ask 1.10000; risk = (1.10000 - 1.09500) x 0.10 x 100000 = 50.00,
    # under the default 2 % cap (200.00), so the order passes the risk rules.
    response = execute(api, stop_loss="1.09500", take_profit_1="1.10100")
    assert response.status_code == 201, response.content
    trade = response.json()
    assert trade["status"] == "open"
    assert trade["pair"] == trade["symbol"] == "EURUSD"
    assert trade["order_type"] == "buy"
    assert trade["entry_type"] == "market"
    assert trade["entry_price"] == "1.10000"
    assert trade["lot_size"] == trade["original_lot_size"] == "0.10"
    assert trade["stop_loss"] == "1.09500"
    assert trade["take_profit_1"] == "1.10100"
    # Reward 10 pips over risk 50 pips = 0.20.
    assert trade["risk_reward_ratio"] == "0.20"
    assert [(f["kind"], f["side"], f["price"]) for f in trade["fills"]] == [("entry", "buy", "1.10000")]
    # Valued at bid 1.09990: (1.09990 - 1.10000) x 0.10 x 100000 = -1.00, -1.0 pip.
    assert trade["current_price"] == "1.09990"
    assert trade["unrealized_pips"] == "-1.0"
    assert trade["unrealized_pnl"] == "-1.00"

    tick("EURUSD", "1.10100", "1.10110")  # bid reaches TP1: the single level closes it all

    trade = api.get(url(f"trades/{trade['id']}/")).json()
    assert trade["status"] == "closed"
    assert trade["exit_reason"] == "tp1_hit"
    assert trade["exit_price"] == "1.10100"
    assert trade["lot_size"] == "0.00"
    # pips = (1.10100 - 1.10000) x 1 / 0.0001 = 10.0; P&L = 0.00100 x 0.10 x 100000 = 10.00
    assert trade["pips_gained"] == "10.0"
    assert trade["profit_loss"] == "10.00"
    # R multiple = 10.00 / 50.00 initial risk.
    assert trade["r_multiple"] == "0.20"
    assert [(f["kind"], f["lot_size"], f["price"], f["pnl"]) for f in trade["fills"]] == [
        ("entry", "0.10", "1.10000", "0.00"),
        ("exit", "0.10", "1.10100", "10.00"),
    ]
    assert "unrealized_pnl" not in trade

    assert balance_of(account) == Decimal("10010.00")
    body = api.get(url(f"accounts/{account.pk}/")).json()
    assert body["balance"] == "10010.00"
    ledger = api.get(url(f"accounts/{account.pk}/ledger/")).json()
    assert ledger["count"] == 2
    assert [(e["kind"], e["amount"], e["balance_after"], e["trade"]) for e in ledger["results"]] == [
        ("deposit", "10000.00", "10000.00", None),
        ("pnl", "10.00", "10010.00", trade["id"]),
    ]


def test_sell_fills_at_bid_and_accepts_symbol_alias_and_any_case(api, account, eurusd):
    response = execute(api, pair=None, symbol="eurusd", order_type="SELL", stop_loss="1.10500")
    assert response.status_code == 201, response.content
    trade = response.json()
    assert (trade["symbol"], trade["order_type"], trade["entry_price"]) == ("EURUSD", "sell", "1.09990")
    # A sell is valued at ask: (1.09990 - 1.10000) x 0.10 x 100000 = -1.00.
    assert trade["current_price"] == "1.10000"
    assert trade["unrealized_pnl"] == "-1.00"


def test_execute_records_requested_price_and_signal_fields(api, account, eurusd):
    response = execute(
        api,
        stop_loss="1.09500",
        entry_price="1.09995",
        signal_id="s-1",
        signal_type="breakout",
        signal_source="tradingview",
        notes="from a script",
    )
    assert response.status_code == 201, response.content
    trade = response.json()
    assert trade["requested_price"] == "1.09995"
    assert trade["entry_price"] == "1.10000"  # fills at the quote, not the price the client saw
    assert (trade["signal_id"], trade["signal_type"], trade["signal_source"]) == (
        "s-1",
        "breakout",
        "tradingview",
    )
    assert trade["notes"] == "from a script"


def test_lot_size_defaults_to_one_min_lot(api, no_limits, eurusd):
    response = execute(api, lot_size=None)
    assert response.status_code == 201, response.content
    assert response.json()["lot_size"] == "0.01"


@pytest.mark.parametrize("account", ["abc", "0", "1.5", str(2**63), "9" * 40])
def test_an_account_filter_that_is_no_id_is_400(api, no_limits, eurusd, account):
    execute(api)
    for path in ("trades/", "trades/open_positions/", "trades/export/", "orders/"):
        assert_error(api.get(url(f"{path}?account={account}")), 400, "validation_error", field="account")


def test_an_account_filter_names_the_account(api, user, no_limits, eurusd):
    first = execute(api).json()
    second = api.post(url("accounts/"), {"name": "Second"}, format="json").json()["id"]
    assert api.get(url(f"trades/?account={first['account']}")).json()["count"] == 1
    assert api.get(url(f"trades/?account={second}")).json()["count"] == 0


def test_pending_orders_filter_by_account_like_trades(api, user, no_limits, eurusd):
    second = api.post(url("accounts/"), {"name": "Second"}, format="json").json()["id"]
    order = place(api, type="limit", price="1.09800", stop_loss="1.09500").json()
    other = place(api, type="limit", price="1.09700", stop_loss="1.09500", account=second)
    assert other.status_code == 201, other.content
    listed = api.get(url(f"orders/?account={order['account']}")).json()
    assert [o["id"] for o in listed["results"]] == [order["id"]]
    assert api.get(url("orders/")).json()["count"] == 2


def test_execute_on_a_second_account_uses_that_account(api, user, eurusd):
    response = api.post(url("accounts/"), {"name": "Second", "max_risk_per_trade_pct": "100"}, format="json")
    second = response.json()["id"]
    trade = execute(api, account=second, stop_loss="1.09500").json()
    assert trade["account"] == second
    default = Account.objects.get(user=user, is_default=True)
    assert not PaperTrade.objects.filter(account=default).exists()


# ---- idempotency on client_order_id ------------------------------------------------------


def test_same_client_order_id_and_payload_returns_the_original_trade(api, account, eurusd):
    first = execute(api, stop_loss="1.09500", client_order_id="abc-1")
    assert first.status_code == 201, first.content
    before = db_state()

    again = execute(api, stop_loss="1.09500", client_order_id="abc-1")

    assert again.status_code == 200, again.content
    assert again.json()["id"] == first.json()["id"]
    assert db_state() == before
    assert PaperTrade.objects.filter(client_order_id="abc-1").count() == 1


def test_same_client_order_id_with_another_payload_is_a_conflict(api, account, eurusd):
    first = execute(api, stop_loss="1.09500", client_order_id="abc-1")
    assert first.status_code == 201, first.content
    before = db_state()

    other = execute(api, stop_loss="1.09600", client_order_id="abc-1")

    assert_error(other, 409, "client_order_id_conflict")
    assert db_state() == before
    assert PaperTrade.objects.filter(client_order_id="abc-1").count() == 1


# ---- modify -------------------------------------------------------------------------------


def test_patch_moves_sl_and_tp_and_the_new_stop_closes_the_trade(api, account, eurusd, tick):
    trade = execute(api, stop_loss="1.09500", take_profit_1="1.10100").json()

    response = api.patch(
        url(f"trades/{trade['id']}/"),
        {"stop_loss": "1.09700", "take_profit_1": "1.10300", "notes": "tightened"},
        format="json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["stop_loss"], body["take_profit_1"], body["notes"]) == ("1.09700", "1.10300", "tightened")

    tick("EURUSD", "1.10150", "1.10160")  # the old TP1 would have closed it here
    assert api.get(url(f"trades/{trade['id']}/")).json()["status"] == "open"

    tick("EURUSD", "1.09700", "1.09710")  # bid touches the moved stop
    closed = api.get(url(f"trades/{trade['id']}/")).json()
    assert (closed["status"], closed["exit_reason"], closed["exit_price"]) == ("closed", "sl_hit", "1.09700")
    # (1.09700 - 1.10000) x 0.10 x 100000 = -30.00; -30.0 pips
    assert closed["profit_loss"] == "-30.00"
    assert closed["pips_gained"] == "-30.0"
    assert balance_of(account) == Decimal("9970.00")


def test_patch_refuses_a_stop_on_the_wrong_side_and_changes_nothing(api, account, eurusd):
    trade = execute(api, stop_loss="1.09500").json()

    # A buy is valued at bid 1.09990: a stop at or above it is on the wrong side.
    response = api.patch(url(f"trades/{trade['id']}/"), {"stop_loss": "1.10000"}, format="json")

    assert_error(response, 400, "validation_error", field="stop_loss")
    assert PaperTrade.objects.get(pk=trade["id"]).stop_loss == Decimal("1.09500")


@pytest.mark.parametrize("body", [{"lot_size": "0.20"}, {"entry_price": "1.2"}, {"symbol": "GBPUSD"}, {}])
def test_patch_accepts_only_protective_fields(api, account, eurusd, body):
    trade = execute(api, stop_loss="1.09500").json()

    response = api.patch(url(f"trades/{trade['id']}/"), body, format="json")

    assert_error(response, 400, "validation_error")
    row = PaperTrade.objects.get(pk=trade["id"])
    assert (row.lot_size, row.symbol, row.entry_price) == (Decimal("0.10"), "EURUSD", Decimal("1.10000"))


def test_patch_price_of_an_open_trade_is_refused(api, account, eurusd):
    trade = execute(api, stop_loss="1.09500").json()
    response = api.patch(url(f"trades/{trade['id']}/"), {"price": "1.09000"}, format="json")
    assert_error(response, 400, "validation_error", field="price")


# ---- close --------------------------------------------------------------------------------


def test_partial_close_then_full_close_books_each_part(api, no_limits, eurusd, tick):
    trade = execute(api, lot_size="0.30").json()
    tick("EURUSD", "1.10050", "1.10060")

    response = api.post(url(f"trades/{trade['id']}/close/"), {"lot_size": "0.10"}, format="json")

    assert response.status_code == 200, response.content
    part = response.json()
    assert part["status"] == "open"
    assert (part["lot_size"], part["original_lot_size"]) == ("0.20", "0.30")
    # Closed 0.10 at bid 1.10050: (1.10050 - 1.10000) x 0.10 x 100000 = 5.00
    assert part["profit_loss"] == "5.00"
    assert [(f["kind"], f["lot_size"], f["price"], f["pnl"]) for f in part["fills"]] == [
        ("entry", "0.30", "1.10000", "0.00"),
        ("exit", "0.10", "1.10050", "5.00"),
    ]
    # The 0.20 still open: 0.00050 x 0.20 x 100000 = 10.00 unrealized.
    assert part["unrealized_pnl"] == "10.00"
    assert balance_of(no_limits) == Decimal("10005.00")

    response = api.post(url(f"trades/{trade['id']}/close/"))

    closed = response.json()
    assert response.status_code == 200, response.content
    assert (closed["status"], closed["exit_reason"], closed["lot_size"]) == ("closed", "manual", "0.00")
    # 5.00 + 0.00050 x 0.20 x 100000 = 5.00 + 10.00 = 15.00; pips weighted by size:
    # 5 x 0.10/0.30 + 5 x 0.20/0.30 = 5.0
    assert closed["profit_loss"] == "15.00"
    assert closed["pips_gained"] == "5.0"
    assert balance_of(no_limits) == Decimal("10015.00")
    assert LedgerEntry.objects.filter(trade_id=trade["id"], kind="pnl").count() == 2


def test_partial_close_larger_than_the_position_is_refused(api, no_limits, eurusd):
    trade = execute(api, lot_size="0.10").json()
    before = db_state()
    response = api.post(url(f"trades/{trade['id']}/close/"), {"lot_size": "0.20"}, format="json")
    assert_error(response, 400, "validation_error", field="lot_size")
    assert db_state() == before


def test_closing_a_closed_trade_is_a_conflict(api, no_limits, eurusd):
    trade = execute(api).json()
    assert api.post(url(f"trades/{trade['id']}/close/")).status_code == 200
    before = db_state()

    response = api.post(url(f"trades/{trade['id']}/close/"))

    assert_error(response, 409, "not_open")
    assert db_state() == before
    assert Fill.objects.filter(trade_id=trade["id"], kind="exit").count() == 1


def test_close_with_exit_price_too_far_from_the_market_is_price_moved(api, no_limits, eurusd):
    trade = execute(api).json()
    before = db_state()
    # The buy closes at bid 1.09990, 6 pips from the 1.09930 the client saw; 5 allowed.
    response = api.post(
        url(f"trades/{trade['id']}/close/"),
        {"exit_price": "1.09930", "max_deviation_pips": "5"},
        format="json",
    )
    assert_error(response, 422, "price_moved")
    assert db_state() == before


# ---- cancel -------------------------------------------------------------------------------


def test_cancel_pending_order(api, no_limits, eurusd):
    order = place(api, type="limit", price="1.09500").json()
    assert order["status"] == "pending"

    response = api.post(url(f"trades/{order['id']}/cancel/"))

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["exit_reason"]) == ("cancelled", "cancelled")
    assert body["fills"] == []
    assert not api.get(url("orders/")).json()["results"]
    assert list(LedgerEntry.objects.values_list("kind", flat=True)) == ["deposit"]


def test_cancelling_an_open_trade_is_a_conflict(api, no_limits, eurusd):
    trade = execute(api).json()
    before = db_state()
    response = api.post(url(f"trades/{trade['id']}/cancel/"))
    assert_error(response, 409, "not_pending")
    assert db_state() == before
    assert PaperTrade.objects.get(pk=trade["id"]).status == "open"


# ---- lists and reports --------------------------------------------------------------------


def test_list_is_paginated_and_filters_by_status_and_pair(api, no_limits, eurusd, tick):
    tick("GBPUSD", "1.25000", "1.25010")
    closed = execute(api).json()
    api.post(url(f"trades/{closed['id']}/close/"))
    execute(api, pair="GBPUSD")

    everything = api.get(url("trades/")).json()
    assert set(everything) == {"count", "next", "previous", "results"}
    assert everything["count"] == 2
    assert [t["id"] for t in api.get(url("trades/?status=closed")).json()["results"]] == [closed["id"]]
    assert [t["symbol"] for t in api.get(url("trades/?pair=gbp/usd")).json()["results"]] == ["GBPUSD"]
    assert api.get(url("trades/?symbol=NOPE")).json()["count"] == 0


def test_open_positions_lists_open_trades_with_unrealized_figures(api, no_limits, eurusd, tick):
    buy = execute(api, lot_size="0.10").json()
    sell = execute(api, order_type="sell", lot_size="0.20").json()
    closed = execute(api).json()
    api.post(url(f"trades/{closed['id']}/close/"))
    tick("EURUSD", "1.10050", "1.10060")

    response = api.get(url("trades/open_positions/"))

    assert response.status_code == 200, response.content
    rows = {t["id"]: t for t in response.json()["results"]}
    assert set(rows) == {buy["id"], sell["id"]}
    # Buy 0.10 from ask 1.10000, valued at bid 1.10050: +5.0 pips, 0.00050 x 0.10 x 100000 = 5.00
    assert (
        rows[buy["id"]]["current_price"],
        rows[buy["id"]]["unrealized_pips"],
        rows[buy["id"]]["unrealized_pnl"],
    ) == ("1.10050", "5.0", "5.00")
    # Sell 0.20 from bid 1.09990, valued at ask 1.10060: -7.0 pips, -0.00070 x 0.20 x 100000 = -14.00
    assert (
        rows[sell["id"]]["current_price"],
        rows[sell["id"]]["unrealized_pips"],
        rows[sell["id"]]["unrealized_pnl"],
    ) == ("1.10060", "-7.0", "-14.00")


def _close_at(api, tick, trade_id, bid):
    tick("EURUSD", bid, str(Decimal(bid) + Decimal("0.00010")))
    response = api.post(url(f"trades/{trade_id}/close/"))
    assert response.status_code == 200, response.content
    return response.json()


def test_performance_with_two_wins_and_one_loss(api, no_limits, eurusd, tick, other_user, client_for):
    first, second, third = (execute(api).json()["id"] for _ in range(3))  # each buy 0.10 at 1.10000
    assert _close_at(api, tick, first, "1.10200")["profit_loss"] == "20.00"  # 0.00200 x 10000 = +20.00
    assert _close_at(api, tick, second, "1.10100")["profit_loss"] == "10.00"  # 0.00100 x 10000 = +10.00
    assert _close_at(api, tick, third, "1.09950")["profit_loss"] == "-5.00"  # -0.00050 x 10000 = -5.00
    tick("EURUSD", "1.09990", "1.10000")
    client_for(other_user).post(
        url("trades/execute/"), {"pair": "EURUSD", "order_type": "buy", "stop_loss": "1.09000"}, format="json"
    )

    response = api.get(url("trades/performance/?days=30"))

    assert response.status_code == 200, response.content
    report = response.json()
    assert (report["total_trades"], report["winning_trades"], report["losing_trades"]) == (3, 2, 1)
    assert report["breakeven_trades"] == 0
    assert report["win_rate"] == "66.67"  # 2 / 3 x 100
    assert report["total_pnl"] == "25.00"  # 20 + 10 - 5
    assert report["gross_profit"] == "30.00"
    assert report["gross_loss"] == "5.00"
    assert report["profit_factor"] == "6.00"  # 30 / 5
    assert report["expectancy"] == "8.33"  # 25 / 3
    assert (report["avg_win"], report["avg_loss"]) == ("15.00", "5.00")
    assert (report["best_trade"], report["worst_trade"]) == ("20.00", "-5.00")
    assert report["total_pips"] == "25.0"  # 20 + 10 - 5
    assert report["max_consecutive_losses"] == 1
    assert report["current_balance"] == "10025.00"
    assert report["by_symbol"]["EURUSD"]["trades"] == 3
    assert report["by_source"]["manual"]["pnl"] == "25.00"


def test_performance_without_trades_has_no_made_up_ratios(api, account):
    report = api.get(url("trades/performance/")).json()
    assert report["total_trades"] == 0
    assert report["win_rate"] is None
    assert report["profit_factor"] is None
    assert report["current_balance"] == "10000.00"


def test_performance_rejects_a_bad_days_value(api, account):
    assert_error(api.get(url("trades/performance/?days=abc")), 400, "validation_error", field="days")


def test_equity_curve_starts_at_the_deposit_and_ends_at_the_balance(api, no_limits, eurusd, tick):
    trade = execute(api).json()
    _close_at(api, tick, trade["id"], "1.10100")  # +10.00

    response = api.get(url("trades/equity_curve/?days=30"))

    assert response.status_code == 200, response.content
    points = response.json()
    assert all(set(p) == {"time", "balance", "equity"} for p in points)
    assert points == sorted(points, key=lambda p: p["time"])
    assert (points[0]["balance"], points[0]["equity"]) == ("10000.00", "10000.00")
    assert (points[-1]["balance"], points[-1]["equity"]) == ("10010.00", "10010.00")


def test_export_is_a_csv_of_the_filtered_trades(api, no_limits, eurusd, tick):
    closed = execute(api).json()
    _close_at(api, tick, closed["id"], "1.10100")
    tick("EURUSD", "1.09990", "1.10000")
    execute(api, order_type="sell")

    response = api.get(url("trades/export/"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    header = response.content.decode().splitlines()[0].split(",")
    assert header[:3] == ["id", "account", "symbol"]
    assert {"entry_price", "exit_price", "exit_reason", "profit_loss", "pips_gained"} <= set(header)
    assert len(rows) == 2
    by_id = {int(r["id"]): r for r in rows}
    assert by_id[closed["id"]]["profit_loss"] == "10.00"
    assert by_id[closed["id"]]["exit_reason"] == "manual"

    only_closed = api.get(url("trades/export/?status=closed")).content.decode().splitlines()
    assert len(only_closed) == 2  # header + one row


# ---- business refusals (docs/domain.md, Risk rules at order time): 422 and nothing written -------


def _refused(response, code, before):
    assert_error(response, 422, code)
    assert db_state() == before


def test_order_without_stop_loss_is_refused_when_risk_per_trade_is_capped(api, account, eurusd):
    before = db_state()
    _refused(execute(api), "stop_loss_required", before)


def test_order_risking_more_than_the_cap_is_refused(api, account, eurusd):
    before = db_state()
    # 1 lot, stop 50 pips away: 0.00500 x 1 x 100000 = 500.00 > 2 % of 10000.00 = 200.00
    _refused(execute(api, lot_size="1.00", stop_loss="1.09500"), "risk_per_trade_exceeded", before)


def test_order_taking_open_risk_above_the_heat_cap_is_refused(api, account, eurusd):
    Account.objects.filter(pk=account.pk).update(max_risk_per_trade_pct=Decimal("8"))
    # Each order: 0.7 lots, 100 pips stop: 0.01000 x 0.7 x 100000 = 700.00 <= 8 % (800.00).
    assert execute(api, lot_size="0.70", stop_loss="1.09000").status_code == 201
    before = db_state()
    # Open risk 700.00 + 700.00 = 1400.00 > 10 % of equity 9993.00 (= 999.30)
    _refused(execute(api, lot_size="0.70", stop_loss="1.09000"), "portfolio_heat_exceeded", before)


def test_order_after_the_daily_loss_limit_is_refused(api, account, eurusd, tick):
    Account.objects.filter(pk=account.pk).update(max_risk_per_trade_pct=None, max_portfolio_heat_pct=None)
    trade = execute(api, lot_size="1.00").json()
    tick("EURUSD", "1.09400", "1.09410")
    # Close 1 lot at bid 1.09400: (1.09400 - 1.10000) x 100000 = -600.00 >= 5 % of 10000.00
    assert api.post(url(f"trades/{trade['id']}/close/")).json()["profit_loss"] == "-600.00"
    before = db_state()
    _refused(execute(api), "daily_loss_limit_reached", before)


def test_order_needing_more_than_free_margin_is_refused(api, no_limits, eurusd):
    before = db_state()
    # 10 lots x 100000 x 1.10000 / 100 = 11000.00 margin > 10000.00 free
    _refused(execute(api, lot_size="10.00"), "insufficient_margin", before)


def test_order_within_free_margin_is_accepted(api, no_limits, eurusd):
    # 9 lots x 100000 x 1.10000 / 100 = 9900.00 margin <= 10000.00 free
    response = execute(api, lot_size="9.00")
    assert response.status_code == 201, response.content
    account = api.get(url(f"accounts/{no_limits.pk}/")).json()
    assert account["margin_used"] == "9900.00"
    # Equity 10000.00 - 9 x 100000 x 0.0001 spread = 9910.00; level = 9910 / 9900 x 100
    assert account["equity"] == "9910.00"
    assert account["free_margin"] == "10.00"
    assert account["margin_level"] == "100.10"


@pytest.fixture
def nfa_account(api):
    response = api.post(
        url("accounts/"),
        {
            "name": "US",
            "mode": "nfa",
            "max_risk_per_trade_pct": None,
            "max_portfolio_heat_pct": None,
            "max_daily_loss_pct": None,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


def test_nfa_account_refuses_a_hedge(api, nfa_account, eurusd):
    assert execute(api, account=nfa_account).status_code == 201
    before = db_state()
    _refused(execute(api, account=nfa_account, order_type="sell"), "hedging_not_allowed", before)


def test_nfa_account_refuses_closing_a_newer_trade_first(api, nfa_account, eurusd):
    older = execute(api, account=nfa_account).json()
    newer = execute(api, account=nfa_account).json()
    before = db_state()

    _refused(api.post(url(f"trades/{newer['id']}/close/")), "fifo_violation", before)

    assert api.post(url(f"trades/{older['id']}/close/")).status_code == 200
    assert api.post(url(f"trades/{newer['id']}/close/")).status_code == 200


def test_market_order_further_than_max_deviation_is_price_moved(api, no_limits, eurusd):
    before = db_state()
    # Fills at ask 1.10000, 10 pips from the 1.09900 the client saw; 5 allowed.
    _refused(execute(api, entry_price="1.09900", max_deviation_pips="5"), "price_moved", before)
    # Within 10 pips it goes through.
    assert execute(api, entry_price="1.09900", max_deviation_pips="10").status_code == 201


def test_order_without_a_quote_is_no_price(api, no_limits):
    before = db_state()
    response = execute(api)
    assert_error(response, 503, "no_price")
    assert db_state() == before


def test_from_and_to_filter_by_creation_time_and_bad_times_are_400(api, no_limits, eurusd):
    from django.utils import timezone

    old = execute(api).json()
    PaperTrade.objects.filter(pk=old["id"]).update(created_at=datetime(2026, 1, 5, 12, 0, tzinfo=UTC))
    new = execute(api).json()
    since = (timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def ids(query):
        response = api.get(url(f"trades/?{query}"))
        assert response.status_code == 200, response.content
        return [t["id"] for t in response.json()["results"]]

    assert ids(f"from={since}") == [new["id"]]
    assert ids("to=2026-01-06T00:00:00Z") == [old["id"]]
    assert ids("from=2026-01-05T00:00:00Z&to=2026-01-06T00:00:00Z") == [old["id"]]
    assert_error(api.get(url("trades/?from=yesterday")), 400, "validation_error", field="from")
