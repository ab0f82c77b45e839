"""Twelve Data (https://twelvedata.com/docs): `/quote` for quotes, `/price` for the bare latest
price, `/time_series` for bars. Spot FX, spot metals (XAU/USD, XAG/USD) and crypto against USD.

Twelve Data answers most errors with HTTP 200 and `{"code": ..., "status": "error"}`; the
`code` says what happened (429 credits spent, 400/404 unknown symbol, 401 bad key, 403 plan).
The key travels in the `Authorization: apikey ...` header, never in the URL.
"""

from __future__ import annotations

from decimal import Decimal

from ..domain.bars import Bar
from ..domain.instruments import provider_codes
from ..domain.quotes import Quote, quote_from_price
from ._http import HttpProvider, client_error, from_text, from_unix, price, to_decimal
from .base import BadPayload, NotCovered, RateLimited, Unavailable

INTERVALS = {
    "1m": "1min",
    "5m": "5min",
    "15m": "15min",
    "30m": "30min",
    "1h": "1h",
    "4h": "4h",
    "1d": "1day",
    "1w": "1week",
}
MAX_OUTPUTSIZE = 5000


class TwelveDataProvider(HttpProvider):
    name = "twelvedata"
    base_url_setting = "TWELVE_DATA_BASE_URL"
    api_key_setting = "TWELVE_DATA_API_KEY"
    symbol_map = provider_codes(name)  # from instruments.toml

    def _call(self, path: str, params: dict) -> dict:
        self.require_key()
        reply = self.get(path, params=params, headers={"Authorization": f"apikey {self.api_key}"})
        body = reply.body
        if isinstance(body, dict) and body.get("status") == "error":
            raise self._error(body)
        if reply.status >= 400:
            raise client_error(self.name, reply)
        if not isinstance(body, dict):
            raise BadPayload(self.name, f"expected a JSON object from {path}")
        return body

    def _error(self, body: dict) -> Exception:
        code = body.get("code")
        message = str(body.get("message") or "error")[:200]
        if code == 429:
            return RateLimited(self.name, message)
        if code in (400, 404, 403):  # unknown symbol / no data / not in this plan
            return NotCovered(self.name, message)
        if isinstance(code, int) and code >= 500:
            return Unavailable(self.name, message)
        return BadPayload(self.name, f"code {code}: {message}")  # 401 bad key and anything unexpected

    def quote(self, symbol: str) -> Quote:
        """The latest price from `/quote` (its `close`) with the instrument's default spread, at
        `last_quote_at` (the last minute Twelve Data saw), else at `timestamp`."""
        instrument, code = self.instrument(symbol)
        body = self._call("/quote", {"symbol": code})
        stamp = body.get("last_quote_at") or body.get("timestamp")
        time = from_unix(self.name, stamp, "last_quote_at")
        close = price(self.name, instrument, body.get("close"), "close")
        return quote_from_price(instrument, close, time, self.source_for(instrument.symbol))

    def last_price(self, symbol: str) -> Decimal:
        """The bare real-time price from `/price` (no time in the payload; one API credit)."""
        instrument, code = self.instrument(symbol)
        body = self._call("/price", {"symbol": code})
        return price(self.name, instrument, body.get("price"), "price")

    def bars(self, symbol: str, interval: str, limit: int) -> list[Bar]:
        instrument, code = self.instrument(symbol)
        td_interval = self.interval_code(INTERVALS, interval)
        size = max(1, min(int(limit), MAX_OUTPUTSIZE))
        body = self._call(
            "/time_series",
            {"symbol": code, "interval": td_interval, "outputsize": size, "timezone": "UTC"},
        )
        values = body.get("values")
        if not isinstance(values, list):
            raise BadPayload(self.name, "time_series without a values list")
        bars = []
        for row in values:
            if not isinstance(row, dict):
                raise BadPayload(self.name, "time_series value is not an object")
            bars.append(
                Bar(
                    time=from_text(self.name, row.get("datetime"), "datetime"),
                    open=price(self.name, instrument, row.get("open"), "open"),
                    high=price(self.name, instrument, row.get("high"), "high"),
                    low=price(self.name, instrument, row.get("low"), "low"),
                    close=price(self.name, instrument, row.get("close"), "close"),
                    volume=to_decimal(self.name, row["volume"], "volume")
                    if row.get("volume")
                    else Decimal(0),
                )
            )
        bars.sort(key=lambda bar: bar.time)  # Twelve Data sends newest first
        return bars[-size:]
