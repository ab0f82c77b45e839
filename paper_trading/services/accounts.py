"""Account services: open, change, reset, and the equity snapshots the curve reads."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from .. import selectors
from ..domain import trading
from ..domain.errors import InvalidInput, StateConflict
from ..market import CachedMarket
from ..models import Account, AccountPeriod, EquitySnapshot, LedgerEntry, PaperTrade, PerformanceMetrics
from ..persistence import ACTIVE
from .common import account_figures, after_save, locked_portfolio, publish_account, write_lock

ACCOUNT_SETTINGS = (  # what a trader may change on an account, besides its name
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
)
ACCOUNT_FIELDS = {"name", *ACCOUNT_SETTINGS}


def account_ensure_default(user) -> Account:
    """The user's default account, created (with its first period and deposit) on first use."""
    account = Account.objects.filter(user=user, is_default=True).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            return account_open(user=user, name="Paper account", is_default=True)
    except IntegrityError:
        return Account.objects.get(user=user, is_default=True)


def account_open(
    *, user, initial_balance: Decimal = Decimal("10000.00"), is_default: bool = False, **settings
) -> Account:
    """A new account with its first period, its deposit and its first equity point."""
    now = timezone.now()
    with transaction.atomic():
        account = Account.objects.create(
            user=user,
            initial_balance=initial_balance,
            balance=initial_balance,
            is_default=is_default,
            **settings,
        )
        period = AccountPeriod.objects.create(
            account=account, number=1, initial_balance=initial_balance, started_at=now
        )
        account.period = period
        account.save(update_fields=["period"])
        LedgerEntry.objects.create(
            account=account,
            period=period,
            kind="deposit",
            amount=initial_balance,
            balance_after=initial_balance,
            created_at=now,
            note="initial deposit",
        )
        EquitySnapshot.objects.create(
            account=account, time=now, balance=initial_balance, equity=initial_balance
        )
    return account


def account_of(user, account_id=None) -> Account:
    """The user's `account_id` (another user's is a 404, docs/api.md, Errors), or the default
    account, created on first use, when it is absent (docs/api.md, Reports)."""
    if account_id is None:
        return account_ensure_default(user)
    return selectors.account_for(user, account_id)


def account_update(*, user, account_id, changes: dict) -> Account:
    unknown = set(changes) - ACCOUNT_FIELDS
    if unknown:
        raise InvalidInput("This field cannot be changed.", field=sorted(unknown)[0])
    account = account_of(user, account_id)
    with write_lock(), transaction.atomic():
        account = Account.objects.select_for_update().get(pk=account.pk)
        if (
            "mode" in changes
            and changes["mode"] != account.mode
            and account.trades.filter(status__in=ACTIVE).exists()
        ):
            raise StateConflict(
                "Close open trades and orders before changing the mode.", code="has_open_trades"
            )
        for name, value in changes.items():
            setattr(account, name, value)
        account.save()
    publish_account(account)
    return account


def account_reset(*, user, account_id, initial_balance: Decimal | None = None) -> Account:
    """Close the current period (open trades at market, pending cancelled), keep it, start anew."""
    account = account_of(user, account_id)
    if initial_balance is not None and initial_balance <= 0:
        raise InvalidInput("Initial balance must be positive.", field="initial_balance")
    now = timezone.now()
    with locked_portfolio(account.pk) as session:
        trading.close_everything(session.portfolio, CachedMarket(), now)
        rows = session.save()
        account = session.account
        period = session.period
        period.ended_at = now
        period.final_balance = account.balance
        period.save()
        fresh = initial_balance if initial_balance is not None else account.initial_balance
        new_period = AccountPeriod.objects.create(
            account=account, number=period.number + 1, initial_balance=fresh, started_at=now
        )
        LedgerEntry.objects.create(
            account=account,
            period=new_period,
            kind="reset",
            amount=fresh,
            balance_after=fresh,
            created_at=now,
            note=f"period {new_period.number}",
        )
        account.initial_balance = fresh
        account.period = new_period
        account.balance = fresh
        account.margin_call = False
        account.realized_today = Decimal("0")
        account.save()
        EquitySnapshot.objects.create(account=account, time=now, balance=fresh, equity=fresh)
        after_save(session, rows)
    return account


def equity_snapshot(*, now: datetime | None = None) -> int:
    """One EquitySnapshot per account holding positions (the equity curve and drawdown read
    these), and today's PerformanceMetrics balance/equity. Returns how many were taken."""
    now = now or timezone.now()
    account_ids = (
        PaperTrade.objects.filter(status=PaperTrade.Status.OPEN)
        .values_list("account_id", flat=True)
        .distinct()
    )
    market = CachedMarket()
    taken = 0
    for account in Account.objects.filter(pk__in=list(account_ids)):
        figures = account_figures(account, market)
        if figures["equity"] is None:
            continue
        EquitySnapshot.objects.create(
            account=account, time=now, balance=account.balance, equity=figures["equity"]
        )
        PerformanceMetrics.objects.update_or_create(
            account=account,
            date=now.date(),
            defaults={"balance": account.balance, "equity": figures["equity"]},
        )
        taken += 1
    return taken
