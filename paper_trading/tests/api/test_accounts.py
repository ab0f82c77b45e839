"""accounts/ (docs/api.md, Accounts; docs/domain.md, Reset): list, create, read, change, reset
without losing history,
ledger and periods."""

from decimal import Decimal

import pytest

from paper_trading.models import Account, LedgerEntry, PaperTrade

from .support import assert_error, db_state, execute, place, url

pytestmark = pytest.mark.django_db

ACCOUNT_FIELDS = {
    "id",
    "name",
    "currency",
    "initial_balance",
    "balance",
    "equity",
    "unrealized_pnl",
    "margin_used",
    "free_margin",
    "margin_level",
    "leverage",
    "mode",
    "slippage_pips",
    "commission_per_lot",
    "commission_pct",
    "max_risk_per_trade_pct",
    "max_portfolio_heat_pct",
    "max_daily_loss_pct",
    "auto_execute_signals",
    "min_signal_confidence",
    "default_risk_pct",
}


def test_first_list_creates_the_default_account(api, user):
    response = api.get(url("accounts/"))

    assert response.status_code == 200, response.content
    page = response.json()
    assert page["count"] == 1
    account = page["results"][0]
    assert ACCOUNT_FIELDS <= set(account)
    assert account["is_default"] is True
    assert (account["currency"], account["initial_balance"], account["balance"]) == (
        "USD",
        "10000.00",
        "10000.00",
    )
    assert (account["equity"], account["free_margin"], account["margin_used"]) == (
        "10000.00",
        "10000.00",
        "0.00",
    )
    assert account["margin_level"] is None  # no margin used
    assert (account["leverage"], account["mode"]) == (100, "hedging")
    assert Decimal(account["max_risk_per_trade_pct"]) == 2
    assert Decimal(account["max_portfolio_heat_pct"]) == 10
    assert Decimal(account["max_daily_loss_pct"]) == 5
    assert account["auto_execute_signals"] is False
    assert Decimal(account["min_signal_confidence"]) == 75
    assert Decimal(account["default_risk_pct"]) == 1
    assert api.get(url("accounts/")).json()["count"] == 1  # not created twice


def test_create_returns_201_with_the_stored_values(api, user):
    response = api.post(
        url("accounts/"),
        {
            "name": "Gold",
            "initial_balance": "5000",
            "mode": "netting",
            "leverage": 50,
            "max_risk_per_trade_pct": None,
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["name"], created["mode"], created["leverage"]) == ("Gold", "netting", 50)
    assert (created["initial_balance"], created["balance"], created["equity"]) == (
        "5000.00",
        "5000.00",
        "5000.00",
    )
    assert created["max_risk_per_trade_pct"] is None
    assert created["is_default"] is False
    assert api.get(url(f"accounts/{created['id']}/")).json() == created
    ledger = api.get(url(f"accounts/{created['id']}/ledger/")).json()["results"]
    assert [(e["kind"], e["amount"], e["balance_after"]) for e in ledger] == [
        ("deposit", "5000.00", "5000.00")
    ]
    assert api.get(url("accounts/")).json()["count"] == 2  # the default one exists too


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"initial_balance": "0"}, "initial_balance"),
        ({"initial_balance": "100.001"}, "initial_balance"),
        ({"initial_balance": "NaN"}, "initial_balance"),
        ({"leverage": 0}, "leverage"),
        ({"mode": "yolo"}, "mode"),
        ({"currency": "XXX"}, "currency"),
        ({"max_risk_per_trade_pct": "101"}, "max_risk_per_trade_pct"),
        ({"balance": "1000000"}, "balance"),
    ],
)
def test_create_refuses_bad_fields_and_writes_nothing(api, account, body, field):
    before = db_state()
    assert_error(api.post(url("accounts/"), body, format="json"), 400, "validation_error", field=field)
    assert db_state() == before
    assert Account.objects.count() == 1


def test_retrieve_shows_live_equity_and_margin(api, no_limits, eurusd):
    execute(api, lot_size="1.00")

    body = api.get(url(f"accounts/{no_limits.pk}/")).json()

    # Margin = 1 x 100000 x 1.10000 / 100 = 1100.00; equity = 10000 + (1.09990 - 1.10000) x 100000 = 9990.00
    assert (body["balance"], body["equity"], body["unrealized_pnl"]) == ("10000.00", "9990.00", "-10.00")
    assert (body["margin_used"], body["free_margin"]) == ("1100.00", "8890.00")
    assert body["margin_level"] == "908.18"  # 9990 / 1100 x 100


def test_patch_changes_settings(api, account):
    response = api.patch(
        url(f"accounts/{account.pk}/"),
        {
            "name": "Renamed",
            "max_risk_per_trade_pct": None,
            "slippage_pips": "0.5",
            "commission_per_lot": "3.50",
        },
        format="json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["name"] == "Renamed"
    assert body["max_risk_per_trade_pct"] is None
    assert Decimal(body["slippage_pips"]) == Decimal("0.5")
    assert Decimal(body["commission_per_lot"]) == Decimal("3.50")
    assert api.get(url(f"accounts/{account.pk}/")).json() == body


@pytest.mark.parametrize(
    "body", [{"balance": "1000000"}, {"initial_balance": "1"}, {"currency": "EUR"}, {"is_default": False}]
)
def test_patch_cannot_touch_money_or_currency(api, account, body):
    before = db_state()
    assert_error(api.patch(url(f"accounts/{account.pk}/"), body, format="json"), 400, "validation_error")
    assert db_state() == before


def test_patch_mode_with_open_trades_is_a_conflict(api, no_limits, eurusd):
    execute(api)
    response = api.patch(url(f"accounts/{no_limits.pk}/"), {"mode": "netting"}, format="json")
    assert_error(response, 409, "has_open_trades")
    assert Account.objects.get(pk=no_limits.pk).mode == "hedging"


def test_reset_keeps_history_and_starts_a_new_period(api, no_limits, eurusd, tick):
    closed = execute(api).json()
    tick("EURUSD", "1.10100", "1.10110")
    assert api.post(url(f"trades/{closed['id']}/close/")).json()["profit_loss"] == "10.00"  # 0.001 x 10000
    still_open = execute(api).json()  # buy 0.10 at ask 1.10110
    pending = place(api, type="limit", price="1.09000").json()
    tick("EURUSD", "1.10060", "1.10070")
    assert api.get(url(f"accounts/{no_limits.pk}/")).json()["period"] == 1

    response = api.post(url(f"accounts/{no_limits.pk}/reset/"), {"initial_balance": 5000}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["balance"], body["initial_balance"], body["equity"]) == ("5000.00", "5000.00", "5000.00")
    # The account says which period it is in, so a screen hearing the update knows its lists are old.
    assert body["period"] == 2 and api.get(url(f"accounts/{no_limits.pk}/")).json()["period"] == 2
    assert body["margin_used"] == "0.00"

    # Every old ticket is still listed: the open one closed at market, the pending one cancelled.
    trades = {t["id"]: t for t in api.get(url("trades/")).json()["results"]}
    assert set(trades) == {closed["id"], still_open["id"], pending["id"]}
    assert (trades[closed["id"]]["status"], trades[closed["id"]]["exit_reason"]) == ("closed", "manual")
    assert (trades[still_open["id"]]["status"], trades[still_open["id"]]["exit_reason"]) == (
        "closed",
        "reset",
    )
    # Closed at bid 1.10060 from 1.10110: -0.00050 x 0.10 x 100000 = -5.00
    assert trades[still_open["id"]]["profit_loss"] == "-5.00"
    assert (trades[pending["id"]]["status"], trades[pending["id"]]["exit_reason"]) == ("cancelled", "reset")

    # The old period's ledger stays readable: 10000.00 + 10.00 - 5.00 = 10005.00.
    old = api.get(url(f"accounts/{no_limits.pk}/ledger/?period=1")).json()["results"]
    assert [(e["kind"], e["amount"], e["balance_after"]) for e in old] == [
        ("deposit", "10000.00", "10000.00"),
        ("pnl", "10.00", "10010.00"),
        ("pnl", "-5.00", "10005.00"),
    ]
    current = api.get(url(f"accounts/{no_limits.pk}/ledger/")).json()["results"]
    assert [(e["kind"], e["amount"], e["balance_after"]) for e in current] == [
        ("reset", "5000.00", "5000.00")
    ]

    periods = api.get(url(f"accounts/{no_limits.pk}/periods/")).json()
    assert periods["count"] == 2
    first, second = periods["results"]
    assert (first["number"], first["initial_balance"], first["final_balance"]) == (1, "10000.00", "10005.00")
    assert first["ended_at"] is not None
    assert (second["number"], second["initial_balance"], second["final_balance"], second["ended_at"]) == (
        2,
        "5000.00",
        None,
        None,
    )

    # Performance and the ledger invariant follow the new period.
    assert api.get(url("trades/performance/")).json()["total_trades"] == 0
    assert sum(
        LedgerEntry.objects.filter(account=no_limits, period__number=2).values_list("amount", flat=True)
    ) == (Decimal("5000.00"))


def test_reset_without_body_restores_the_initial_balance(api, no_limits, eurusd, tick):
    trade = execute(api).json()
    tick("EURUSD", "1.10100", "1.10110")
    api.post(url(f"trades/{trade['id']}/close/"))

    response = api.post(url(f"accounts/{no_limits.pk}/reset/"))

    assert response.status_code == 200, response.content
    assert response.json()["balance"] == "10000.00"
    assert PaperTrade.objects.filter(pk=trade["id"]).exists()


@pytest.mark.parametrize("balance", ["0", "-5", "5000.005", "abc", "1e400", "99999999999"])
def test_reset_refuses_a_bad_initial_balance_and_writes_nothing(api, no_limits, eurusd, balance):
    execute(api)
    before = db_state()
    response = api.post(url(f"accounts/{no_limits.pk}/reset/"), {"initial_balance": balance}, format="json")
    assert_error(response, 400, "validation_error", field="initial_balance")
    assert db_state() == before
    assert PaperTrade.objects.get().status == "open"


def test_ledger_of_an_unknown_period_is_404(api, account):
    assert_error(api.get(url(f"accounts/{account.pk}/ledger/?period=7")), 404, "not_found")


def test_unknown_account_is_404(api, account):
    assert_error(api.get(url("accounts/999999/")), 404, "not_found")
    assert_error(api.get(url("trades/performance/?account=999999")), 404, "not_found")
