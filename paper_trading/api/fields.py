"""Input fields that parse with the domain's rules (Decimal only, no NaN, no floats kept)."""

from datetime import UTC

from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..domain.errors import InvalidInput
from ..domain.numbers import to_decimal


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
    """ISO 8601; a time without a zone is taken as UTC."""

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
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    def to_representation(self, value):
        return value.isoformat() if value else None


#: The largest id a row can have (every model's key is a BigAutoField, a signed 64-bit integer).
MAX_ID = 2**63 - 1


class ObjectId(serializers.IntegerField):
    """The id of a row named in a body (`account`, `oco_with`): a positive 64-bit integer, so a
    number no key can have is refused as input instead of reaching the database."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)
