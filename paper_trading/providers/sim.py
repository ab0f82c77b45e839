"""`sim`: a seeded synthetic market. Geometric Brownian motion per symbol with per-asset-class
volatility and the instrument's default spread; the same seed gives the same prices."""

from __future__ import annotations

import math
import random
from datetime import datetime
from decimal import Decimal

from ..domain.instruments import REGISTRY, get_instrument
from ..domain.quotes import Quote, quote_from_price
from ..domain.sessions import market_closed

SOURCE = "sim"
# Annualized volatility by asset class, roughly what these markets show in a calm year.
VOLATILITY = {"fx": 0.08, "metal": 0.16, "crypto": 0.60, "index": 0.18, "equity": 0.30}
# Where each symbol starts: the registry's `start_price` (instruments.toml).
START_PRICES = {symbol: i.start_price for symbol, i in REGISTRY.items()}
SECONDS_PER_YEAR = 365.25 * 24 * 3600


class SimFeed:
    """Quotes for `symbols`, advanced by `step(now)`. FX and metals are closed from Friday 17:00
    to Sunday 17:00 New York (as the signal checks and the history see it): they show their last
    price (from the first step) and do not move."""

    def __init__(self, symbols, *, seed: int = 42, start_prices: dict[str, Decimal] | None = None):
        self.instruments = [get_instrument(s) for s in symbols]
        self.random = random.Random(seed)
        starts = {**START_PRICES, **(start_prices or {})}
        self.prices = {i.symbol: float(starts[i.symbol]) for i in self.instruments}
        self.last_time: datetime | None = None

    def step(self, now: datetime) -> list[Quote]:
        first = self.last_time is None
        dt = 1.0 if first else max((now - self.last_time).total_seconds(), 0.001)
        self.last_time = now
        quotes = []
        for instrument in self.instruments:
            if market_closed(instrument, now):
                if first:  # a closed market still shows its last price
                    quotes.append(
                        quote_from_price(
                            instrument, Decimal(repr(self.prices[instrument.symbol])), now, SOURCE
                        )
                    )
                continue
            sigma = VOLATILITY.get(instrument.asset_class, 0.2)
            shock = self.random.gauss(0.0, 1.0)
            t = dt / SECONDS_PER_YEAR
            price = self.prices[instrument.symbol] * math.exp(
                -0.5 * sigma * sigma * t + sigma * math.sqrt(t) * shock
            )
            self.prices[instrument.symbol] = price
            quotes.append(quote_from_price(instrument, Decimal(repr(price)), now, SOURCE))
        return quotes
