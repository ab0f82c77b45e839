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

import pandas as pd
import requests
import yfinance as yf
from curl_cffi import requests as curl_requests
from django.conf import settings
from yfinance.exceptions import (
    YFDataException,
    YFException,
    YFPricesMissingError,
    YFRateLimitError,
    YFTickerMissingError,
)

from ..domain.bars import Bar, bucket_start
from ..domain.quotes import Quote, quote_from_price
from ._http import MappedProvider, lookback, price, to_decimal
from .base import BadPayload, NotCovered, RateLimited, Unavailable

INTERVALS = {"1m": "1m", "5m": "5m", "15m": "15m", "30m": "30m", "1h": "60m", "1d": "1d", "1w": "1wk"}
# How far back Yahoo serves each interval (1m: 8 days per request; under 1h: 60 days; 1h: 730).
MAX_LOOKBACK = {
    "1m": timedelta(days=7),
    "5m": timedelta(days=59),
    "15m": timedelta(days=59),
    "30m": timedelta(days=59),
    "1h": timedelta(days=729),
}
JSON_ERRORS = (json.JSONDecodeError, requests.exceptions.JSONDecodeError, curl_requests.exceptions.JSONDecodeError)
TIMEOUTS = (requests.Timeout, curl_requests.exceptions.Timeout)
HTTP_ERRORS = (requests.HTTPError, curl_requests.exceptions.HTTPError)
TRANSPORT_ERRORS = (requests.RequestException, curl_requests.exceptions.RequestException)

_configured = False
_configure_lock = threading.Lock()


def configure_yfinance() -> None:
    """Once per process, before yfinance's first request: raise errors instead of logging them
    (so they reach the typed errors), and keep its time-zone and cookie caches in YAHOO_CACHE_DIR
    when set (yfinance can move them only before their first use)."""
    global _configured
    with _configure_lock:
        if _configured:
            return
        yf.config.debug.hide_exceptions = False
        if settings.YAHOO_CACHE_DIR:
            yf.set_tz_cache_location(str(settings.YAHOO_CACHE_DIR))
        _configured = True


def _utc(provider: str, value, field: str) -> datetime:
    """A UNIX time or the pandas Timestamp yfinance turns it into, as an aware UTC datetime."""
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
    symbol_map = {
        "EURUSD": "EURUSD=X",
        "GBPUSD": "GBPUSD=X",
        "AUDUSD": "AUDUSD=X",
        "NZDUSD": "NZDUSD=X",
        "USDJPY": "JPY=X",
        "EURJPY": "EURJPY=X",
        "GBPJPY": "GBPJPY=X",
        "USDCHF": "CHF=X",
        "USDCAD": "CAD=X",
        "EURGBP": "EURGBP=X",
        "XAUUSD": "GC=F",
        "XAGUSD": "SI=F",
        "BTCUSD": "BTC-USD",
        "ETHUSD": "ETH-USD",
    }
    proxies = {"XAUUSD": "futures proxy", "XAGUSD": "futures proxy"}

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
                self._own = curl_requests.Session(impersonate="chrome")
            proxy = settings.YAHOO_PROXY
            self._own.proxies = {"http": proxy, "https": proxy} if proxy else {}
            return self._own

    def _history(self, code: str, **params) -> tuple[pd.DataFrame, Mapping]:
        """One `Ticker.history` call: the frame and the chart's `meta`, or a typed error."""
        configure_yfinance()
        timeout = float(settings.PROVIDER_TIMEOUT)
        try:
            ticker = yf.Ticker(code, session=self.session)
            frame = ticker.history(timeout=timeout, auto_adjust=False, actions=False, **params)
            meta = ticker.history_metadata  # a lazy mapping: reading `tradingPeriods` would fetch
        except YFRateLimitError:
            raise RateLimited(self.name, f"{code}: HTTP 429 Too Many Requests") from None
        except JSON_ERRORS:
            raise BadPayload(self.name, f"{code}: malformed JSON") from None
        except TIMEOUTS:
            raise Unavailable(self.name, f"no answer within {timeout:g}s") from None
        except HTTP_ERRORS as exc:  # yfinance's raise_for_status() on a side request (e.g. `info`)
            raise self._status_error(code, exc.response) from None
        except TRANSPORT_ERRORS as exc:
            raise Unavailable(self.name, f"connection failed ({exc.__class__.__name__})") from None
        except YFPricesMissingError as exc:
            # Yahoo's chart error (unknown symbol, no data) or a chart without prices.
            raise NotCovered(self.name, f"{code}: {exc.yahoo_reason or 'no prices in the chart'}") from None
        except YFTickerMissingError as exc:
            raise NotCovered(self.name, f"{code}: {exc.rationale}") from None
        except YFDataException as exc:
            if "DOWN" in str(exc):  # Yahoo's "Will be right back" page
                raise Unavailable(self.name, "Yahoo Finance is down") from None
            raise BadPayload(self.name, f"{code}: {str(exc)[:200]}") from None
        except YFException as exc:
            raise BadPayload(self.name, f"{code}: {str(exc)[:200]}") from None
        except (LookupError, TypeError, ValueError, AttributeError) as exc:
            # yfinance reading a chart that is not in Yahoo's shape.
            raise BadPayload(self.name, f"{code}: unreadable chart ({exc.__class__.__name__})") from None
        return frame, meta

    def _status_error(self, code: str, response) -> Exception:
        status = getattr(response, "status_code", None)
        if status == 429:
            return RateLimited(self.name, f"{code}: HTTP 429 Too Many Requests")
        if status is not None and status >= 500:
            return Unavailable(self.name, f"{code}: HTTP {status}")
        if status == 404:
            return NotCovered(self.name, f"{code}: HTTP 404")
        return BadPayload(self.name, f"{code}: HTTP {status}")

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
