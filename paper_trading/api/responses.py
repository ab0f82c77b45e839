"""Response shapes for the OpenAPI schema, and the error responses every operation can give.

The bodies' own shapes are declared once, as field specs in `paper_trading.representations`
(which renders them for REST and WebSocket alike); the serializers here are built from those
specs, so the schema says what a client really gets. The fuzzing test
(tests/api/test_schemathesis.py) checks every response against them."""

from rest_framework import serializers

from paper_trading import representations as shapes
from paper_trading.domain.instruments import REGISTRY
from paper_trading.shapes import BOOL, INT, LIST, MAP, NUMBER, OBJECT, TIME, Field, Kind, Shape

Text = serializers.CharField


def _text(**kwargs):
    return Text(allow_null=True, **kwargs)


def _field(spec: Field | Kind, **options) -> serializers.Field:
    """The schema field of a spec field (or of a list's item kind)."""
    kind = spec.kind if isinstance(spec, Field) else spec
    if isinstance(spec, Field):
        if spec.null:
            options["allow_null"] = True
        if not spec.required:
            options["required"] = False
        if spec.help_text:
            options["help_text"] = spec.help_text
        if isinstance(spec.of, Shape):
            nested = serializer(spec.of)
            if kind is MAP:
                return serializers.DictField(child=nested(), **options)
            if kind is OBJECT:
                return nested(**options)
            return nested(many=True, **options)
        if kind is LIST:
            return serializers.ListField(child=_field(spec.of), **options)
        if spec.choices:
            return serializers.ChoiceField(spec.choices, **options)
        if spec.blank:
            options["allow_blank"] = True
    if kind is INT:
        return serializers.IntegerField(**options)
    if kind is BOOL:
        return serializers.BooleanField(**options)
    if kind is NUMBER:
        return serializers.FloatField(**options)
    if kind is TIME:
        return serializers.DateTimeField(**options)
    if kind is MAP:
        return serializers.DictField(**options)
    return Text(**options)


_SERIALIZERS: dict[str, type[serializers.Serializer]] = {}


def serializer(shape: Shape) -> type[serializers.Serializer]:
    """The schema serializer of a shape (one class per shape: its name is the component's)."""
    if shape.name not in _SERIALIZERS:
        attrs = {f.name: _field(f) for f in shape.all_fields}
        attrs["__doc__"] = shape.doc or None
        attrs["__module__"] = __name__
        _SERIALIZERS[shape.name] = type(shape.name, (serializers.Serializer,), attrs)
    return _SERIALIZERS[shape.name]


Fill = serializer(shapes.FILL)
Trade = serializer(shapes.TRADE)
Account = serializer(shapes.ACCOUNT)
LedgerEntry = serializer(shapes.LEDGER_ENTRY)
AccountPeriod = serializer(shapes.PERIOD)
EquityPoint = serializer(shapes.EQUITY_POINT)
Performance = serializer(shapes.PERFORMANCE)
Quote = serializer(shapes.QUOTE)
TickResult = serializer(shapes.TICK_RESULT)
Signal = serializer(shapes.SIGNAL)
Decision = serializer(shapes.DECISION)
WebhookToken = serializer(shapes.HOOK)
WebhookAttempt = serializer(shapes.HOOK_ATTEMPT)
SymbolAlias = serializer(shapes.SYMBOL_ALIAS)
Scorecard = serializer(shapes.SCORECARDS)
JournalCheck = serializer(shapes.JOURNAL_CHECK)


# An instrument's body is `Instrument.as_dict()` (docs/domain.md, Instruments) plus the two lists:
# its schema follows from one registry row, so the two cannot drift apart.
_INSTRUMENT_ROW = next(iter(REGISTRY.values())).as_dict()
Instrument = type(
    "Instrument",
    (serializers.Serializer,),
    {
        "__module__": __name__,
        **{
            k: serializers.IntegerField() if isinstance(v, int) else Text()
            for k, v in _INSTRUMENT_ROW.items()
        },
        "providers": serializers.ListField(
            child=Text(), help_text="live providers carrying it, in priority order"
        ),
        "feeds": serializers.ListField(child=Text(), help_text="offline feeds (every symbol)"),
    },
)


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
    held_quotes = serializers.IntegerField(help_text="quotes of this provider the spike hold kept back today")


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
