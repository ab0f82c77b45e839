"""A provider whose answers a test scripts (the aggregator's policy under test, not HTTP;
the HTTP adapters are tested against loopback servers in tests/providers)."""

from datetime import UTC, datetime
from decimal import Decimal

from paper_trading.domain.bars import Bar
from paper_trading.domain.quotes import Quote


class ScriptedProvider:
    def __init__(self, name, symbols=("EURUSD",), script=None, configured=True):
        self.name = name
        self.symbol_map = {s: s for s in symbols}
        self._configured = configured
        self.script = list(script or [])  # items: Quote / list[Bar] / Exception; last one repeats
        self.calls = 0

    @property
    def configured(self):
        return self._configured

    def _next(self):
        self.calls += 1
        item = self.script[0] if len(self.script) == 1 else self.script.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    def quote(self, symbol):
        return self._next()

    def bars(self, symbol, interval, limit):
        return self._next()


def quote(bid="1.10000", ask="1.10010", *, symbol="EURUSD", time=None, source="scripted"):
    return Quote(symbol, Decimal(bid), Decimal(ask), time or datetime.now(UTC), source)


def stored_bar(interval, time, open_, high, low, close, *, symbol="EURUSD", source="twelvedata"):
    """A bar already in the price cache, as a provider stored it earlier (prices as strings)."""
    from paper_trading.models import PriceCache

    prices = {"open": open_, "high": high, "low": low, "close": close}
    return PriceCache.objects.create(
        symbol=symbol,
        interval=interval,
        time=time,
        source=source,
        **{k: Decimal(v) for k, v in prices.items()},
    )


def bars(n=3, start=datetime(2025, 1, 6, 10, 0, tzinfo=UTC)):
    from datetime import timedelta

    out = []
    for i in range(n):
        p = Decimal("1.10000") + Decimal(i) / 10000
        out.append(Bar(start + timedelta(minutes=i), p, p + Decimal("0.0002"), p - Decimal("0.0002"), p))
    return out
