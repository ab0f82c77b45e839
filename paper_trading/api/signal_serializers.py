"""Input serializers of the signal endpoints (docs/signals.md): each checks a body's shape and
builds the typed request its service takes."""

from __future__ import annotations

import ipaddress

from rest_framework import serializers

from ..domain import signals as sig
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


_HELP = {
    "action": "buy, sell, long, short, close, close_long, close_short, flat, reverse, cancel, modify",
    "direction": "alias of action for opening actions; a reverse's new side",
    "confidence": "0-1 or 0-100",
    "alert_time": "ISO 8601 or UNIX seconds/milliseconds",
    "secret": "the webhook token's secret, when it has one",
    "market_position": "TradingView: long, short or flat (with prev_market_position: open, close or reverse)",
}


def _body_field(name: str) -> serializers.Field:
    aliases = sorted(alias for alias, target in sig.ALIASES.items() if target == name)
    help_text = "; ".join(filter(None, [_HELP.get(name), f"alias: {', '.join(aliases)}" if aliases else ""]))
    kind = serializers.IntegerField if name == "account" else serializers.CharField
    return kind(required=False, help_text=help_text or None)


#: What `POST signals/` and the webhook accept as JSON (docs/signals.md, Bodies), for the schema;
#: the domain reads the body (`domain.signals.parse_signal`), so these follow its field list.
SignalBody = type(
    "SignalBody",
    (serializers.Serializer,),
    {
        "__doc__": "A signal as JSON; the same body may come as text/plain, or as a one-line "
        "`buy EURUSD sl=1.0950 tp=1.1100 risk=1`.",
        "__module__": __name__,
        **{name: _body_field(name) for name in sig.BODY_FIELDS},
    },
)
