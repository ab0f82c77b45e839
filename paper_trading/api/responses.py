"""Response shapes for the OpenAPI schema, and the error responses every operation can give.

Bodies are built as plain dicts by `paper_trading.representations` and the views (the REST body
and the WebSocket payload are one object); these serializers only describe them, so the schema
says what a client really gets. The fuzzing test (tests/api/test_schemathesis.py) checks every
response against them."""

from rest_framework import serializers

from paper_trading import models

Text = serializers.CharField


def _text(**kwargs):
    return Text(allow_null=True, **kwargs)


# The values a body really carries, so the schema (and the dashboard's generated types) can
# say which: the request side accepts more spellings (SideEnum), an answer only these.
SIDES = ("buy", "sell")
ENTRY_TYPES = ("market", "limit", "stop", "stop_limit")


class Fill(serializers.Serializer):
    id = serializers.IntegerField()
    kind = Text()
    side = serializers.ChoiceField(SIDES)
    lot_size = Text()
    price = _text()
    time = serializers.DateTimeField()
    reason = Text(allow_blank=True)
    pnl = Text()
    pips = Text()
    commission = Text()


class Trade(serializers.Serializer):
    """A ticket: an order while pending, a position once filled (representations.trade_dict)."""

    id = serializers.IntegerField()
    account = serializers.IntegerField()
    pair = Text()
    symbol = Text()
    order_type = serializers.ChoiceField(SIDES, help_text="buy or sell (also as `side`)")
    side = serializers.ChoiceField(SIDES)
    entry_type = serializers.ChoiceField(ENTRY_TYPES)
    status = serializers.ChoiceField(models.PaperTrade.Status.values)
    lot_size = Text()
    original_lot_size = Text()
    price = _text()
    limit_price = _text()
    time_in_force = Text()
    expire_at = serializers.DateTimeField(allow_null=True)
    oco_with = serializers.IntegerField(allow_null=True)
    client_order_id = _text()
    requested_price = _text()
    entry_price = _text()
    stop_loss = _text()
    take_profit_1 = _text()
    take_profit_2 = _text()
    take_profit_3 = _text()
    tp_levels_hit = serializers.IntegerField()
    breakeven_after_tp1 = serializers.BooleanField()
    trailing_stop_pips = _text()
    trailing_stop_price = _text()
    entry_time = serializers.DateTimeField(allow_null=True)
    exit_time = serializers.DateTimeField(allow_null=True)
    exit_price = _text()
    exit_reason = _text()
    pips_gained = Text()
    profit_loss = Text()
    realized_pnl = Text()
    commission = Text()
    swap = Text()
    risk_reward_ratio = _text()
    r_multiple = _text()
    signal_id = _text()
    signal_type = _text()
    signal_source = _text()
    notes = Text(allow_blank=True)
    created_at = serializers.DateTimeField()
    fills = Fill(many=True)
    current_price = _text(required=False, help_text="open trades only; null without a quote")
    unrealized_pips = _text(required=False, help_text="open trades only")
    unrealized_pnl = _text(required=False, help_text="open trades only")


class Account(serializers.Serializer):
    id = serializers.IntegerField()
    name = Text(allow_blank=True)
    currency = Text()
    initial_balance = Text()
    balance = Text()
    equity = _text()
    unrealized_pnl = _text()
    margin_used = _text()
    free_margin = _text()
    margin_level = _text()
    leverage = serializers.IntegerField()
    mode = serializers.ChoiceField(models.Account.Mode.values)
    slippage_pips = Text()
    commission_per_lot = Text()
    commission_pct = _text()
    max_risk_per_trade_pct = _text()
    max_portfolio_heat_pct = _text()
    max_daily_loss_pct = _text()
    auto_execute_signals = serializers.BooleanField()
    min_signal_confidence = _text()
    default_risk_pct = _text()
    is_default = serializers.BooleanField()
    margin_call = serializers.BooleanField()
    period = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()


class Breakdown(serializers.Serializer):
    trades = serializers.IntegerField()
    wins = serializers.IntegerField()
    win_rate = _text()
    pnl = Text()
    pips = Text()


class Performance(serializers.Serializer):
    """GET trades/performance/ (docs/api.md, Reports); decimals as strings, null when undefined."""

    total_trades = serializers.IntegerField()
    winning_trades = serializers.IntegerField()
    losing_trades = serializers.IntegerField()
    breakeven_trades = serializers.IntegerField()
    win_rate = _text()
    total_pips = Text()
    total_pnl = Text()
    gross_profit = Text()
    gross_loss = Text()
    profit_factor = _text()
    expectancy = _text()
    avg_win = _text()
    avg_loss = _text()
    avg_rr = _text()
    avg_r_multiple = _text()
    max_drawdown = _text()
    max_drawdown_pct = _text()
    sharpe = _text()
    sortino = _text()
    best_trade = _text()
    worst_trade = _text()
    avg_holding_seconds = serializers.IntegerField(allow_null=True)
    max_consecutive_losses = serializers.IntegerField()
    current_balance = Text()
    equity = Text()
    by_symbol = serializers.DictField(child=Breakdown())
    by_source = serializers.DictField(child=Breakdown())
    account = serializers.IntegerField()
    days = serializers.IntegerField()


class EquityPoint(serializers.Serializer):
    time = serializers.DateTimeField()
    balance = Text()
    equity = Text()


class Instrument(serializers.Serializer):
    symbol = Text()
    description = Text()
    asset_class = Text()
    base_currency = Text()
    quote_currency = Text()
    pip_size = Text()
    digits = serializers.IntegerField()
    contract_size = Text()
    min_lot = Text()
    lot_step = Text()
    max_lot = Text()
    default_spread_pips = Text()
    max_leverage = serializers.IntegerField()
    swap_long = Text()
    swap_short = Text()
    providers = serializers.ListField(child=Text(), help_text="live providers carrying it, in priority order")
    feeds = serializers.ListField(child=Text(), help_text="offline feeds (every symbol)")


class Quote(serializers.Serializer):
    symbol = Text()
    bid = Text()
    ask = Text()
    mid = Text()
    spread_pips = Text()
    time = serializers.DateTimeField()
    source = Text()
    stale = serializers.BooleanField()
    age_seconds = serializers.FloatField()


class Triggered(serializers.Serializer):
    trade = serializers.IntegerField(allow_null=True)
    event = Text()
    reason = _text()
    account = serializers.IntegerField()


class TickResult(serializers.Serializer):
    symbol = Text()
    bid = Text()
    ask = Text()
    time = serializers.DateTimeField()
    triggered = Triggered(many=True)


class TickResults(serializers.Serializer):
    results = TickResult(many=True)


class Provider(serializers.Serializer):
    name = Text()
    configured = serializers.BooleanField()
    priority = serializers.IntegerField()
    requests_today = serializers.IntegerField()
    daily_limit = serializers.IntegerField(allow_null=True)
    per_minute_limit = serializers.IntegerField(allow_null=True)
    last_success = serializers.DateTimeField(allow_null=True)
    last_error = _text(allow_blank=True)
    state = Text()


class Providers(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    feed = Text()
    results = Provider(many=True)


class SessionUser(serializers.Serializer):
    id = serializers.IntegerField()
    username = Text()
    is_staff = serializers.BooleanField()


class Session(serializers.Serializer):
    authenticated = serializers.BooleanField()
    user = SessionUser(required=False, help_text="present when signed in")


# The errors each operation can answer, besides the ones its view documents itself: 401 wherever a
# token is read, 403 for a refused CSRF check on unsafe methods (session callers) and staff-only
# ticks, 404 for ids and pages beyond the last, 409/422 for the engine's refusals.
READ = ("400", "401", "404", "429", "503")
WRITE = ("400", "401", "403", "404", "409", "415", "422", "429", "503")
OPEN = {"/api/auth/token/", "/api/auth/session/", "/api/auth/login/", "/api/auth/logout/"}
DESCRIPTIONS = {
    "400": "Invalid input (`validation_error`, `parse_error`)",
    "401": "No credentials or a bad token",
    "403": "Not allowed (staff only, or a refused CSRF check)",
    "404": "Not found, or not yours",
    "409": "State conflict",
    "415": "The body is not JSON",
    "422": "Refused by the trading rules",
    "429": "Throttled",
    "503": "No price, or the database or cache is unavailable",
}


def add_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: every operation documents its 4xx/503 answers with
    the one error body (`Error`), so a client and the fuzzing test know what to expect."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault(
        "Error",
        {
            "description": "Every error: branch on `code`; `errors` (by field) on validation errors.",
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "errors": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
            "required": ["code", "message"],
        },
    )
    body = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            codes = READ if method in ("get", "head") else WRITE
            if path in OPEN:
                codes = tuple(c for c in codes if c not in ("404", "409", "422"))
            for code in codes:
                operation["responses"].setdefault(code, {"content": body, "description": DESCRIPTIONS[code]})
    return result
