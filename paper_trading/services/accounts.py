"""Account services: open, change, reset, and the equity snapshots the curve reads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from .. import selectors
from ..domain import trading
from ..domain.errors import InvalidInput, StateConflict
from ..domain.numbers import to_decimal
from ..domain.requests import UNSET, Unset
from ..market import CachedMarket
from ..models import Account, AccountPeriod, EquitySnapshot, LedgerEntry, PaperTrade, PerformanceMetrics
from ..persistence import ACTIVE
from ..selectors import account_figures
from .common import after_save, locked_portfolio, publish_account, write_lock


@dataclass(frozen=True, slots=True)
class AccountSettings:
    """An account's settings (docs/api.md, Accounts): what `account_open` starts it with (UNSET:
    the model's default) or what `account_update` changes (UNSET: unchanged)."""

    name: str | Unset = UNSET
    currency: str | Unset = UNSET
    initial_balance: Decimal | Unset = UNSET
    leverage: int | Unset = UNSET
    mode: str | Unset = UNSET
    slippage_pips: Decimal | Unset = UNSET
    commission_per_lot: Decimal | Unset = UNSET
    commission_pct: Decimal | Unset = UNSET
    max_risk_per_trade_pct: Decimal | None | Unset = UNSET
    max_portfolio_heat_pct: Decimal | None | Unset = UNSET
    max_daily_loss_pct: Decimal | None | Unset = UNSET
    auto_execute_signals: bool | Unset = UNSET
    min_signal_confidence: Decimal | Unset = UNSET
    default_risk_pct: Decimal | Unset = UNSET
    min_signal_rr: Decimal | None | Unset = UNSET
    max_signal_drift_pips: Decimal | None | Unset = UNSET
    signal_confidence_table: list[dict] | None | Unset = UNSET
    signal_symbols: list[str] | Unset = UNSET
    signal_sources: list[str] | Unset = UNSET

    def given(self) -> dict[str, object]:
        """The settings asked for, by name."""
        return {f.name: v for f in fields(self) if (v := getattr(self, f.name)) is not UNSET}


#: What a trader may change on an account once it is open (its currency and deposit are fixed).
ACCOUNT_FIELDS = frozenset(f.name for f in fields(AccountSettings)) - {"currency", "initial_balance"}
ACCOUNT_SETTINGS = tuple(f.name for f in fields(AccountSettings) if f.name in ACCOUNT_FIELDS - {"name"})
_NOT_DECIMAL = {"name", "currency", "leverage", "mode", "auto_execute_signals"}
_DECIMALS = frozenset(f.name for f in fields(AccountSettings) if f.name not in _NOT_DECIMAL) - {
    "signal_confidence_table",
    "signal_symbols",
    "signal_sources",
}


def account_settings(given: Mapping[str, object], *, changes: bool = False) -> AccountSettings:
    """Settings from their field names (decimals typed or loose). `changes`: for `account_update`,
    where the currency and the deposit cannot be changed."""
    known = ACCOUNT_FIELDS if changes else {f.name for f in fields(AccountSettings)}
    unknown = set(given) - known
    if unknown:
        if changes:
            raise InvalidInput("This field cannot be changed.", field=sorted(unknown)[0])
        raise TypeError(f"unexpected account field {sorted(unknown)[0]!r}")
    return AccountSettings(
        **{name: _decimal(value, name) if name in _DECIMALS else value for name, value in given.items()}
    )


def _decimal(value, name: str) -> Decimal | None:
    """A Decimal as given (the bounds are the serializers' and the columns'); text or a number
    parsed as an order's fields are."""
    if value is None or isinstance(value, Decimal):
        return value
    return to_decimal(value, field=name)


def account_ensure_default(*, user) -> Account:
    """The user's default account, created (with its first period and deposit) on first use."""
    account = selectors.default_account(user)
    if account is not None:
        return account
    try:
        with transaction.atomic():
            return account_open(user=user, settings=AccountSettings(name="Paper account"), is_default=True)
    except IntegrityError:
        return Account.objects.get(user=user, is_default=True)


def account_ensure(*, user, account_id=None) -> Account:
    """The user's account `account_id` (a read, `selectors.account_for`: another user's is a 404,
    docs/api.md, Errors), or without one the default account, opened on first use (docs/api.md,
    Reports)."""
    if account_id is None:
        return account_ensure_default(user=user)
    return selectors.account_for(user, account_id)


def _start_period(account: Account, *, number: int, balance: Decimal, kind: str, note: str, now) -> None:
    """Open period `number` of `account` with `balance`: its ledger entry and first equity point.
    Sets `account.period`; the caller saves the account."""
    period = AccountPeriod.objects.create(
        account=account, number=number, initial_balance=balance, started_at=now
    )
    LedgerEntry.objects.create(
        account=account,
        period=period,
        kind=kind,
        amount=balance,
        balance_after=balance,
        created_at=now,
        note=note,
    )
    EquitySnapshot.objects.create(account=account, time=now, balance=balance, equity=balance)
    account.period = period


def account_open(*, user, settings: AccountSettings, is_default: bool = False) -> Account:
    """A new account with its first period, its deposit and its first equity point. A user's
    first account is the default one: another is opened only once the default exists."""
    if not is_default:
        account_ensure_default(user=user)
    now = timezone.now()
    chosen = settings.given()
    initial_balance = chosen.pop("initial_balance", Decimal("10000.00"))
    with transaction.atomic():
        account = Account.objects.create(
            user=user,
            initial_balance=initial_balance,
            balance=initial_balance,
            is_default=is_default,
            **chosen,
        )
        _start_period(
            account, number=1, balance=initial_balance, kind="deposit", note="initial deposit", now=now
        )
        account.save(update_fields=["period"])
    return account


def account_update(*, user, account_id, changes: AccountSettings) -> Account:
    """Change an account's settings under its lock; the mode only while nothing is open."""
    changed = changes.given()
    refused = set(changed) - ACCOUNT_FIELDS
    if refused:
        raise InvalidInput("This field cannot be changed.", field=sorted(refused)[0])
    account = account_ensure(user=user, account_id=account_id)
    with write_lock(), transaction.atomic():
        account = Account.objects.select_for_update().get(pk=account.pk)
        if (
            "mode" in changed
            and changed["mode"] != account.mode
            and account.trades.filter(status__in=ACTIVE).exists()
        ):
            raise StateConflict(
                "Close open trades and orders before changing the mode.", code="has_open_trades"
            )
        for name, value in changed.items():
            setattr(account, name, value)
        account.save()
    publish_account(account)
    return account


def account_reset(*, user, account_id, initial_balance: Decimal | None = None) -> Account:
    """Close the current period (open trades at market, pending cancelled), keep it, start anew."""
    account = account_ensure(user=user, account_id=account_id)
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
        number = period.number + 1
        _start_period(account, number=number, balance=fresh, kind="reset", note=f"period {number}", now=now)
        account.initial_balance = fresh
        account.balance = fresh
        account.margin_call = False
        account.realized_today = Decimal("0")
        account.save()
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
