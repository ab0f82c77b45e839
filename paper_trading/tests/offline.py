"""The tests' offline world: market-data providers pointed where nothing answers."""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

DISCARD_URL = "http://127.0.0.1:9"  # the discard port: a call that slips through is refused at once
# yfinance's caches for this test process (yfinance fixes their place at its first use).
YFINANCE_CACHE_DIR = str(Path(tempfile.gettempdir()) / f"paper-trading-tests-yfinance-{os.getpid()}")
atexit.register(shutil.rmtree, YFINANCE_CACHE_DIR, ignore_errors=True)
BASE_URL_SETTINGS = (
    "TWELVE_DATA_BASE_URL",
    "FINNHUB_BASE_URL",
    "ALPHA_VANTAGE_BASE_URL",
    "BINANCE_BASE_URL",
)


def point_providers_nowhere(settings) -> None:
    """Every provider's base URL (Yahoo's proxy) at the discard port (nothing real answers, no internet)."""
    for name in BASE_URL_SETTINGS:
        setattr(settings, name, DISCARD_URL)
    settings.YAHOO_PROXY = DISCARD_URL  # yfinance's hosts are fixed: its session goes through here


def providers_offline(settings) -> None:
    """No API keys and no reachable hosts, unless a test sets them."""
    settings.TWELVE_DATA_API_KEY = ""
    settings.FINNHUB_API_KEY = ""
    settings.ALPHA_VANTAGE_API_KEY = ""
    point_providers_nowhere(settings)
