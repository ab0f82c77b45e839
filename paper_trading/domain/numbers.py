"""Decimal parsing and quantization. Floats never enter money arithmetic."""

import re
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal, InvalidOperation

from .errors import InvalidInput

CENT = Decimal("0.01")
ZERO = Decimal("0")
# Anything beyond these bounds is a typo or an attack, not a price or a lot size.
MAX_ABS = Decimal("1e12")
MAX_PLACES = 10
# How a number may be written in a request: ASCII digits, one sign, one point, an ASCII exponent.
# Python's Decimal() and int() also read "0_01" (as 1), "1_0" (as 10) and non-ASCII digits such as
# Arabic-Indic or full-width ones; the API refuses those instead of guessing.
DECIMAL_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
WHOLE_TEXT = re.compile(r"[+-]?[0-9]+")


def decimal_from(value, *, strict_text: bool) -> Decimal:
    """The exact Decimal of a str, int, Decimal or float (floats through their shortest repr, so
    1.1 is Decimal("1.1")). `strict_text`: text must be written as DECIMAL_TEXT allows. Anything
    else raises InvalidOperation; finiteness and bounds are the caller's."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        text = value.strip()
        if strict_text and (len(text) > 40 or not DECIMAL_TEXT.fullmatch(text)):
            raise InvalidOperation
        return Decimal(text)
    raise InvalidOperation


def to_decimal(value, *, field: str = "value", allow_none: bool = False) -> Decimal | None:
    """Parse a request value (str, int, Decimal or float) into a finite, sane Decimal.

    Floats are converted through their shortest repr so 1.1 becomes Decimal("1.1").
    NaN, infinities, booleans, non-numeric text and absurd exponents raise InvalidInput.
    """
    if value is None or value == "":
        if allow_none:
            return None
        raise InvalidInput("This field is required.", field=field)
    if isinstance(value, bool):
        raise InvalidInput("A number is required.", field=field)
    try:
        number = decimal_from(value, strict_text=True)
    except InvalidOperation:
        raise InvalidInput("A valid number is required.", field=field) from None
    if not number.is_finite():
        raise InvalidInput("A finite number is required.", field=field)
    if abs(number) >= MAX_ABS or (number != 0 and -number.as_tuple().exponent > 2 * MAX_PLACES):
        raise InvalidInput("The number is out of range.", field=field)
    return number


def to_whole(value) -> int | None:
    """A whole number from a request (an int, or text of ASCII digits with one sign), else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and len(value) <= 40 and WHOLE_TEXT.fullmatch(value.strip()):
        return int(value)
    return None


def money(amount: Decimal) -> Decimal:
    """Quantize an amount to cents, half-even, as the ledger posts it (docs/domain.md, Numbers)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_EVEN)


def quantize_to(value: Decimal, step: Decimal, rounding=ROUND_HALF_EVEN) -> Decimal:
    """Round `value` to a multiple of `step`."""
    return (value / step).to_integral_value(rounding=rounding) * step


def floor_to(value: Decimal, step: Decimal) -> Decimal:
    return quantize_to(value, step, ROUND_DOWN)


def is_multiple(value: Decimal, step: Decimal) -> bool:
    return (value / step) == (value / step).to_integral_value()
