"""Sanity checks on a provider's quote before it may move the market (the aggregator's filter)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from .instruments import get_instrument
from .quotes import Quote

# Largest believable move between two consecutive good quotes, by asset class.
MAX_JUMP = {"fx": Decimal("0.05"), "metal": Decimal("0.10"), "crypto": Decimal("0.25")}
FUTURE_SKEW = timedelta(seconds=60)


class InsaneQuote(ValueError):
    """The quote is refused; `reason` says why (logged and counted as the provider's failure)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def check_quote(quote: Quote, *, now: datetime, max_age: timedelta, last: Quote | None = None) -> Quote:
    """Return the quote if it is usable; raise InsaneQuote for zero, negative, NaN, crossed,
    stale or future timestamps, and absurd jumps from the last good quote."""
    for name in ("bid", "ask"):
        value = getattr(quote, name)
        if not isinstance(value, Decimal) or not value.is_finite():
            raise InsaneQuote(f"{name} is not a finite number")
        if value <= 0:
            raise InsaneQuote(f"{name} {value} is not positive")
    if quote.bid > quote.ask:
        raise InsaneQuote(f"bid {quote.bid} above ask {quote.ask}")
    if quote.time.tzinfo is None:
        raise InsaneQuote("timestamp has no timezone")
    if quote.time > now + FUTURE_SKEW:
        raise InsaneQuote(f"timestamp {quote.time.isoformat()} is in the future")
    if now - quote.time > max_age:
        raise InsaneQuote(
            f"timestamp {quote.time.isoformat()} is older than {int(max_age.total_seconds())} s"
        )
    if last is not None:
        limit = MAX_JUMP.get(get_instrument(quote.symbol).asset_class, Decimal("0.10"))
        move = abs(quote.mid - last.mid) / last.mid
        if move > limit:
            raise InsaneQuote(f"mid moved {move:.1%} from {last.mid} (limit {limit:.0%})")
    return quote
