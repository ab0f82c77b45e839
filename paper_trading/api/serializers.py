"""Input shapes. Views validate with these, take the typed request a serializer builds
(`to_request()`), pass it to one service, and render with `paper_trading.representations`
(the same dicts the WebSocket events carry)."""

from datetime import timedelta

from django.utils import timezone
from rest_framework import serializers

from ..domain.errors import InvalidInput
from ..domain.instruments import get_instrument
from ..domain.requests import (
    CloseRequest,
    ModifyRequest,
    OrderRequest,
    close_request,
    modify_request,
    order_request,
)
from ..fast_path import ReusedFields
from ..services.accounts import AccountSettings, account_settings
from .fields import ConfidenceTable, DecimalInput, ObjectId, SymbolName, UTCDateTime, WholeNumber

MAX_CLOCK_SKEW = timedelta(seconds=60)
SIDES = ["buy", "sell", "BUY", "SELL", "Buy", "Sell", "long", "short", "LONG", "SHORT"]


def _symbol(attrs: dict, *names: str) -> str:
    for name in names:
        value = attrs.pop(name, None)
        if value:
            try:
                return get_instrument(value).symbol
            except InvalidInput as exc:
                raise serializers.ValidationError({name: [exc.message]}) from None
    raise serializers.ValidationError({names[0]: ["This field is required."]})


class StrictSerializer(serializers.Serializer):
    """Refuses a body that is not a JSON object, and fields it does not know."""

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": ["Expected a JSON object."]})
        unknown = set(data) - set(self.fields)
        if unknown:
            raise serializers.ValidationError({name: ["Unknown field."] for name in sorted(unknown)})
        return super().to_internal_value(data)


class ProtectionFields(StrictSerializer):
    stop_loss = DecimalInput()
    take_profit_1 = DecimalInput()
    take_profit_2 = DecimalInput()
    take_profit_3 = DecimalInput()
    trailing_stop_pips = DecimalInput()
    breakeven_after_tp1 = serializers.BooleanField(required=False, default=False)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    client_order_id = serializers.CharField(required=False, allow_null=True, max_length=64)
    account = ObjectId()
    signal_id = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=100)
    signal_type = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=50)
    signal_source = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=100)

    def to_request(self) -> OrderRequest:
        """The order, through the mapping the Python API uses too (`domain.requests.order_request`);
        the wire names map onto its fields by `source`."""
        fields = dict(self.validated_data)
        fields.pop("account", None)
        return order_request(fields)

    @property
    def account_id(self) -> int | None:
        return self.validated_data.get("account")


class ExecuteSerializer(ReusedFields, ProtectionFields):
    """POST trades/execute/ (docs/api.md, Market orders)."""

    pair = serializers.CharField(required=False, max_length=20)
    symbol = serializers.CharField(required=False, max_length=20)
    order_type = serializers.ChoiceField(choices=SIDES, source="side")
    lot_size = DecimalInput(default="0.01")
    entry_price = DecimalInput(source="requested_price")
    max_deviation_pips = DecimalInput()

    def validate(self, attrs):
        attrs["symbol"] = _symbol(attrs, "pair", "symbol")
        return attrs


class OrderSerializer(ReusedFields, ProtectionFields):
    """POST orders/ (docs/api.md, Entry orders)."""

    symbol = serializers.CharField(required=False, max_length=20)
    pair = serializers.CharField(required=False, max_length=20)
    side = serializers.ChoiceField(choices=SIDES)
    type = serializers.ChoiceField(
        choices=["market", "limit", "stop", "stop_limit"], default="market", source="entry_type"
    )
    lot_size = DecimalInput(default="0.01")
    price = DecimalInput()
    limit_price = DecimalInput()
    time_in_force = serializers.ChoiceField(choices=["GTC", "DAY", "GTD", "IOC", "FOK"], default="GTC")
    expire_at = UTCDateTime()
    oco_with = ObjectId()
    entry_price = DecimalInput(source="requested_price")
    max_deviation_pips = DecimalInput()

    def validate(self, attrs):
        attrs["symbol"] = _symbol(attrs, "symbol", "pair")
        return attrs


class ModifySerializer(StrictSerializer):
    """PATCH trades/{id}/: only protective levels, notes, and price/expiry of a pending order."""

    stop_loss = DecimalInput()
    take_profit_1 = DecimalInput()
    take_profit_2 = DecimalInput()
    take_profit_3 = DecimalInput()
    trailing_stop_pips = DecimalInput()
    breakeven_after_tp1 = serializers.BooleanField(required=False)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    price = DecimalInput()
    expire_at = UTCDateTime()

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError({"non_field_errors": ["Nothing to change."]})
        return attrs

    def to_request(self) -> ModifyRequest:
        return modify_request(self.validated_data)


class CloseSerializer(StrictSerializer):
    # POST trades/{id}/close/: all of the trade, or `lot_size` of it (a docstring would enter the schema).
    lot_size = DecimalInput()
    exit_price = DecimalInput()
    max_deviation_pips = DecimalInput()

    def to_request(self) -> CloseRequest:
        return close_request(self.validated_data)


class CloseAllSerializer(StrictSerializer):
    # POST trades/close_all/: every open trade of `account` (default: the default one), or of `symbol` only.
    account = ObjectId()
    symbol = SymbolName(required=False)


class AccountCreateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=100, default="Paper account")
    currency = serializers.ChoiceField(
        choices=["USD", "EUR", "GBP", "JPY", "CHF", "CAD", "AUD"], default="USD"
    )
    initial_balance = DecimalInput(default="10000.00", allow_null=False)
    leverage = WholeNumber(min_value=1, max_value=1000, default=100)
    mode = serializers.ChoiceField(choices=["hedging", "netting", "nfa"], default="hedging")
    slippage_pips = DecimalInput(default="0", allow_null=False)
    commission_per_lot = DecimalInput(default="0", allow_null=False)
    commission_pct = DecimalInput(default="0", allow_null=False)
    max_risk_per_trade_pct = DecimalInput(default="2")
    max_portfolio_heat_pct = DecimalInput(default="10")
    max_daily_loss_pct = DecimalInput(default="5")
    auto_execute_signals = serializers.BooleanField(default=False)
    min_signal_confidence = DecimalInput(default="75", allow_null=False)
    default_risk_pct = DecimalInput(default="1", allow_null=False)
    min_signal_rr = DecimalInput(default=None)
    max_signal_drift_pips = DecimalInput(default=None)
    signal_confidence_table = ConfidenceTable(default=None)
    signal_symbols = serializers.ListField(child=SymbolName(), max_length=100, default=list)
    signal_sources = serializers.ListField(
        child=serializers.CharField(max_length=100), max_length=100, default=list
    )

    def validate(self, attrs):
        bounds = {
            "min_signal_rr": ("0.01", "100"),
            "max_signal_drift_pips": ("0", "10000"),
            "initial_balance": ("0.01", "1000000000"),
            "slippage_pips": ("0", "1000"),
            "commission_per_lot": ("0", "1000"),
            "commission_pct": ("0", "10"),
            "max_risk_per_trade_pct": ("0.01", "100"),
            "max_portfolio_heat_pct": ("0.01", "100"),
            "max_daily_loss_pct": ("0.01", "100"),
            "min_signal_confidence": ("0", "100"),
            "default_risk_pct": ("0.01", "100"),
        }
        from decimal import Decimal

        errors = {}
        for name, (low, high) in bounds.items():
            value = attrs.get(name)
            if value is not None and not Decimal(low) <= value <= Decimal(high):
                errors[name] = [f"Must be between {low} and {high}."]
            elif value is not None and name == "initial_balance" and value != value.quantize(Decimal("0.01")):
                errors[name] = ["At most two decimal places."]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def to_request(self) -> AccountSettings:
        return account_settings(self.validated_data)


class AccountUpdateSerializer(AccountCreateSerializer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("currency", "initial_balance"):
            self.fields.pop(name)
        for f in self.fields.values():
            f.required = False
            f.default = serializers.empty

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError({"non_field_errors": ["Nothing to change."]})
        return super().validate(attrs)

    def to_request(self) -> AccountSettings:
        return account_settings(self.validated_data, changes=True)


class ResetSerializer(StrictSerializer):
    initial_balance = DecimalInput()

    def validate(self, attrs):
        """The same bounds as a new account's initial balance: cents, 0.01 to 1e9."""
        from decimal import Decimal

        value = attrs.get("initial_balance")
        if value is not None and not (
            Decimal("0.01") <= value <= Decimal("1000000000") and value == value.quantize(Decimal("0.01"))
        ):
            raise serializers.ValidationError(
                {"initial_balance": ["Must be between 0.01 and 1000000000 with at most two decimal places."]}
            )
        return attrs


class TickSerializer(StrictSerializer):
    symbol = serializers.CharField(max_length=20)
    bid = DecimalInput(required=True)
    ask = DecimalInput(required=True)
    time = UTCDateTime()

    def validate(self, attrs):
        try:
            attrs["symbol"] = get_instrument(attrs["symbol"]).symbol
        except InvalidInput as exc:
            raise serializers.ValidationError({"symbol": [exc.message]}) from None
        if attrs["bid"] <= 0 or attrs["ask"] <= 0:
            raise serializers.ValidationError({"bid": ["Prices must be positive."]})
        if attrs["bid"] > attrs["ask"]:
            raise serializers.ValidationError({"bid": ["Bid must not be above ask."]})
        outside = get_instrument(attrs["symbol"]).price_bounds_error(attrs["bid"], attrs["ask"])
        if outside is not None:
            raise serializers.ValidationError({outside[0]: [outside[1]]})
        time = attrs.get("time")
        if time is not None and time > timezone.now() + MAX_CLOCK_SKEW:
            raise serializers.ValidationError({"time": ["A tick cannot come from the future."]})
        return attrs
