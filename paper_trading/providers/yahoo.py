"""Yahoo Finance, no key, through yfinance (docs/decisions/0009-yahoo-through-yfinance.md).

Yahoo answers HTTP 429 to clients with Python `requests`' TLS fingerprint, so the default
session is a curl_cffi session impersonating Chrome, the one yfinance itself prefers. yfinance
fetches a cookie (fc.yahoo.com) and a crumb (/v1/test/getcrumb) before its first request, then
reads the v8 chart endpoint. Quotes are `meta.regularMarketPrice` at `meta.regularMarketTime`
with the instrument's default spread; bars come from `Ticker.history`.

Yahoo has no spot gold or silver: XAUUSD and XAGUSD are priced from the COMEX front-month
futures (GC=F, SI=F), which trade a few dollars above spot (carry), and the quote's `source`
says so ("yahoo:GC=F (futures proxy)").

yfinance's failures become our typed errors here (YFRateLimitError -> RateLimited, ...), and the
aggregator counts one budget unit per call as for every provider. Tests pass a `session=` that
serves recorded payloads; `YAHOO_PROXY` routes the default session (the tests point it at the
discard port, since curl_cffi's sockets are not Python's and a socket guard does not see them).

Bars: intraday bars are labelled with their UTC-aligned bucket (Yahoo stamps the forming bar
with the time of its last trade); daily and weekly bars with the exchange's trading date at
00:00 UTC. yfinance builds 30m from 15m (Yahoo's 30m bars are unreliable). There is no 4h.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import requests
from django.conf import settings

from ..domain.bars import Bar, bucket_start
from ..domain.instruments import provider_codes, provider_proxies
from ..domain.quotes import Quote, quote_from_price
from ._http import MappedProvider, lookback, price, to_decimal
from .base import BadPayload, NotCovered, ProviderError, RateLimited, Unavailable

if TYPE_CHECKING:
    import pandas as pd
    from curl_cffi import requests as curl_requests

INTERVALS = {"1m": "1m", "5m": "5m", "15m": "15m", "30m": "30m", "1h": "60m", "1d": "1d", "1w": "1wk"}
# How far back Yahoo serves each interval (1m: 8 days per request; under 1h: 60 days; 1h: 730).
MAX_LOOKBACK = {
    "1m": timedelta(days=7),
    "5m": timedelta(days=59),
    "15m": timedelta(days=59),
    "30m": timedelta(days=59),
    "1h": timedelta(days=729),
}

_configured = False
_configure_lock = threading.Lock()


def yfinance():
    """yfinance, imported on first use (with pandas and numpy it costs a process about a second
    and 75 MB, which one that never asks Yahoo does not pay) and set up once per process: raise
    errors instead of logging them, so they reach the typed errors, and keep its time-zone and
    cookie caches in YAHOO_CACHE_DIR when set (yfinance can move them only before first use)."""
    global _configured
    import yfinance as yf

    with _configure_lock:
        if not _configured:
            yf.config.debug.hide_exceptions = False
            if settings.YAHOO_CACHE_DIR:
                yf.set_tz_cache_location(str(settings.YAHOO_CACHE_DIR))
            _configured = True
    return yf


def typed_error(provider: str, code: str, exc: Exception, timeout: float) -> ProviderError | None:
    """Our typed error for what yfinance (or the session under it) raised; None if it is not theirs."""
    from curl_cffi.requests import exceptions as curl
    from yfinance import exceptions as yfe

    if isinstance(exc, yfe.YFRateLimitError):
        return RateLimited(provider, f"{code}: HTTP 429 Too Many Requests")
    if isinstance(exc, json.JSONDecodeError | requests.exceptions.JSONDecodeError | curl.JSONDecodeError):
        return BadPayload(provider, f"{code}: malformed JSON")
    if isinstance(exc, requests.Timeout | curl.Timeout):
        return Unavailable(provider, f"no answer within {timeout:g}s")
    if isinstance(exc, requests.HTTPError | curl.HTTPError):  # raise_for_status() on a side request
        return status_error(provider, code, getattr(exc.response, "status_code", None))
    if isinstance(exc, requests.RequestException | curl.RequestException):
        return Unavailable(provider, f"connection failed ({exc.__class__.__name__})")
    if isinstance(exc, yfe.YFPricesMissingError):
        # Yahoo's chart error (unknown symbol, no data), or a body without prices: yfinance does
        # not tell them apart from a chart that is not one.
        return NotCovered(provider, f"{code}: {exc.yahoo_reason or 'no prices in the chart'}")
    if isinstance(exc, yfe.YFTickerMissingError):
        return NotCovered(provider, f"{code}: {exc.rationale}")
    if isinstance(exc, yfe.YFDataException) and "DOWN" in str(exc):  # Yahoo's "Will be right back"
        return Unavailable(provider, "Yahoo Finance is down")
    if isinstance(exc, yfe.YFException):
        return BadPayload(provider, f"{code}: {str(exc)[:200]}")
    if isinstance(exc, LookupError | TypeError | ValueError | AttributeError):
        # yfinance reading a chart that is not in Yahoo's shape.
        return BadPayload(provider, f"{code}: unreadable chart ({exc.__class__.__name__})")
    return None


def status_error(provider: str, code: str, status: int | None) -> ProviderError:
    if status == 429:
        return RateLimited(provider, f"{code}: HTTP 429 Too Many Requests")
    if status is not None and status >= 500:
        return Unavailable(provider, f"{code}: HTTP {status}")
    if status == 404:
        return NotCovered(provider, f"{code}: HTTP 404")
    return BadPayload(provider, f"{code}: HTTP {status}")


def _utc(provider: str, value, field: str) -> datetime:
    """A UNIX time or the pandas Timestamp yfinance turns it into, as an aware UTC datetime."""
    import pandas as pd

    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            moment = pd.Timestamp(value, unit="s", tz="UTC")
        elif isinstance(value, pd.Timestamp) and value.tzinfo is not None:
            moment = value.tz_convert("UTC")
        else:
            raise TypeError
        return moment.to_pydatetime()
    except (TypeError, ValueError, OverflowError):
        raise BadPayload(provider, f"{field} is not a time: {str(value)[:30]!r}") from None


class YahooProvider(MappedProvider):
    name = "yahoo"
    symbol_map = provider_codes(name)  # from instruments.toml
    proxies = provider_proxies(name)

    def __init__(self, *, session: requests.Session | curl_requests.Session | None = None):
        """`session`: what yfinance sends through (a requests or curl_cffi Session, the two kinds
        it accepts); None builds a curl_cffi session impersonating Chrome on first use."""
        self._given = session
        self._own: curl_requests.Session | None = None
        self._lock = threading.Lock()

    @property
    def session(self) -> requests.Session | curl_requests.Session:
        """The given session, else our own with `YAHOO_PROXY` (read at call time) applied."""
        if self._given is not None:
            return self._given
        with self._lock:
            if self._own is None:
                from curl_cffi import requests as curl_requests

                self._own = curl_requests.Session(impersonate="chrome")
            proxy = settings.YAHOO_PROXY
            self._own.proxies = {"http": proxy, "https": proxy} if proxy else {}
            return self._own

    def _history(self, code: str, **params) -> tuple[pd.DataFrame, Mapping]:
        """One `Ticker.history` call: the frame and the chart's `meta`, or a typed error."""
        yf = yfinance()
        timeout = float(settings.PROVIDER_TIMEOUT)
        try:
            ticker = yf.Ticker(code, session=self.session)
            frame = ticker.history(timeout=timeout, auto_adjust=False, actions=False, **params)
            meta = ticker.history_metadata  # a lazy mapping: reading `tradingPeriods` would fetch
        except Exception as exc:
            error = typed_error(self.name, code, exc, timeout)
            if error is None:
                raise
            raise error from None
        return frame, meta

    def quote(self, symbol: str) -> Quote:
        """`regularMarketPrice` with the instrument's default spread, at `regularMarketTime`."""
        instrument, code = self.instrument(symbol)
        _, meta = self._history(code, period="1d", interval="1d")
        last = price(self.name, instrument, meta.get("regularMarketPrice"), "regularMarketPrice")
        time = _utc(self.name, meta.get("regularMarketTime"), "regularMarketTime")
        return quote_from_price(instrument, last, time, self.source_for(instrument.symbol))

    def bars(self, symbol: str, interval: str, limit: int) -> list[Bar]:
        instrument, code = self.instrument(symbol)
        yahoo_interval = self.interval_code(INTERVALS, interval)
        limit = max(1, int(limit))
        now = datetime.now(UTC)
        start = lookback(instrument, interval, limit, now)
        if interval in MAX_LOOKBACK:
            start = max(start, now - MAX_LOOKBACK[interval])
        frame, _ = self._history(code, start=start, end=now, interval=yahoo_interval)
        bars = self._parse_bars(instrument, code, frame, interval)
        if not bars:
            raise NotCovered(self.name, f"no {interval} bars for {code}")
        return bars[-limit:]

    def _parse_bars(self, instrument, code: str, frame: pd.DataFrame, interval: str) -> list[Bar]:
        columns = ["Open", "High", "Low", "Close", "Volume"]
        if any(column not in frame.columns for column in columns):
            raise BadPayload(self.name, f"{code}: history without OHLCV columns")
        by_time: dict[datetime, Bar] = {}
        for stamp, *row in frame[columns].itertuples(name=None):
            ohlc = [float(value) for value in row[:4]]
            if any(math.isnan(value) for value in ohlc):
                continue  # Yahoo leaves gaps as nulls
            if interval in ("1d", "1w"):
                day = stamp.date()  # yfinance indexes these by the exchange's trading date
                label = datetime(day.year, day.month, day.day, tzinfo=UTC)
            else:
                label = bucket_start(_utc(self.name, stamp, "timestamp"), interval)
            volume = float(row[4])
            by_time[label] = Bar(
                time=label,
                open=price(self.name, instrument, ohlc[0], "open"),
                high=price(self.name, instrument, ohlc[1], "high"),
                low=price(self.name, instrument, ohlc[2], "low"),
                close=price(self.name, instrument, ohlc[3], "close"),
                volume=to_decimal(self.name, 0 if math.isnan(volume) else int(volume), "volume"),
            )
        return sorted(by_time.values(), key=lambda bar: bar.time)
