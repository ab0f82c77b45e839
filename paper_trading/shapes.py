"""Field specs: a body's shape declared once, as field name -> how its value is rendered + its
OpenAPI type (docs/api.md, Where shapes are declared).

`Shape.render` is a plain function compiled from the spec (the way `dataclasses` writes
`__init__`): one dict literal, as fast as one written by hand, for the order path that renders
trades per order. `api.responses` builds the schema serializers from the same spec, so the REST
body, the WebSocket payload, the CSV columns and the generated TypeScript types cannot drift.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .domain.numbers import money

TENTH = Decimal("0.1")


def _s(value) -> str | None:
    return None if value is None else str(value)


def format_price(value, digits: int) -> str | None:
    """A price at the instrument's digits (more only when it really has more, e.g. a netted average)."""
    if value is None:
        return None
    rounded = value.quantize(Decimal(1).scaleb(-digits))
    return str(rounded) if rounded == value else str(value.normalize())


def format_pct(value) -> str | None:
    """A percentage without storage padding: 2.000 -> "2", 0.50 -> "0.5"."""
    return None if value is None else format(value.normalize(), "f")


def iso(value) -> str | None:
    """An aware datetime as ISO 8601 with a Z, the form every response and event uses."""
    return None if value is None else value.isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Kind:
    """How a value is rendered (`expr`, with `{0}` the source expression; `null_expr` when the
    field may be null and `expr` does not take None) and its OpenAPI type."""

    openapi: str  # integer | string | boolean | number | date-time | array | object
    expr: str = "{0}"
    null_expr: str | None = None


INT = Kind("integer")
BOOL = Kind("boolean")
NUMBER = Kind("number")
TEXT = Kind("string")
TEXT_OR_NULL = Kind("string", "{0} or None")  # a blank column is null in the body
DECIMAL = Kind("string", "str({0})", "_s({0})")
MONEY = Kind("string", "str(money({0}))", "None if {0} is None else str(money({0}))")
PIPS = Kind("string", "str({0}.quantize(TENTH))", "None if {0} is None else str({0}.quantize(TENTH))")
PCT = Kind("string", "format_pct({0})")
PRICE = Kind("string", "format_price({0}, digits)")  # needs `digits` among the renderer's arguments
TIME = Kind("date-time", "iso({0})")
LIST = Kind("array")  # a list passed through as it is (`of`: its items' shape or kind)
MAP = Kind("object")  # a mapping passed through as it is, or rendered by `of` (a Shape) per value
OBJECT = Kind("object")  # one value rendered by `of` (a Shape); None stays None when `null`


@dataclass(frozen=True)
class Field:
    """One field of a body. `source`: a Python expression over the renderer's arguments (default:
    the subject's attribute, or key, of the same name), or a callable taking those arguments."""

    name: str
    kind: Kind
    source: str | Callable | None = None
    null: bool = False
    blank: bool = False
    choices: tuple | None = None
    of: Shape | Kind | None = None
    required: bool = True
    help_text: str | None = None
    csv: bool = False  # a column of the trades CSV export

    def expression(self, shape: Shape) -> str:
        if callable(self.source):
            source = f"_{self.name}({', '.join(shape.args)})"
        elif self.source is not None:
            source = self.source if self.source.isidentifier() else f"({self.source})"
        elif shape.mapping:
            source = f"{shape.args[0]}[{self.name!r}]"
        else:
            source = f"{shape.args[0]}.{self.name}"
        if isinstance(self.of, Shape):
            inner = self.of
            extra = "".join(f", {a}" for a in inner.args[1:])
            if self.kind is MAP:
                return f"{{k: _{inner.name}(v{extra}) for k, v in {source}.items()}}"
            if self.kind is OBJECT:
                rendered = f"_{inner.name}({source}{extra})"
                return f"(None if {source} is None else {rendered})" if self.null else rendered
            return f"[_{inner.name}(v{extra}) for v in {source}]"
        template = self.kind.null_expr if self.null and self.kind.null_expr else self.kind.expr
        return template.format(source)


@dataclass
class Shape:
    """A body's fields in order. `args`: the compiled renderer's arguments (the first is the
    subject: a row, a value, or a mapping when `mapping`); `added`: fields the caller adds to
    the rendered dict itself, after these (documented, not rendered here)."""

    name: str
    fields: tuple[Field, ...]
    args: tuple[str, ...] = ("row",)
    mapping: bool = False
    doc: str = ""
    added: tuple[Field, ...] = ()
    render: Callable[..., dict] = field(init=False, repr=False)

    def __post_init__(self):
        self.render = _compile(self)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def all_fields(self) -> tuple[Field, ...]:
        return self.fields + self.added

    def field(self, name: str) -> Field:
        return next(f for f in self.all_fields if f.name == name)

    def nested(self) -> Iterable[Shape]:
        for f in self.all_fields:
            if isinstance(f.of, Shape):
                yield f.of


HELPERS: dict[str, Any] = {
    "_s": _s,
    "format_price": format_price,
    "format_pct": format_pct,
    "iso": iso,
    "money": money,
    "TENTH": TENTH,
}


def _compile(shape: Shape) -> Callable[..., dict]:
    namespace = dict(HELPERS)
    for f in shape.fields:
        if callable(f.source):
            namespace[f"_{f.name}"] = f.source
        if isinstance(f.of, Shape):
            namespace[f"_{f.of.name}"] = f.of.render
    body = "".join(f"        {f.name!r}: {f.expression(shape)},\n" for f in shape.fields)
    code = f"def render_{shape.name}({', '.join(shape.args)}):\n    return {{\n{body}    }}\n"
    exec(compile(code, f"<shape {shape.name}>", "exec"), namespace)  # noqa: S102 - code built from the spec above
    render = namespace[f"render_{shape.name}"]
    render.__doc__ = f"The {shape.name} body (paper_trading.shapes, compiled from its field spec)."
    render.source = code
    return render
