"""Persistence for accounts, tickets, fills and the ledger. No trading logic here (see
paper_trading/domain and engine.py); fills and ledger entries are immutable facts."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

PRICE = {"max_digits": 24, "decimal_places": 10}
MONEY = {"max_digits": 20, "decimal_places": 2}
LOTS = {"max_digits": 14, "decimal_places": 2}
PIPS = {"max_digits": 20, "decimal_places": 4}
PCT = {"max_digits": 7, "decimal_places": 3}


class ImmutableError(Exception):
    """Raised when code tries to change or delete a fact (fill, ledger entry)."""


class ImmutableModel(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ImmutableError(f"{type(self).__name__} rows are immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableError(f"{type(self).__name__} rows are immutable.")


class Account(models.Model):
    class Mode(models.TextChoices):
        HEDGING = "hedging"
        NETTING = "netting"
        NFA = "nfa"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="paper_accounts"
    )
    name = models.CharField(max_length=100, default="Paper account")
    currency = models.CharField(max_length=3, default="USD")
    initial_balance = models.DecimalField(**MONEY, default=Decimal("10000.00"))
    balance = models.DecimalField(**MONEY, default=Decimal("0.00"))
    leverage = models.PositiveIntegerField(default=100)
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.HEDGING)
    slippage_pips = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0"))
    commission_per_lot = models.DecimalField(**MONEY, default=Decimal("0"))
    commission_pct = models.DecimalField(max_digits=8, decimal_places=5, default=Decimal("0"))
    max_risk_per_trade_pct = models.DecimalField(**PCT, null=True, blank=True, default=Decimal("2"))
    max_portfolio_heat_pct = models.DecimalField(**PCT, null=True, blank=True, default=Decimal("10"))
    max_daily_loss_pct = models.DecimalField(**PCT, null=True, blank=True, default=Decimal("5"))
    auto_execute_signals = models.BooleanField(default=False)
    min_signal_confidence = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("75"))
    default_risk_pct = models.DecimalField(**PCT, default=Decimal("1"))
    # Signal decisions (docs/signals.md, The decision pipeline).
    min_signal_rr = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    max_signal_drift_pips = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="null: a quarter of the stop distance",
    )
    signal_confidence_table = models.JSONField(
        null=True, blank=True, help_text="[[from confidence, multiplier], ...]; null: the default table"
    )
    signal_symbols = models.JSONField(
        default=list, blank=True, help_text="symbols signals may trade; empty: all"
    )
    signal_sources = models.JSONField(
        default=list, blank=True, help_text="sources signals may come from; empty: all"
    )
    is_default = models.BooleanField(default=False)
    period = models.ForeignKey(
        "AccountPeriod",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The current period (denormalized: every order reads it under the account lock).",
    )
    margin_call = models.BooleanField(default=False)
    realized_today = models.DecimalField(**MONEY, default=Decimal("0"))
    realized_day = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(is_default=True), name="one_default_account"
            ),
        ]

    def __str__(self):
        return f"{self.name} #{self.pk} ({self.user})"

    @property
    def current_period(self):
        return self.period


class AccountPeriod(models.Model):
    """A stretch of an account's life between resets; history of old periods stays queryable."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="periods")
    number = models.PositiveIntegerField()
    initial_balance = models.DecimalField(**MONEY)
    final_balance = models.DecimalField(**MONEY, null=True, blank=True)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["account", "number"]
        constraints = [models.UniqueConstraint(fields=["account", "number"], name="unique_period_number")]

    def __str__(self):
        return f"{self.account_id}/{self.number}"


class PaperTrade(models.Model):
    """One ticket (docs/api.md, Listing and reading trades): pending -> open -> closed, or cancelled."""

    class Status(models.TextChoices):
        PENDING = "pending"
        OPEN = "open"
        CLOSED = "closed"
        CANCELLED = "cancelled"

    # No single-column indexes on user, account or updated_at: the composite indexes below lead
    # with them, and every order INSERT pays for each index on this table.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="paper_trades", db_index=False
    )
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="trades", db_index=False)
    period = models.ForeignKey(AccountPeriod, on_delete=models.CASCADE, related_name="trades")
    symbol = models.CharField(max_length=12)
    side = models.CharField(max_length=4)
    entry_type = models.CharField(max_length=10, default="market")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    lot_size = models.DecimalField(**LOTS)
    original_lot_size = models.DecimalField(**LOTS)
    price = models.DecimalField(**PRICE, null=True, blank=True)
    limit_price = models.DecimalField(**PRICE, null=True, blank=True)
    stop_triggered = models.BooleanField(default=False)
    time_in_force = models.CharField(max_length=3, default="GTC")
    expire_at = models.DateTimeField(null=True, blank=True)
    oco_with = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # NULL (not "") for "none", so the unique (account, client_order_id) constraint ignores it.
    client_order_id = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    client_order_hash = models.CharField(max_length=64, blank=True, default="")
    requested_price = models.DecimalField(**PRICE, null=True, blank=True)
    entry_price = models.DecimalField(**PRICE, null=True, blank=True)
    entry_time = models.DateTimeField(null=True, blank=True)
    stop_loss = models.DecimalField(**PRICE, null=True, blank=True)
    take_profit_1 = models.DecimalField(**PRICE, null=True, blank=True)
    take_profit_2 = models.DecimalField(**PRICE, null=True, blank=True)
    take_profit_3 = models.DecimalField(**PRICE, null=True, blank=True)
    tp_levels_hit = models.PositiveSmallIntegerField(default=0)
    breakeven_after_tp1 = models.BooleanField(default=False)
    trailing_stop_pips = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    trailing_stop_price = models.DecimalField(**PRICE, null=True, blank=True)
    exit_price = models.DecimalField(**PRICE, null=True, blank=True)
    exit_time = models.DateTimeField(null=True, blank=True)
    exit_reason = models.CharField(max_length=16, blank=True, default="")
    realized_pnl = models.DecimalField(**MONEY, default=Decimal("0"))
    profit_loss = models.DecimalField(**MONEY, default=Decimal("0"))
    pips_gained = models.DecimalField(**PIPS, default=Decimal("0"))
    commission = models.DecimalField(**MONEY, default=Decimal("0"))
    swap = models.DecimalField(**MONEY, default=Decimal("0"))
    margin = models.DecimalField(**PRICE, default=Decimal("0"))
    initial_risk = models.DecimalField(**PRICE, null=True, blank=True)
    last_swap_at = models.DateTimeField(null=True, blank=True)
    signal_id = models.CharField(max_length=100, blank=True, default="")
    signal_type = models.CharField(max_length=50, blank=True, default="")
    signal_source = models.CharField(max_length=100, blank=True, default="")
    notes = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["symbol", "status"], name="trade_symbol_status"),
            models.Index(fields=["account", "status"], name="trade_account_status"),
            models.Index(fields=["user", "status", "-created_at"], name="trade_user_status_created"),
            models.Index(fields=["symbol", "updated_at"], name="trade_symbol_updated"),
            models.Index(fields=["account", "exit_time"], name="trade_account_exit"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "client_order_id"],
                condition=Q(client_order_id__isnull=False),
                name="unique_client_order_id",
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.side} {self.lot_size} {self.symbol} ({self.status})"

    @property
    def pair(self):
        return self.symbol

    @property
    def order_type(self):
        return self.side


class Fill(ImmutableModel):
    """An execution: an entry or (partial) exit at a price. Positions are derived from these."""

    trade = models.ForeignKey(PaperTrade, on_delete=models.CASCADE, related_name="fills")
    # Indexed by fill_account_time, which leads with the account.
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="fills", db_index=False)
    kind = models.CharField(max_length=5)  # entry | exit
    side = models.CharField(max_length=4)
    lot_size = models.DecimalField(**LOTS)
    price = models.DecimalField(**PRICE)
    time = models.DateTimeField()
    reason = models.CharField(max_length=16)
    pnl = models.DecimalField(**MONEY, default=Decimal("0"))
    pips = models.DecimalField(**PIPS, default=Decimal("0"))
    commission = models.DecimalField(**MONEY, default=Decimal("0"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["time", "id"]
        indexes = [models.Index(fields=["account", "time"], name="fill_account_time")]

    def __str__(self):
        return f"{self.kind} {self.side} {self.lot_size} @ {self.price}"


class LedgerEntry(ImmutableModel):
    """A cash movement. Invariant: account.balance == sum(amount) over the current period."""

    class Kind(models.TextChoices):
        DEPOSIT = "deposit"
        PNL = "pnl"
        COMMISSION = "commission"
        SWAP = "swap"
        RESET = "reset"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="ledger")
    period = models.ForeignKey(AccountPeriod, on_delete=models.CASCADE, related_name="ledger")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    amount = models.DecimalField(**MONEY)
    balance_after = models.DecimalField(**MONEY)
    trade = models.ForeignKey(
        PaperTrade, on_delete=models.SET_NULL, null=True, blank=True, related_name="ledger"
    )
    note = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["account", "period", "created_at"], name="ledger_account_period")]
        verbose_name_plural = "ledger entries"

    def __str__(self):
        return f"{self.kind} {self.amount}"


class EquitySnapshot(models.Model):
    """Balance and equity at a moment; the equity curve and drawdown read these."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="snapshots")
    time = models.DateTimeField()
    balance = models.DecimalField(**MONEY)
    equity = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["time", "id"]
        indexes = [models.Index(fields=["account", "time"], name="snapshot_account_time")]

    def __str__(self):
        return f"{self.account_id} {self.time:%Y-%m-%d %H:%M} equity {self.equity}"


class PriceCache(models.Model):
    """Stored bars (and the last quote as a 'tick' row) for charts and the database fallback."""

    symbol = models.CharField(max_length=12)
    interval = models.CharField(max_length=4)
    time = models.DateTimeField()
    open = models.DecimalField(**PRICE)
    high = models.DecimalField(**PRICE)
    low = models.DecimalField(**PRICE)
    close = models.DecimalField(**PRICE)
    volume = models.DecimalField(max_digits=24, decimal_places=4, default=Decimal("0"))
    source = models.CharField(max_length=60, default="")  # e.g. "binance:BTCUSDT (USDT for USD)"
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["symbol", "interval", "time"]
        constraints = [models.UniqueConstraint(fields=["symbol", "interval", "time"], name="unique_bar")]
        verbose_name_plural = "price cache"

    def __str__(self):
        return f"{self.symbol} {self.interval} {self.time:%Y-%m-%d %H:%M}"


class PerformanceMetrics(models.Model):
    """One row per account and UTC day."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="daily_metrics")
    date = models.DateField()
    trades_closed = models.PositiveIntegerField(default=0)
    winning_trades = models.PositiveIntegerField(default=0)
    losing_trades = models.PositiveIntegerField(default=0)
    pnl = models.DecimalField(**MONEY, default=Decimal("0"))
    pips = models.DecimalField(**PIPS, default=Decimal("0"))
    balance = models.DecimalField(**MONEY, default=Decimal("0"))
    equity = models.DecimalField(**MONEY, default=Decimal("0"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["account", "-date"]
        constraints = [models.UniqueConstraint(fields=["account", "date"], name="unique_metrics_day")]
        verbose_name_plural = "performance metrics"

    def __str__(self):
        return f"{self.account_id} {self.date}: {self.pnl}"


class APIUsageTracker(models.Model):
    """Requests made to an outside provider per UTC day (budgets are counted here or in Redis)."""

    provider = models.CharField(max_length=30)
    date = models.DateField()
    requests = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    last_success = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    last_error_at = models.DateTimeField(null=True, blank=True)
    minute = models.DateTimeField(null=True, blank=True, help_text="The UTC minute `minute_requests` counts.")
    minute_requests = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-date", "provider"]
        constraints = [models.UniqueConstraint(fields=["provider", "date"], name="unique_usage_day")]

    def __str__(self):
        return f"{self.provider} {self.date}: {self.requests}"


class WorkerLease(models.Model):
    """Which price worker owns a symbol, until when (the lock without Redis)."""

    symbol = models.CharField(max_length=12, unique=True)
    owner = models.CharField(max_length=100)
    expires_at = models.DateTimeField()

    def __str__(self):
        return f"{self.symbol} -> {self.owner} until {self.expires_at:%H:%M:%S}"


# ---- signals (docs/signals.md) -----------------------------------------------------------------


class WebhookHook(models.Model):
    """A webhook token: the credential in `signals/webhook/{token}/`, bound to one account.

    Only the SHA-256 digest of the token is stored; the token itself is shown once, on create and
    on rotate. `secret` is the optional shared secret senders put in the body (compared in
    constant time) or sign with (Standard Webhooks), so it is kept as given."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhook_hooks")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="webhook_hooks")
    name = models.CharField(max_length=100)
    source = models.CharField(max_length=100, blank=True, default="", help_text="expected signal source")
    token_digest = models.CharField(max_length=64, unique=True)
    token_hint = models.CharField(
        max_length=8, help_text="the token's first characters, to tell tokens apart"
    )
    secret = models.CharField(max_length=200, blank=True, default="")
    allowed_ips = models.JSONField(default=list, blank=True, help_text="addresses or CIDR ranges; empty: any")
    max_signal_age_s = models.PositiveIntegerField(default=60)
    rate_limit_per_minute = models.PositiveIntegerField(default=30)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    rotated_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"{self.name} ({self.token_hint}...)"


class HookAttempt(models.Model):
    """One call to a webhook token, accepted or refused, for its owner to read (the newest 500)."""

    hook = models.ForeignKey(WebhookHook, on_delete=models.CASCADE, related_name="attempts")
    time = models.DateTimeField()
    remote_addr = models.CharField(max_length=45, blank=True, default="")
    accepted = models.BooleanField()
    status = models.PositiveSmallIntegerField()
    code = models.CharField(max_length=40, blank=True, default="")
    message = models.CharField(max_length=300, blank=True, default="")
    signal = models.ForeignKey("Signal", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    body = models.TextField(blank=True, default="", help_text="the body's first 2 KiB, secret removed")

    class Meta:
        ordering = ["-time", "-id"]
        indexes = [models.Index(fields=["hook", "-time"], name="attempt_hook_time")]

    def __str__(self):
        return f"{self.hook_id} {self.time:%H:%M:%S} {self.status} {self.code}"


class SymbolAlias(models.Model):
    """A user's own name for a symbol (`symbol_aliases/`), checked before the built-in resolver."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="symbol_aliases"
    )
    alias = models.CharField(max_length=40)
    symbol = models.CharField(max_length=12)

    class Meta:
        ordering = ["alias"]
        constraints = [models.UniqueConstraint(fields=["user", "alias"], name="unique_symbol_alias")]

    def __str__(self):
        return f"{self.alias} -> {self.symbol}"


class Signal(models.Model):
    """One trading signal as received (docs/signals.md): what it asked for and what became of it."""

    class Status(models.TextChoices):
        RECEIVED = "received"
        ALERTED = "alerted"
        EXECUTED = "executed"
        REJECTED = "rejected"
        SKIPPED = "skipped"
        EXPIRED = "expired"
        DISMISSED = "dismissed"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signals")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="signals")
    hook = models.ForeignKey(WebhookHook, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    dedupe_key = models.CharField(max_length=300)
    via = models.CharField(max_length=10, default="api", help_text="api or webhook")
    symbol = models.CharField(max_length=12)
    action = models.CharField(max_length=12)
    side = models.CharField(
        max_length=4, blank=True, default="", help_text="the side an opening action opens"
    )
    source = models.CharField(max_length=100, blank=True, default="")
    signal_type = models.CharField(max_length=50, blank=True, default="")
    signal_id = models.CharField(max_length=100, blank=True, default="")
    timeframe = models.CharField(max_length=10, blank=True, default="")
    entry_price = models.DecimalField(**PRICE, null=True, blank=True)
    stop_loss = models.DecimalField(**PRICE, null=True, blank=True)
    take_profit_1 = models.DecimalField(**PRICE, null=True, blank=True)
    take_profit_2 = models.DecimalField(**PRICE, null=True, blank=True)
    take_profit_3 = models.DecimalField(**PRICE, null=True, blank=True)
    confidence = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    lots = models.DecimalField(**LOTS, null=True, blank=True, help_text="the size the signal asked for")
    risk_pct = models.DecimalField(**PCT, null=True, blank=True)
    risk_amount = models.DecimalField(**MONEY, null=True, blank=True)
    notes = models.TextField(blank=True, default="")
    alert_time = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(help_text="given, or 120 s after receipt")
    received_at = models.DateTimeField()
    bid = models.DecimalField(**PRICE, null=True, blank=True, help_text="the quote at receipt")
    ask = models.DecimalField(**PRICE, null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    reasons = models.JSONField(default=list, blank=True)
    suggested_lots = models.DecimalField(**LOTS, null=True, blank=True)
    trade = models.ForeignKey(
        "PaperTrade", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    executed_at = models.DateTimeField(null=True, blank=True)
    payload = models.JSONField(default=dict, blank=True, help_text="the body as received, secret removed")

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "dedupe_key"], name="unique_signal_key")]
        indexes = [
            models.Index(fields=["user", "-received_at"], name="signal_user_time"),
            models.Index(fields=["account", "source"], name="signal_account_source"),
        ]

    def __str__(self):
        return f"{self.action} {self.symbol} ({self.source or 'no source'}) {self.status}"


class Decision(ImmutableModel):
    """The journal (docs/signals.md, The decision journal): every signal considered, what was
    decided and why. Append-only; `hash` chains each account's rows (sha256 of the previous hash
    and the canonical row), so an edited or removed row breaks `decisions/verify/`."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="decisions")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="decisions")
    signal = models.ForeignKey(
        Signal, on_delete=models.CASCADE, null=True, blank=True, related_name="decisions"
    )
    time = models.DateTimeField()
    source = models.CharField(max_length=100, blank=True, default="")
    symbol = models.CharField(max_length=12)
    inputs = models.JSONField(default=dict)
    checks = models.JSONField(default=list)
    outcome = models.CharField(max_length=10)
    reason_code = models.CharField(max_length=40, blank=True, default="")
    message = models.CharField(max_length=300, blank=True, default="")
    sizing = models.JSONField(default=dict, blank=True)
    trade = models.ForeignKey(
        "PaperTrade", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-time", "-id"]
        indexes = [models.Index(fields=["account", "id"], name="decision_account_id")]

    def __str__(self):
        return f"{self.time:%Y-%m-%d %H:%M:%S} {self.symbol} {self.outcome} {self.reason_code}"


class ShadowTrade(models.Model):
    """What a refused or skipped signal with a stop would have done, followed on the same ticks
    as real trades but never touching an account (docs/signals.md, Shadow outcomes)."""

    class Status(models.TextChoices):
        OPEN = "open"
        CLOSED = "closed"

    signal = models.OneToOneField(Signal, on_delete=models.CASCADE, related_name="shadow")
    symbol = models.CharField(max_length=12)
    side = models.CharField(max_length=4)
    entry_price = models.DecimalField(**PRICE)
    stop_loss = models.DecimalField(**PRICE)
    take_profit = models.DecimalField(**PRICE, null=True, blank=True)
    opened_at = models.DateTimeField()
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.OPEN)
    exit_price = models.DecimalField(**PRICE, null=True, blank=True)
    exit_reason = models.CharField(max_length=10, blank=True, default="")
    closed_at = models.DateTimeField(null=True, blank=True)
    r_multiple = models.DecimalField(max_digits=12, decimal_places=4, null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["symbol", "status"], name="shadow_symbol_status")]

    def __str__(self):
        return f"shadow {self.side} {self.symbol} {self.status}"
