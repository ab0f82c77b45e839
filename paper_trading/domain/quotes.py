"""Quotes, the market view the domain reads them from, and currency conversion (docs/domain.md,
Pips and P&L)."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from .errors import InvalidInput, NoPrice
from .instruments import Instrument, find_pair, get_instrument

TWO = Decimal(2)


@dataclass(frozen=True, slots=True)
class Quote:
    symbol: str
    bid: Decimal
    ask: Decimal
    time: datetime
    source: str = "manual"

    @property
    def mid(self) -> Decimal:
        return (self.bid + self.ask) / TWO

    @property
    def spread(self) -> Decimal:
        return self.ask - self.bid

    def side_price(self, direction: int, *, closing: bool = False) -> Decimal:
        """The price a direction trades at: buy opens at ask and closes at bid."""
        buying = (direction > 0) != closing
        return self.ask if buying else self.bid


def make_quote(symbol: str, bid: Decimal, ask: Decimal, time: datetime, source: str = "manual") -> Quote:
    """A validated quote: positive, bid <= ask, within the instrument's sane bounds, timezone-aware time."""
    return checked_quote(Quote(symbol, bid, ask, time, source))


def checked_quote(quote: Quote) -> Quote:
    """`quote` validated as `make_quote` does, under the instrument's own symbol."""
    instrument = get_instrument(quote.symbol)
    bid, ask = quote.bid, quote.ask
    if bid <= 0 or ask <= 0:
        raise InvalidInput("Prices must be positive.", field="bid" if bid <= 0 else "ask")
    if bid > ask:
        raise InvalidInput("Bid must not be above ask.", field="bid")
    if (outside := instrument.price_bounds_error(bid, ask)) is not None:
        raise InvalidInput(outside[1], field=outside[0])
    if quote.time.tzinfo is None:
        raise InvalidInput("Quote time must be timezone-aware.", field="time")
    if quote.symbol != instrument.symbol:
        return Quote(instrument.symbol, bid, ask, quote.time, quote.source)
    return quote


def quote_from_price(instrument: Instrument, price: Decimal, time: datetime, source: str) -> Quote:
    """A one-price provider gets the instrument's default spread around its price (docs/domain.md, Fills)."""
    half = instrument.default_spread_pips * instrument.pip_size / TWO
    return Quote(
        instrument.symbol, instrument.price(price - half), instrument.price(price + half), time, source
    )


class Market(Protocol):
    def quote(self, symbol: str) -> Quote | None: ...


class QuoteBoard:
    """The latest quote per symbol, in memory. Implements `Market`."""

    def __init__(self, quotes: dict[str, Quote] | None = None):
        self._quotes: dict[str, Quote] = dict(quotes or {})

    def quote(self, symbol: str) -> Quote | None:
        return self._quotes.get(symbol)

    def update(self, quote: Quote) -> None:
        self._quotes[quote.symbol] = quote

    def symbols(self) -> list[str]:
        return list(self._quotes)

    def clear(self) -> None:
        self._quotes.clear()


def require_quote(market: Market, symbol: str) -> Quote:
    quote = market.quote(symbol)
    if quote is None:
        raise NoPrice(f"No price for {symbol}.")
    return quote


def conversion_rate(from_ccy: str, to_ccy: str, market: Market) -> Decimal:
    """Rate that turns an amount in `from_ccy` into `to_ccy`, at the conversion pair's mid."""
    if from_ccy == to_ccy:
        return Decimal(1)
    direct = find_pair(from_ccy, to_ccy)
    if direct is not None and (q := market.quote(direct.symbol)) is not None:
        return q.mid
    inverse = find_pair(to_ccy, from_ccy)
    if inverse is not None and (q := market.quote(inverse.symbol)) is not None:
        return 1 / q.mid
    if "USD" not in (from_ccy, to_ccy):
        return conversion_rate(from_ccy, "USD", market) * conversion_rate("USD", to_ccy, market)
    raise NoPrice(f"No conversion rate from {from_ccy} to {to_ccy}.")


def conversion_symbols(from_ccy: str, to_ccy: str) -> set[str]:
    """Every symbol `conversion_rate(from_ccy, to_ccy, ...)` may read: the direct and inverse
    pairs, and through USD when neither currency is USD."""
    if from_ccy == to_ccy:
        return set()
    found = {p.symbol for p in (find_pair(from_ccy, to_ccy), find_pair(to_ccy, from_ccy)) if p is not None}
    if "USD" not in (from_ccy, to_ccy):
        found |= conversion_symbols(from_ccy, "USD") | conversion_symbols("USD", to_ccy)
    return found


def symbols_needed(account_currency: str, symbols) -> set[str]:
    """The quotes an account holding `symbols` is valued with: each symbol, and the pairs that
    convert its quote currency into the account currency (see `to_account_currency`)."""
    needed = set(symbols)
    for symbol in symbols:
        instrument = get_instrument(symbol)
        if account_currency not in (instrument.quote_currency, instrument.base_currency):
            needed |= conversion_symbols(instrument.quote_currency, account_currency)
    return needed


def to_account_currency(
    amount: Decimal,
    instrument: Instrument,
    account_currency: str,
    market: Market,
    *,
    price: Decimal,
) -> Decimal:
    """Convert an amount in the instrument's quote currency into the account currency.

    Quote == account: as is. Base == account (USDJPY on a USD account): divide by `price`,
    the instrument's own price at that moment (the closing price for P&L). Otherwise through
    the conversion pair's current mid (EURGBP on USD: times GBPUSD).
    """
    if instrument.quote_currency == account_currency:
        return amount
    if instrument.base_currency == account_currency:
        return amount / price
    return amount * conversion_rate(instrument.quote_currency, account_currency, market)
