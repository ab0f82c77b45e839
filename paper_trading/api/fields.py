"""Input fields that parse with the domain's rules (Decimal only, no NaN, no floats kept; ASCII
digits only; times that convert to UTC)."""

from datetime import UTC, datetime, timedelta

from django import forms
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..domain.errors import InvalidInput
from ..domain.numbers import DECIMAL_TEXT, WHOLE_TEXT, to_decimal

#: The widest zone offsets in use (UTC-12:00 to UTC+14:00). ISO 8601 allows up to 23:59, which
#: PostgreSQL refuses to bind.
MAX_UTC_OFFSET = timedelta(hours=14)


def to_utc(value: datetime) -> datetime | None:
    """An aware datetime in UTC (a time without a zone is taken as UTC), or None when its offset is
    beyond +-14:00 or it falls outside the years 1-9999 once in UTC (9999-12-31T23:59-14:00)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    if abs(value.utcoffset()) > MAX_UTC_OFFSET:
        return None
    try:
        return value.astimezone(UTC)
    except OverflowError:
        return None


@extend_schema_field({"type": "string", "format": "decimal", "example": "1.10450"})
class DecimalInput(serializers.Field):
    """Accepts a JSON string or number; stores a finite Decimal; null allowed when not required."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", not kwargs["required"])
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        try:
            return to_decimal(data, field=self.field_name)
        except InvalidInput as exc:
            raise serializers.ValidationError(exc.message) from None

    def get_default(self):
        """Defaults are written as strings ("0.01"); parse them like input so code gets a Decimal."""
        value = super().get_default()
        return None if value is None else self.to_internal_value(value)

    def to_representation(self, value):
        return None if value is None else str(value)


@extend_schema_field(OpenApiTypes.DATETIME)
class UTCDateTime(serializers.Field):
    """ISO 8601 as an aware UTC datetime; a time without a zone is taken as UTC."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str) or len(data) > 40:
            raise serializers.ValidationError("A datetime in ISO 8601 format is required.")
        try:
            value = parse_datetime(data.strip().replace("Z", "+00:00"))
        except ValueError:
            value = None
        if value is None:
            raise serializers.ValidationError("A datetime in ISO 8601 format is required.")
        value = to_utc(value)
        if value is None:
            raise serializers.ValidationError("The time is out of range (zone offsets go to +-14:00).")
        return value

    def to_representation(self, value):
        return value.isoformat() if value else None


@extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string", "format": "date-time"}]})
class UnixOrISOTime(UTCDateTime):
    """UNIX seconds (as bars carry them in `time`) or ISO 8601, as an aware UTC datetime."""

    def to_internal_value(self, data):
        text = data.strip() if isinstance(data, str) else data
        if (
            isinstance(text, str)
            and WHOLE_TEXT.fullmatch(text)
            or isinstance(text, int)
            and not isinstance(text, bool)
        ):
            seconds = int(text)
            if not 0 <= seconds <= MAX_UNIX_SECONDS:
                raise serializers.ValidationError(
                    "UNIX seconds between 0 and 253402300799 (year 9999) are required."
                )
            return datetime.fromtimestamp(seconds, tz=UTC)
        return super().to_internal_value(data)


MAX_UNIX_SECONDS = 253_402_300_799  # 9999-12-31T23:59:59Z

#: The largest id a row can have (every model's key is a BigAutoField, a signed 64-bit integer).
MAX_ID = 2**63 - 1


class WholeNumber(serializers.IntegerField):
    """DRF's IntegerField, except that text must be ASCII digits with one sign: int() would also
    read "1_0" as 10 and Arabic-Indic or full-width digits."""

    def to_internal_value(self, data):
        if isinstance(data, str) and not WHOLE_TEXT.fullmatch(data.strip()):
            self.fail("invalid")
        return super().to_internal_value(data)


class ObjectId(WholeNumber):
    """The id of a row named in a body (`account`, `oco_with`): a positive 64-bit integer, so a
    number no key can have is refused as input instead of reaching the database."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)


# Query-string fields (django-filter builds its filters on Django form fields).


class WholeNumberFormField(forms.IntegerField):
    """Django's IntegerField with ASCII digits only (see WholeNumber)."""

    def to_python(self, value):
        if isinstance(value, str) and value.strip() and not WHOLE_TEXT.fullmatch(value.strip()):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class DecimalFormField(forms.DecimalField):
    """Django's DecimalField with ASCII digits, one sign and one point only."""

    def to_python(self, value):
        if isinstance(value, str) and value.strip() and not DECIMAL_TEXT.fullmatch(value.strip()):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class UTCDateTimeFormField(forms.DateTimeField):
    """An ISO 8601 time in a query string (`from`, `to`) as an aware UTC datetime, with the
    bounds of UTCDateTime: an offset beyond +-14:00 or a time that overflows in UTC is a 400."""

    def to_python(self, value):
        if isinstance(value, str) and value.strip():
            text = value.strip().replace("Z", "+00:00")
            try:
                parsed = parse_datetime(text) if len(text) <= 40 else None
            except ValueError:
                parsed = None
            if parsed is None:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            parsed = to_utc(parsed)
            if parsed is None:
                raise forms.ValidationError(
                    "The time is out of range (zone offsets go to +-14:00).", code="invalid"
                )
            return parsed
        return super().to_python(value)


class SymbolName(serializers.CharField):
    """A symbol of the registry, in its canonical spelling (unknown: a validation error)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        from ..domain.instruments import get_instrument

        text = super().to_internal_value(data)
        try:
            return get_instrument(text).symbol
        except InvalidInput as exc:
            raise serializers.ValidationError(exc.message) from None


@extend_schema_field(
    {
        "type": "array",
        "nullable": True,
        "items": {
            "type": "object",
            "properties": {"from": {"type": "string"}, "multiplier": {"type": "string"}},
            "required": ["from", "multiplier"],
        },
    }
)
class ConfidenceTable(serializers.Field):
    """An account's confidence table (docs/signals.md, Sizing): `[{from, multiplier}, ...]`,
    stored as given once the domain has checked it; null: the default table."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        from ..domain.signals import confidence_table, confidence_table_json

        try:
            return confidence_table_json(confidence_table(data))
        except InvalidInput as exc:
            raise serializers.ValidationError(exc.message) from None

    def to_representation(self, value):
        return value
