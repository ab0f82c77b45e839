"""Sanity checks on a provider's quote before it may move the market (the aggregator's filter).

Absurd jumps are not refused here: the spike hold (domain/spikes.py) holds them until the next
quote confirms or contradicts them."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from .instruments import get_instrument
from .quotes import Quote

FUTURE_SKEW = timedelta(seconds=60)


class InsaneQuote(ValueError):
    """The quote is refused; `reason` says why (logged and counted as the provider's failure)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def check_quote(quote: Quote, *, now: datetime, max_age: timedelta) -> Quote:
    """Return the quote if it is usable; raise InsaneQuote for zero, negative, NaN, crossed,
    outside the instrument's sane bounds, stale or future timestamps."""
    for name in ("bid", "ask"):
        value = getattr(quote, name)
        if not isinstance(value, Decimal) or not value.is_finite():
            raise InsaneQuote(f"{name} is not a finite number")
        if value <= 0:
            raise InsaneQuote(f"{name} {value} is not positive")
    if quote.bid > quote.ask:
        raise InsaneQuote(f"bid {quote.bid} above ask {quote.ask}")
    if (outside := get_instrument(quote.symbol).price_bounds_error(quote.bid, quote.ask)) is not None:
        raise InsaneQuote(outside[1])
    if quote.time.tzinfo is None:
        raise InsaneQuote("timestamp has no timezone")
    if quote.time > now + FUTURE_SKEW:
        raise InsaneQuote(f"timestamp {quote.time.isoformat()} is in the future")
    if now - quote.time > max_age:
        raise InsaneQuote(
            f"timestamp {quote.time.isoformat()} is older than {int(max_age.total_seconds())} s"
        )
    return quote
