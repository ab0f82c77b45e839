"""Yahoo Finance, no key: its v8 chart endpoint (`/v8/finance/chart/{symbol}`) for the latest
price (`meta.regularMarketPrice` at `meta.regularMarketTime`) and for bars. Unofficial: Yahoo
publishes no budget and may throttle (HTTP 429) or change the format without notice.

Yahoo has no spot gold or silver: XAUUSD and XAGUSD are priced from the COMEX front-month
futures (GC=F, SI=F), which trade a few dollars above spot (carry), and the quote's `source`
says so ("yahoo:GC=F (futures proxy)").

Why not through yfinance: yfinance 1.7 first fetches a cookie and crumb from hosts its base-URL
constants do not cover (fc.yahoo.com, guce.yahoo.com, query1.../v1/test/getcrumb), repeats any
request that gets HTTP >= 400 with another cookie strategy (two attempts, not one), makes an
extra chart request per ticker for its time zone (cached on disk), keeps one process-wide
session, and hides the HTTP status behind an empty DataFrame. The chart endpoint it wraps is one
GET; calling it directly keeps one attempt per call, the exact JSON numbers, and typed errors.

Bars: intraday bars are labelled with their UTC-aligned bucket (Yahoo stamps the forming bar
with the time of its last trade); daily and weekly bars with the exchange's trading date at
00:00 UTC (Yahoo stamps FX days at midnight London). Yahoo's 30m bars are unreliable, so 30m is
built from 15m. There is no 4h interval.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from ..domain.bars import Bar, bucket_start, merge
from ..domain.quotes import Quote, quote_from_price
from ._http import HttpProvider, client_error, from_unix, lookback, price, to_decimal, zone_info
from .base import BadPayload, NotCovered

INTERVALS = {"1m": "1m", "5m": "5m", "15m": "15m", "30m": "15m", "1h": "60m", "1d": "1d", "1w": "1wk"}
# How far back Yahoo serves each interval (1m: 8 days per request; under 1h: 60 days; 1h: 730).
MAX_LOOKBACK = {
    "1m": timedelta(days=7),
    "5m": timedelta(days=59),
    "15m": timedelta(days=59),
    "30m": timedelta(days=59),
    "1h": timedelta(days=729),
}


class YahooProvider(HttpProvider):
    name = "yahoo"
    base_url_setting = "YAHOO_BASE_URL"
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

    def _chart(self, code: str, params: dict) -> dict:
        reply = self.get(f"/v8/finance/chart/{code}", params=params)
        body = reply.body
        chart = body.get("chart") if isinstance(body, dict) else None
        error = chart.get("error") if isinstance(chart, dict) else None
        if error:
            description = str(error.get("description") or error.get("code") or error)[:200]
            if error.get("code") in ("Not Found", "Unprocessable Entity", "Bad Request"):
                raise NotCovered(self.name, f"{code}: {description}")
            raise BadPayload(self.name, f"{code}: {description}")
        if reply.status >= 400:
            raise client_error(self.name, reply)
        results = chart.get("result") if isinstance(chart, dict) else None
        if not isinstance(results, list) or not results or not isinstance(results[0], dict):
            raise BadPayload(self.name, "chart without a result")
        return results[0]

    def quote(self, symbol: str) -> Quote:
        """`regularMarketPrice` with the instrument's default spread, at `regularMarketTime`."""
        instrument, code = self.instrument(symbol)
        result = self._chart(code, {"interval": "1d", "range": "1d"})
        meta = result.get("meta")
        if not isinstance(meta, dict):
            raise BadPayload(self.name, "chart result without meta")
        last = price(self.name, instrument, meta.get("regularMarketPrice"), "regularMarketPrice")
        time = from_unix(self.name, meta.get("regularMarketTime"), "regularMarketTime")
        return quote_from_price(instrument, last, time, self.source_for(instrument.symbol))

    def bars(self, symbol: str, interval: str, limit: int) -> list[Bar]:
        instrument, code = self.instrument(symbol)
        yahoo_interval = self.interval_code(INTERVALS, interval)
        limit = max(1, int(limit))
        fetch = "15m" if interval == "30m" else interval
        count = limit * 2 if interval == "30m" else limit
        now = datetime.now(UTC)
        start = lookback(instrument, fetch, count, now)
        if interval in MAX_LOOKBACK:
            start = max(start, now - MAX_LOOKBACK[interval])
        result = self._chart(
            code,
            {
                "interval": yahoo_interval,
                "period1": int(start.timestamp()),
                "period2": int(now.timestamp()),
                "includePrePost": "false",
            },
        )
        bars = self._parse_bars(instrument, result, fetch)
        if interval == "30m":
            bars = merge(bars, "30m")
        return bars[-limit:]

    def _parse_bars(self, instrument, result: dict, interval: str) -> list[Bar]:
        times = result.get("timestamp")
        if not times:
            raise NotCovered(self.name, f"no {interval} bars for {self.symbol_map[instrument.symbol]}")
        try:
            columns = result["indicators"]["quote"][0]
        except (KeyError, IndexError, TypeError):
            raise BadPayload(self.name, "chart result without indicators.quote") from None
        if not isinstance(columns, dict):
            raise BadPayload(self.name, "indicators.quote[0] is not an object")
        meta = result.get("meta") if isinstance(result.get("meta"), dict) else {}
        zone = zone_info(str(meta.get("exchangeTimezoneName") or "UTC"))
        series = {}
        for key in ("open", "high", "low", "close", "volume"):
            values = columns.get(key) or [None] * len(times)
            if not isinstance(values, list) or len(values) != len(times):
                raise BadPayload(self.name, f"indicators.quote[0].{key} does not match the timestamps")
            series[key] = values
        by_time: dict[datetime, Bar] = {}
        for i, stamp in enumerate(times):
            row = [series[key][i] for key in ("open", "high", "low", "close")]
            if any(value is None for value in row):
                continue  # Yahoo leaves gaps as nulls
            moment = from_unix(self.name, stamp, "timestamp")
            if interval in ("1d", "1w"):
                day = moment.astimezone(zone).date()
                label = datetime(day.year, day.month, day.day, tzinfo=UTC)
            else:
                label = bucket_start(moment, interval)
            volume = series["volume"][i]
            by_time[label] = Bar(
                time=label,
                open=price(self.name, instrument, row[0], "open"),
                high=price(self.name, instrument, row[1], "high"),
                low=price(self.name, instrument, row[2], "low"),
                close=price(self.name, instrument, row[3], "close"),
                volume=Decimal(0) if volume is None else to_decimal(self.name, volume, "volume"),
            )
        return sorted(by_time.values(), key=lambda bar: bar.time)
