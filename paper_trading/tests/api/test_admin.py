"""The Django admin: every page renders, actions go through the engine, facts stay read-only."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from paper_trading import models
from paper_trading.engine import PaperTradingEngine
from paper_trading.market import forget_quotes
from paper_trading.services.accounts import account_ensure_default

MODELS = [
    models.Account,
    models.AccountPeriod,
    models.PaperTrade,
    models.Fill,
    models.LedgerEntry,
    models.EquitySnapshot,
    models.PriceCache,
    models.PerformanceMetrics,
    models.APIUsageTracker,
]


def url(model, view, *args):
    return reverse(f"admin:paper_trading_{model._meta.model_name}_{view}", args=args)


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def open_trade(user, tick):
    tick("EURUSD", "1.10000", "1.10010")
    return PaperTradingEngine(user).execute_order("EURUSD", "buy", None, "1.09500", "1.10100", "0.10")


@pytest.fixture
def every_table(open_trade, user):
    """At least one row in every table the admin shows."""
    PaperTradingEngine(user).close_position(open_trade.pk, lot_size="0.05")
    bar = {"open": "1.1", "high": "1.2", "low": "1.0", "close": "1.15"}
    models.PriceCache.objects.create(
        symbol="EURUSD", interval="1h", time=timezone.now(), source="manual", **bar
    )
    models.PerformanceMetrics.objects.get_or_create(account=open_trade.account, date=date.today())
    models.APIUsageTracker.objects.create(
        provider="twelvedata", date=date.today(), requests=3, last_error="timeout"
    )
    return open_trade


def post_action(client, model, action, pks):
    selected = [str(pk) for pk in pks]
    return client.post(url(model, "changelist"), {"action": action, "_selected_action": selected})


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelist_shows_rows(admin_client, every_table, model):
    response = admin_client.get(url(model, "changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1
    assert admin_client.get(url(model, "changelist"), {"q": "EURUSD"}).status_code == 200


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_change_view_renders(admin_client, every_table, model):
    row = model.objects.first()
    assert admin_client.get(url(model, "change", row.pk)).status_code == 200


def test_changelists_do_not_query_per_row(admin_client, user, tick):
    tick("EURUSD", "1.10000", "1.10010")
    engine = PaperTradingEngine(user)

    def queries(model):
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(url(model, "changelist")).status_code == 200
        return len(captured)

    engine.execute_order("EURUSD", "buy", None, "1.09500", None, "0.01")
    before = {
        model.__name__: queries(model)
        for model in (models.PaperTrade, models.Fill, models.LedgerEntry, models.Account)
    }
    for _ in range(3):
        engine.close_position(engine.execute_order("EURUSD", "buy", None, "1.09500", None, "0.01").pk)
    assert {
        model.__name__: queries(model)
        for model in (models.PaperTrade, models.Fill, models.LedgerEntry, models.Account)
    } == before


def test_trade_list_colours_profit_and_loss(admin_client, every_table):
    models.PaperTrade.objects.filter(pk=every_table.pk).update(profit_loss=Decimal("-12.50"))
    body = admin_client.get(url(models.PaperTrade, "changelist")).content.decode()
    # Classes of paper_trading/admin.css, linked from the page; no style attribute (the CSP).
    assert '<span class="signed-money loss">-12.50</span>' in body
    assert "paper_trading/admin.css" in body and "style=" not in body


def test_close_action_closes_an_open_trade_at_market(admin_client, open_trade, tick):
    tick("EURUSD", "1.10050", "1.10060")
    response = post_action(admin_client, models.PaperTrade, "close_at_market", [open_trade.pk])
    assert response.status_code == 302
    open_trade.refresh_from_db()
    assert open_trade.status == "closed"
    assert open_trade.exit_reason == "manual"
    assert open_trade.exit_price == Decimal("1.10050")
    assert any(f"Closed trade #{open_trade.pk}" in m for m in texts(response))


def test_close_action_without_a_price_reports_and_keeps_the_trade(admin_client, open_trade):
    forget_quotes()  # not cache.clear(): that flushes the Redis the other test workers share
    response = post_action(admin_client, models.PaperTrade, "close_at_market", [open_trade.pk])
    assert response.status_code == 302
    open_trade.refresh_from_db()
    assert open_trade.status == "open"
    assert any("not closed" in m and "No price" in m for m in texts(response))


def test_close_action_skips_trades_that_are_not_open(admin_client, open_trade, user):
    PaperTradingEngine(user).close_position(open_trade.pk)
    response = post_action(admin_client, models.PaperTrade, "close_at_market", [open_trade.pk])
    assert any("not open: skipped" in m for m in texts(response))


def test_cancel_action_cancels_a_pending_order(admin_client, user, tick):
    tick("EURUSD", "1.10000", "1.10010")
    order = PaperTradingEngine(user).place_order(
        "EURUSD", "buy", "limit", Decimal("0.10"), price="1.09000", stop_loss="1.08800"
    )
    post_action(admin_client, models.PaperTrade, "cancel_pending", [order.pk])
    order.refresh_from_db()
    assert order.status == "cancelled"


def test_reset_action_starts_period_two(admin_client, open_trade):
    account = open_trade.account
    response = post_action(admin_client, models.Account, "reset_accounts", [account.pk])
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.current_period.number == 2
    assert account.balance == account.initial_balance
    assert models.AccountPeriod.objects.get(account=account, number=1).ended_at is not None
    open_trade.refresh_from_db()
    assert (open_trade.status, open_trade.exit_reason) == ("closed", "reset")
    assert any("period 2" in m for m in texts(response))


@pytest.mark.parametrize("model", [models.Fill, models.LedgerEntry], ids=lambda m: m.__name__)
def test_facts_are_read_only(admin_client, every_table, model):
    row = model.objects.first()
    change = admin_client.get(url(model, "change", row.pk))
    assert change.status_code == 200
    assert change.context["has_change_permission"] is False
    assert admin_client.post(url(model, "change", row.pk), {}).status_code == 403
    assert admin_client.post(url(model, "delete", row.pk), {"post": "yes"}).status_code == 403
    assert admin_client.get(url(model, "add")).status_code == 403
    assert model.objects.filter(pk=row.pk).exists()


def test_trade_form_edits_only_notes(admin_client, open_trade):
    response = admin_client.get(url(models.PaperTrade, "change", open_trade.pk))
    assert set(response.context["adminform"].form.fields) == {"notes"}
    fills = open_trade.fills.count()
    response = admin_client.post(
        url(models.PaperTrade, "change", open_trade.pk),
        {
            "notes": "checked by ops",
            "entry_price": "1.00000",
            "status": "closed",
            "fills-TOTAL_FORMS": str(fills),
            "fills-INITIAL_FORMS": str(fills),
        },
    )
    assert response.status_code == 302
    open_trade.refresh_from_db()
    assert open_trade.notes == "checked by ops"
    assert (open_trade.status, open_trade.entry_price) == ("open", Decimal("1.10010"))


def test_trades_and_accounts_cannot_be_added_or_deleted_from_the_admin(admin_client, open_trade):
    confirm = {"post": "yes"}
    assert admin_client.get(url(models.PaperTrade, "add")).status_code == 403
    assert admin_client.post(url(models.PaperTrade, "delete", open_trade.pk), confirm).status_code == 403
    assert admin_client.post(url(models.Account, "delete", open_trade.account_id), confirm).status_code == 403


def account_form(account, **changes):
    data = {
        "name": account.name,
        "leverage": account.leverage,
        "mode": account.mode,
        "slippage_pips": account.slippage_pips,
        "commission_per_lot": account.commission_per_lot,
        "commission_pct": account.commission_pct,
        "max_risk_per_trade_pct": account.max_risk_per_trade_pct or "",
        "max_portfolio_heat_pct": account.max_portfolio_heat_pct or "",
        "max_daily_loss_pct": account.max_daily_loss_pct or "",
        "auto_execute_signals": "on" if account.auto_execute_signals else "",
        "min_signal_confidence": account.min_signal_confidence,
        "default_risk_pct": account.default_risk_pct,
    }
    if account.pk:
        data["periods-TOTAL_FORMS"] = data["periods-INITIAL_FORMS"] = account.periods.count()
    data.update(changes)
    return {k: str(v) for k, v in data.items() if v != ""}


def test_account_form_changes_settings_but_not_money(admin_client, user):
    account = account_ensure_default(user=user)
    response = admin_client.post(
        url(models.Account, "change", account.pk),
        account_form(account, name="Swing", leverage=30, balance="999999"),
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert (account.name, account.leverage, account.balance) == ("Swing", 30, Decimal("10000.00"))


def test_account_form_refuses_what_the_api_refuses(admin_client, user):
    account = account_ensure_default(user=user)
    response = admin_client.post(url(models.Account, "change", account.pk), account_form(account, leverage=0))
    assert response.status_code == 200
    assert "leverage" in response.context["adminform"].form.errors
    account.refresh_from_db()
    assert account.leverage == 100


def test_account_form_refuses_a_mode_change_with_open_trades(admin_client, open_trade):
    account = open_trade.account
    response = admin_client.post(
        url(models.Account, "change", account.pk), account_form(account, mode="netting")
    )
    assert response.status_code == 200
    assert "mode" in response.context["adminform"].form.errors


def test_account_added_in_the_admin_opens_with_a_period_and_a_deposit(admin_client, user):
    account_ensure_default(user=user)
    data = account_form(models.Account(name="Second", initial_balance=Decimal("5000.00")))
    data.update({"user": str(user.pk), "currency": "USD", "initial_balance": "5000.00"})
    response = admin_client.post(url(models.Account, "add"), data)
    assert response.status_code == 302
    account = models.Account.objects.get(user=user, name="Second")
    assert account.balance == Decimal("5000.00") and not account.is_default
    assert account.current_period.number == 1
    assert list(account.ledger.values_list("kind", "amount")) == [("deposit", Decimal("5000.00"))]
