"""Input serializers of the signal endpoints (docs/signals.md): each checks a body's shape and
builds the typed request its service takes."""

from __future__ import annotations

import ipaddress

from rest_framework import serializers

from ..services.hooks import HookSettings
from .fields import DecimalInput, ObjectId, SymbolName, WholeNumber
from .serializers import StrictSerializer


class HookSerializer(StrictSerializer):
    """`POST hooks/` (and, every field optional, `PATCH hooks/{id}/`)."""

    name = serializers.CharField(max_length=100)
    account = ObjectId(required=False)
    source = serializers.CharField(max_length=100, required=False, allow_blank=True)
    secret = serializers.CharField(max_length=200, required=False, allow_blank=True, trim_whitespace=False)
    allowed_ips = serializers.ListField(
        child=serializers.CharField(max_length=64),
        max_length=50,
        required=False,
        help_text="IPs or CIDR ranges",
    )
    use_tradingview_ips = serializers.BooleanField(
        required=False, help_text="set allowed_ips to TradingView's published webhook addresses"
    )
    max_signal_age_s = WholeNumber(min_value=1, max_value=86400, required=False)
    rate_limit_per_minute = WholeNumber(min_value=1, max_value=600, required=False)
    active = serializers.BooleanField(required=False)

    def __init__(self, *args, partial_update: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if partial_update:
            self.fields["name"].required = False

    def validate_allowed_ips(self, value):
        for item in value:
            try:
                ipaddress.ip_network(item.strip(), strict=False)
            except ValueError:
                raise serializers.ValidationError(f"{item!r} is not an IP address or CIDR range.") from None
        return [item.strip() for item in value]

    def to_request(self, *, tradingview_ips=()) -> HookSettings:
        data = dict(self.validated_data)
        if data.pop("use_tradingview_ips", False):
            data["allowed_ips"] = list(tradingview_ips)
        if "account" in data:
            data["account_id"] = data.pop("account")
        return HookSettings(**data)


class NewSymbolAliasSerializer(StrictSerializer):
    alias = serializers.CharField(max_length=40)
    symbol = SymbolName()

    def validate_alias(self, value):
        return value.strip().upper()


class ExecuteSignalSerializer(StrictSerializer):
    lot_size = DecimalInput(help_text="default: sized from the account's risk settings and the confidence")


class SignalBody(serializers.Serializer):
    """What `POST signals/` and the webhook accept as JSON (docs/signals.md, Bodies); the same
    body may come as text/plain, or as a one-line `buy EURUSD sl=1.0950 tp=1.1100 risk=1`."""

    symbol = serializers.CharField(required=False, help_text="alias: pair, ticker")
    action = serializers.CharField(
        required=False,
        help_text="buy, sell, long, short, close, close_long, close_short, flat, reverse, cancel, modify",
    )
    direction = serializers.CharField(required=False, help_text="alias of action for opening actions")
    entry_price = serializers.CharField(required=False, help_text="alias: price")
    stop_loss = serializers.CharField(required=False, help_text="alias: sl")
    take_profit_1 = serializers.CharField(required=False, help_text="alias: tp")
    take_profit_2 = serializers.CharField(required=False)
    take_profit_3 = serializers.CharField(required=False)
    sl_pips = serializers.CharField(required=False)
    tp1_pips = serializers.CharField(required=False)
    tp2_pips = serializers.CharField(required=False)
    tp3_pips = serializers.CharField(required=False)
    lots = serializers.CharField(required=False)
    risk_pct = serializers.CharField(required=False)
    risk_amount = serializers.CharField(required=False)
    confidence = serializers.CharField(required=False, help_text="0-1 or 0-100")
    type = serializers.CharField(required=False)
    source = serializers.CharField(required=False)
    signal_id = serializers.CharField(required=False)
    idempotency_key = serializers.CharField(required=False)
    timeframe = serializers.CharField(required=False)
    alert_time = serializers.CharField(required=False, help_text="ISO 8601 or UNIX seconds/milliseconds")
    expires_at = serializers.CharField(required=False)
    notes = serializers.CharField(required=False, help_text="alias: comment")
    account = serializers.IntegerField(required=False)
    secret = serializers.CharField(required=False, help_text="the webhook token's secret, when it has one")
    market_position = serializers.CharField(required=False, help_text="TradingView: long, short or flat")
    prev_market_position = serializers.CharField(required=False)
