"""Django admin: inspect every table, and correct what a trader may correct.

Trading state (balances, statuses, prices, fills, the ledger) changes only through the
engine's services, so the admin shows it read-only and offers the engine's own actions
(close at market, cancel, reset). Fills and ledger entries are immutable facts.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from knox.models import AuthToken

from . import representations
from .api.serializers import AccountCreateSerializer, AccountUpdateSerializer
from .domain import positions
from .domain.errors import DomainError
from .domain.instruments import get_instrument
from .domain.requests import CloseRequest
from .market import CachedMarket
from .models import (
    Account,
    AccountPeriod,
    APIUsageTracker,
    Decision,
    EquitySnapshot,
    Fill,
    HookAttempt,
    LedgerEntry,
    PaperTrade,
    PerformanceMetrics,
    PriceCache,
    ShadowTrade,
    Signal,
    SymbolAlias,
    WebhookHook,
)
from .persistence import ACTIVE, ticket_from_row
from .representations import FILL, TRADE
from .selectors import account_figures
from .services.accounts import (
    ACCOUNT_FIELDS,
    ACCOUNT_SETTINGS,
    AccountSettings,
    account_open,
    account_reset,
    account_update,
)
from .services.common import locked_portfolio
from .services.orders import order_cancel
from .services.trades import trade_close
from .shapes import PRICE

log = logging.getLogger(__name__)


class SignedMoneyMedia:
    """The stylesheet of signed_money's classes: a file, since the CSP refuses style attributes."""

    css = {"all": ["paper_trading/admin.css"]}


def signed_money(value: Decimal | None):
    """A P&L figure, green when positive and red when negative (paper_trading/admin.css)."""
    if value is None:
        return None
    if not value:
        return str(value)
    kind = "profit" if value > 0 else "loss"
    return format_html('<span class="signed-money {}">{}</span>', kind, f"{value:+}")


def instrument_price(symbol: str, value: Decimal | None):
    """A price at the instrument's digits (more only when the value really has more)."""
    if value is None:
        return None
    try:
        digits = get_instrument(symbol).digits
    except DomainError:
        return value
    return representations.format_price(value, digits)


def price_column(shape, name: str, description: str, *, symbol_of=lambda obj: obj.symbol):
    """An admin column showing a price field as the API body does (the field's spec in
    `representations`: the instrument's digits)."""
    assert shape.field(name).kind is PRICE, f"{shape.name}.{name} is not a price"

    @admin.display(description=description, ordering=name)
    def show(self, obj):
        return instrument_price(symbol_of(obj), getattr(obj, name))

    return show


def iso(moment) -> str:
    return representations.iso(moment) or "-"


class NoWrites:
    """Viewable, never added, changed or deleted through the admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(NoWrites, admin.ModelAdmin):
    """Rows written only by the engine or the worker."""

    Media = SignedMoneyMedia


class ReadOnlyInline(NoWrites, admin.TabularInline):
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True


# ---- accounts -------------------------------------------------------------------------------


class AccountAdminForm(forms.ModelForm):
    """Bounds come from the API's serializers, so the admin and the API accept the same values."""

    class Meta:
        model = Account
        fields = ("user", "name", "currency", "initial_balance", *ACCOUNT_SETTINGS)

    # An empty JSON box means "no filter" (an empty list), as it does in the API.
    def clean_signal_symbols(self):
        return self.cleaned_data["signal_symbols"] or []

    def clean_signal_sources(self):
        return self.cleaned_data["signal_sources"] or []

    def clean(self):
        cleaned = super().clean()
        serializer_class = AccountUpdateSerializer if self.instance.pk else AccountCreateSerializer
        known = set(serializer_class().fields)
        serializer = serializer_class(data={name: value for name, value in cleaned.items() if name in known})
        if not serializer.is_valid():
            for name, errors in serializer.errors.items():
                for error in errors:
                    self.add_error(name if name in self.fields else None, str(error))
        if (
            self.instance.pk
            and "mode" in self.changed_data
            and self.instance.trades.filter(status__in=ACTIVE).exists()
        ):
            self.add_error("mode", "Close open trades and orders before changing the mode.")
        return cleaned


class AccountPeriodInline(ReadOnlyInline):
    model = AccountPeriod
    fields = ("number", "initial_balance", "final_balance", "started_at", "ended_at")
    readonly_fields = fields
    ordering = ("-number",)


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    """Name and settings are editable (through the engine); money and state are read-only."""

    form = AccountAdminForm
    list_display = (
        "id",
        "name",
        "user",
        "currency",
        "balance",
        "initial_balance",
        "period_number",
        "open_trades",
        "mode",
        "leverage",
        "is_default",
        "margin_call",
        "created_at",
    )
    list_display_links = ("id", "name")
    list_filter = ("mode", "currency", "is_default", "margin_call", "auto_execute_signals")
    search_fields = ("name", "user__username", "user__email")
    list_select_related = ("user", "period")
    date_hierarchy = "created_at"
    actions = ("reset_accounts",)
    inlines = (AccountPeriodInline,)
    settings_fields = ACCOUNT_SETTINGS
    state_fields = (
        "user",
        "currency",
        "initial_balance",
        "balance",
        "live_figures",
        "current_period_display",
        "is_default",
        "margin_call",
        "realized_today",
        "realized_day",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("name",)}),
        ("Money and state (changed only by trading, deposits and resets)", {"fields": state_fields}),
        ("Settings", {"fields": settings_fields}),
    )
    add_fieldsets = (
        (None, {"fields": ("user", "name", "currency", "initial_balance")}),
        ("Settings", {"fields": settings_fields}),
    )

    def get_queryset(self, request):
        open_trades = Count("trades", filter=Q(trades__status=PaperTrade.Status.OPEN))
        return super().get_queryset(request).annotate(_open_trades=open_trades)

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else self.fieldsets

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.state_fields

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else ()

    @admin.display(description="Period", ordering="period__number")
    def period_number(self, obj):
        return obj.period.number if obj.period else None

    @admin.display(description="Open trades", ordering="_open_trades")
    def open_trades(self, obj):
        return obj._open_trades

    @admin.display(description="Current period")
    def current_period_display(self, obj):
        period = obj.current_period
        if period is None:
            return "-"
        return f"#{period.number}, started {iso(period.started_at)} with {period.initial_balance}"

    @admin.display(description="Live figures")
    def live_figures(self, obj):
        figures = account_figures(obj)
        rows = [(name.replace("_", " "), "-" if value is None else value) for name, value in figures.items()]
        return format_html("<table>{}</table>", format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows))

    def save_model(self, request, obj, form, change):
        """New accounts open through the engine (first period and deposit); changes go through
        `update_account` under the account's lock."""
        if change:
            changes = {name: form.cleaned_data[name] for name in form.changed_data if name in ACCOUNT_FIELDS}
            if changes:
                account_update(user=obj.user, account_id=obj.pk, changes=AccountSettings(**changes))
            return
        settings = {name: form.cleaned_data[name] for name in ACCOUNT_FIELDS if name in form.cleaned_data}
        has_default = Account.objects.filter(user=obj.user, is_default=True).exists()
        account = account_open(
            user=obj.user,
            settings=AccountSettings(
                initial_balance=form.cleaned_data["initial_balance"],
                currency=form.cleaned_data["currency"],
                **settings,
            ),
            is_default=not has_default,
        )
        obj.pk = account.pk
        obj.refresh_from_db()
        obj._state.adding = False

    def has_delete_permission(self, request, obj=None):
        """History is never destroyed: reset an account instead."""
        return False

    @admin.action(description="Reset account (keeps history)", permissions=["change"])
    def reset_accounts(self, request, queryset):
        for account in queryset.select_related("user").order_by("pk"):
            try:
                account = account_reset(user=account.user, account_id=account.pk)
            except DomainError as exc:
                self.message_user(request, f"Account #{account.pk} not reset: {exc.message}", messages.ERROR)
            except Exception:
                log.exception("admin reset of account %s failed", account.pk)
                self.message_user(
                    request,
                    f"Account #{account.pk} not reset: unexpected error (see the server log).",
                    messages.ERROR,
                )
            else:
                period = account.current_period
                self.message_user(
                    request,
                    f"Account #{account.pk} reset: period {period.number} started with {account.balance} "
                    f"{account.currency}.",
                    messages.SUCCESS,
                )


@admin.register(AccountPeriod)
class AccountPeriodAdmin(ReadOnlyAdmin):
    list_display = (
        "account",
        "number",
        "initial_balance",
        "final_balance",
        "started_at",
        "ended_at",
        "is_current",
    )
    list_filter = (("ended_at", admin.EmptyFieldListFilter),)
    search_fields = ("account__name", "account__user__username")
    list_select_related = ("account__user",)
    date_hierarchy = "started_at"

    @admin.display(boolean=True, description="Current")
    def is_current(self, obj):
        return obj.ended_at is None


# ---- trades, fills, ledger ------------------------------------------------------------------


class FillInline(ReadOnlyInline):
    model = Fill
    fields = ("kind", "side", "lot_size", "fill_price", "time", "reason", "pnl_display", "pips", "commission")
    readonly_fields = fields
    show_change_link = False

    fill_price = price_column(FILL, "price", "Price", symbol_of=lambda obj: obj.trade.symbol)

    @admin.display(description="P&L")
    def pnl_display(self, obj):
        return signed_money(obj.pnl)


@admin.register(PaperTrade)
class PaperTradeAdmin(admin.ModelAdmin):
    """Tickets are changed only by the engine; the admin may edit notes and run its actions."""

    Media = SignedMoneyMedia

    list_display = (
        "id",
        "user",
        "account",
        "symbol",
        "side",
        "entry_type",
        "status",
        "lot_size",
        "entry_price_display",
        "stop_loss_display",
        "exit_price_display",
        "exit_reason",
        "pnl_display",
        "unrealized_display",
        "entry_time",
        "exit_time",
    )
    list_display_links = ("id", "symbol")
    list_filter = ("status", "symbol", "side", "entry_type", "exit_reason", "signal_source", "account__mode")
    search_fields = (
        "=id",
        "symbol",
        "client_order_id",
        "signal_id",
        "signal_source",
        "notes",
        "user__username",
    )
    list_select_related = ("user", "account__user")
    date_hierarchy = "created_at"
    actions = ("close_at_market", "cancel_pending")
    inlines = (FillInline,)
    editable_fields = ("notes",)
    fieldsets = (
        (
            "Ticket",
            {
                "fields": (
                    "user",
                    "account",
                    "period",
                    "symbol",
                    "side",
                    "entry_type",
                    "status",
                    "time_in_force",
                    "expire_at",
                    "oco_with",
                    "client_order_id",
                )
            },
        ),
        (
            "Size and prices",
            {
                "fields": (
                    "lot_size",
                    "original_lot_size",
                    "price",
                    "limit_price",
                    "stop_triggered",
                    "requested_price",
                    "entry_price",
                    "entry_time",
                    "exit_price",
                    "exit_time",
                    "exit_reason",
                )
            },
        ),
        (
            "Protection",
            {
                "fields": (
                    "stop_loss",
                    "take_profit_1",
                    "take_profit_2",
                    "take_profit_3",
                    "tp_levels_hit",
                    "breakeven_after_tp1",
                    "trailing_stop_pips",
                    "trailing_stop_price",
                )
            },
        ),
        (
            "Money",
            {
                "fields": (
                    "realized_pnl",
                    "commission",
                    "swap",
                    "profit_loss",
                    "unrealized_display",
                    "margin",
                    "initial_risk",
                    "last_swap_at",
                )
            },
        ),
        ("Signal", {"fields": ("signal_id", "signal_type", "signal_source")}),
        ("Notes", {"fields": ("notes",)}),
        ("Record", {"fields": ("created_at", "updated_at")}),
    )

    def get_readonly_fields(self, request, obj=None):
        fields = [f.name for f in PaperTrade._meta.fields if f.name not in self.editable_fields]
        return (*fields, "unrealized_display")

    def has_add_permission(self, request):
        """Orders are placed through the API or the engine, which apply the trading rules."""
        return False

    def has_delete_permission(self, request, obj=None):
        """History is never rewritten: close or cancel instead."""
        return False

    def save_model(self, request, obj, form, change):
        """Write only the notes, under the account lock, so a concurrent tick is never overwritten."""
        if "notes" not in form.changed_data:
            return
        with locked_portfolio(obj.account_id):
            PaperTrade.objects.filter(pk=obj.pk).update(
                notes=form.cleaned_data["notes"], updated_at=timezone.now()
            )

    @admin.display(description="Entry", ordering="entry_price")
    def entry_price_display(self, obj):
        return instrument_price(obj.symbol, obj.entry_price if obj.entry_price is not None else obj.price)

    stop_loss_display = price_column(TRADE, "stop_loss", "SL")
    exit_price_display = price_column(TRADE, "exit_price", "Exit")

    @admin.display(description="P&L (realized)", ordering="profit_loss")
    def pnl_display(self, obj):
        return signed_money(obj.profit_loss)

    @admin.display(description="Unrealized")
    def unrealized_display(self, obj):
        if obj.status != PaperTrade.Status.OPEN:
            return None
        market = CachedMarket()
        quote = market.quote(obj.symbol)
        if quote is None:
            return "no price"
        try:
            _, pnl = positions.unrealized(
                ticket_from_row(obj), get_instrument(obj.symbol), quote, obj.account.currency, market
            )
        except DomainError as exc:
            return exc.message
        return signed_money(pnl.quantize(Decimal("0.01")))

    @admin.action(description="Close selected trades at market", permissions=["change"])
    def close_at_market(self, request, queryset):
        for trade in queryset.select_related("user", "account").order_by("entry_time", "pk"):
            if trade.status != PaperTrade.Status.OPEN:
                self.message_user(
                    request, f"Trade #{trade.pk} is {trade.status}, not open: skipped.", messages.WARNING
                )
                continue
            try:
                closed = trade_close(user=trade.user, trade_id=trade.pk, request=CloseRequest())
            except DomainError as exc:
                self.message_user(
                    request, f"Trade #{trade.pk} {trade.symbol} not closed: {exc.message}", messages.ERROR
                )
            except Exception:
                log.exception("admin close of trade %s failed", trade.pk)
                self.message_user(
                    request,
                    f"Trade #{trade.pk} not closed: unexpected error (see the server log).",
                    messages.ERROR,
                )
            else:
                self.message_user(
                    request,
                    f"Closed trade #{closed.pk} {closed.side} {closed.original_lot_size} {closed.symbol} at "
                    f"{instrument_price(closed.symbol, closed.exit_price)}: P&L {closed.profit_loss} "
                    f"{trade.account.currency}.",
                    messages.SUCCESS,
                )

    @admin.action(description="Cancel selected pending orders", permissions=["change"])
    def cancel_pending(self, request, queryset):
        for trade in queryset.select_related("user").order_by("pk"):
            if trade.status != PaperTrade.Status.PENDING:
                self.message_user(
                    request, f"Trade #{trade.pk} is {trade.status}, not pending: skipped.", messages.WARNING
                )
                continue
            try:
                order_cancel(user=trade.user, trade_id=trade.pk)
            except DomainError as exc:
                self.message_user(request, f"Order #{trade.pk} not cancelled: {exc.message}", messages.ERROR)
            except Exception:
                log.exception("admin cancel of order %s failed", trade.pk)
                self.message_user(
                    request,
                    f"Order #{trade.pk} not cancelled: unexpected error (see the server log).",
                    messages.ERROR,
                )
            else:
                self.message_user(request, f"Cancelled order #{trade.pk} {trade.symbol}.", messages.SUCCESS)


@admin.register(Fill)
class FillAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "trade",
        "account",
        "kind",
        "side",
        "lot_size",
        "fill_price",
        "time",
        "reason",
        "pnl_display",
        "pips",
        "commission",
    )
    list_filter = ("kind", "side", "reason")
    search_fields = ("=trade__id", "trade__symbol", "account__user__username")
    list_select_related = ("trade", "account__user")
    date_hierarchy = "time"

    fill_price = price_column(FILL, "price", "Price", symbol_of=lambda obj: obj.trade.symbol)

    @admin.display(description="P&L", ordering="pnl")
    def pnl_display(self, obj):
        return signed_money(obj.pnl)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "account",
        "period",
        "kind",
        "amount_display",
        "balance_after",
        "trade",
        "note",
        "created_at",
    )
    list_filter = ("kind",)
    search_fields = ("=trade__id", "note", "account__name", "account__user__username")
    list_select_related = ("account__user", "period", "trade")
    date_hierarchy = "created_at"

    @admin.display(description="Amount", ordering="amount")
    def amount_display(self, obj):
        return signed_money(obj.amount)


# ---- derived and market data ------------------------------------------------------------------


@admin.register(EquitySnapshot)
class EquitySnapshotAdmin(ReadOnlyAdmin):
    list_display = ("account", "time", "balance", "equity")
    search_fields = ("account__name", "account__user__username")
    list_select_related = ("account__user",)
    date_hierarchy = "time"


@admin.register(PerformanceMetrics)
class PerformanceMetricsAdmin(ReadOnlyAdmin):
    list_display = (
        "account",
        "date",
        "trades_closed",
        "winning_trades",
        "losing_trades",
        "pnl_display",
        "pips",
        "balance",
        "equity",
    )
    search_fields = ("account__name", "account__user__username")
    list_select_related = ("account__user",)
    date_hierarchy = "date"

    @admin.display(description="P&L", ordering="pnl")
    def pnl_display(self, obj):
        return signed_money(obj.pnl)


@admin.register(PriceCache)
class PriceCacheAdmin(admin.ModelAdmin):
    """Stored bars; editable so a bad bar can be corrected."""

    list_display = (
        "symbol",
        "interval",
        "time",
        "open",
        "high",
        "low",
        "close",
        "volume",
        "source",
        "updated_at",
    )
    list_filter = ("symbol", "interval", "source")
    search_fields = ("symbol",)
    date_hierarchy = "time"
    readonly_fields = ("updated_at",)


@admin.register(APIUsageTracker)
class APIUsageTrackerAdmin(admin.ModelAdmin):
    list_display = (
        "provider",
        "date",
        "requests",
        "errors",
        "last_success",
        "last_error_at",
        "last_error_short",
    )
    list_filter = ("provider",)
    search_fields = ("provider", "last_error")
    date_hierarchy = "date"

    @admin.display(description="Last error")
    def last_error_short(self, obj):
        return (obj.last_error[:80] + "...") if len(obj.last_error) > 80 else obj.last_error


# Knox's own admin lists each token's digest and shows a new token's key in a message; here the
# admin sees only the key's first characters (knox's `token_key`) and may revoke, never create.
admin.site.unregister(AuthToken)


@admin.register(AuthToken)
class AuthTokenAdmin(admin.ModelAdmin):
    list_display = ("key_start", "user", "created", "expiry")
    list_select_related = ("user",)
    search_fields = ("token_key", "user__username")
    fields = ("key_start", "user", "created", "expiry")
    readonly_fields = fields

    @admin.display(description="Key starts with")
    def key_start(self, obj):
        return f"{obj.token_key}..."

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# ---- signals (docs/signals.md) ------------------------------------------------------------------
@admin.register(Signal)
class SignalAdmin(ReadOnlyAdmin):
    """Signals are written by the decision pipeline only."""

    list_display = ("id", "received_at", "user", "account", "via", "source", "symbol", "action", "status")
    list_filter = ("status", "via", "action")
    search_fields = ("=id", "symbol", "source", "signal_id", "user__username")
    list_select_related = ("user", "account")
    date_hierarchy = "received_at"


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    """The journal is append-only: shown, never changed (its hash chain would show an edit)."""

    list_display = ("id", "time", "account", "signal", "source", "symbol", "outcome", "reason_code")
    list_filter = ("outcome", "reason_code")
    search_fields = ("=signal__id", "symbol", "source", "account__user__username")
    list_select_related = ("account",)
    date_hierarchy = "time"


@admin.register(ShadowTrade)
class ShadowTradeAdmin(ReadOnlyAdmin):
    list_display = ("id", "signal", "symbol", "side", "entry_price", "stop_loss", "status", "r_multiple")
    list_filter = ("status", "side")
    search_fields = ("=signal__id", "symbol")


class HookAttemptInline(ReadOnlyInline):
    model = HookAttempt
    fields = ("time", "remote_addr", "status", "code", "message", "signal")
    readonly_fields = fields


@admin.register(WebhookHook)
class WebhookHookAdmin(NoWrites, admin.ModelAdmin):
    """A token is created and shown only through the API; the admin may switch one off. Only the
    token's hint is shown: its digest and secret stay out of the page."""

    list_display = ("id", "name", "user", "account", "source", "token_hint", "active", "last_used_at")
    list_filter = ("active",)
    search_fields = ("name", "source", "token_hint", "user__username")
    list_select_related = ("user", "account")
    fields = (
        "name",
        "user",
        "account",
        "source",
        "token_hint",
        "allowed_ips",
        "max_signal_age_s",
        "rate_limit_per_minute",
        "active",
        "created_at",
        "rotated_at",
        "last_used_at",
    )
    readonly_fields = tuple(f for f in fields if f != "active")
    inlines = (HookAttemptInline,)

    def has_change_permission(self, request, obj=None):
        return admin.ModelAdmin.has_change_permission(self, request, obj)


@admin.register(SymbolAlias)
class SymbolAliasAdmin(admin.ModelAdmin):
    list_display = ("alias", "symbol", "user")
    search_fields = ("alias", "symbol", "user__username")
    list_select_related = ("user",)
