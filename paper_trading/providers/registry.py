"""The live providers: one instance of each per process (each keeps its HTTP session), and which
of them carry a symbol. Their settings (keys, base URLs, timeout) are read at call time."""

from __future__ import annotations

import threading

from django.conf import settings

from ..domain.instruments import normalize_symbol
from .alphavantage import AlphaVantageProvider
from .base import PriceProvider
from .binance import BinanceProvider
from .finnhub import FinnhubProvider
from .twelvedata import TwelveDataProvider
from .yahoo import YahooProvider

PROVIDER_CLASSES = (BinanceProvider, TwelveDataProvider, FinnhubProvider, AlphaVantageProvider, YahooProvider)

_instances: dict[str, PriceProvider] = {}
_lock = threading.Lock()


def _all() -> dict[str, PriceProvider]:
    with _lock:
        if not _instances:
            for cls in PROVIDER_CLASSES:
                _instances[cls.name] = cls()
        return dict(_instances)


def live_providers() -> list[PriceProvider]:
    """Every live provider, configured or not, in `settings.PROVIDER_PRIORITY` order; providers
    the setting does not name come last in their default order."""
    instances = _all()
    named = [name for name in settings.PROVIDER_PRIORITY if name in instances]
    rest = [name for name in instances if name not in named]
    return [instances[name] for name in dict.fromkeys(named + rest)]


def providers_for(symbol: str) -> list[PriceProvider]:
    """The live providers whose symbol map carries `symbol` (any spelling), in priority order.
    Includes providers without a key; callers check `configured`."""
    key = normalize_symbol(symbol)
    return [provider for provider in live_providers() if key in provider.symbol_map]


def get_provider(name: str) -> PriceProvider:
    """The live provider called `name` (KeyError if there is none)."""
    return _all()[name]
