"""Binance public market data (https://developers.binance.com/docs/binance-spot-api-docs/rest-api):
`/api/v3/ticker/bookTicker` for the real best bid/ask and `/api/v3/klines` for bars. No key.

Crypto only, and against USDT: BTCUSD is priced from BTCUSDT and ETHUSD from ETHUSDT. USDT is
a stablecoin that usually trades within a few hundredths of a per cent of USD but is not USD, so
every quote says so in its `source` ("binance:BTCUSDT (USDT for USD)").

Errors: HTTP 429 (weight limit) and 418 (IP banned for ignoring 429s) carry Retry-After and are
RateLimited; `{"code": -1121, "msg": "Invalid symbol."}` (HTTP 400) is NotCovered.
"""

from __future__ import annotations

from datetime import UTC, datetime

from ..domain.bars import Bar
from ..domain.instruments import provider_codes, provider_proxies
from ..domain.quotes import Quote
from ._http import HttpProvider, client_error, from_unix, price, retry_after, to_decimal
from .base import BadPayload, NotCovered, RateLimited

INTERVALS = {
    "1m": "1m",
    "5m": "5m",
    "15m": "15m",
    "30m": "30m",
    "1h": "1h",
    "4h": "4h",
    "1d": "1d",
    "1w": "1w",
}
MAX_KLINES = 1000
INVALID_SYMBOL = -1121


class BinanceProvider(HttpProvider):
    name = "binance"
    base_url_setting = "BINANCE_BASE_URL"
    symbol_map = provider_codes(name)  # from instruments.toml
    proxies = provider_proxies(name)

    def _call(self, path: str, params: dict):
        reply = self.get(path, params=params)
        body = reply.body
        if reply.status == 418:
            raise RateLimited(
                self.name, "HTTP 418: IP banned for exceeding limits", retry_after(reply.headers)
            )
        if reply.status >= 400:
            code = body.get("code") if isinstance(body, dict) else None
            message = str(body.get("msg", "")) if isinstance(body, dict) else ""
            if code == INVALID_SYMBOL:
                raise NotCovered(self.name, message or "invalid symbol")
            raise client_error(self.name, reply, f"{code} {message}"[:200])
        return body

    def quote(self, symbol: str) -> Quote:
        """The best bid and ask of the book. The payload has no time: it is the time of the answer."""
        instrument, code = self.instrument(symbol)
        body = self._call("/api/v3/ticker/bookTicker", {"symbol": code})
        if not isinstance(body, dict):
            raise BadPayload(self.name, "bookTicker is not a JSON object")
        return Quote(
            instrument.symbol,
            price(self.name, instrument, body.get("bidPrice"), "bidPrice"),
            price(self.name, instrument, body.get("askPrice"), "askPrice"),
            datetime.now(UTC),
            self.source_for(instrument.symbol),
        )

    def bars(self, symbol: str, interval: str, limit: int) -> list[Bar]:
        instrument, code = self.instrument(symbol)
        kline_interval = self.interval_code(INTERVALS, interval)
        size = max(1, min(int(limit), MAX_KLINES))
        rows = self._call("/api/v3/klines", {"symbol": code, "interval": kline_interval, "limit": size})
        if not isinstance(rows, list):
            raise BadPayload(self.name, "klines is not a JSON array")
        bars = []
        for row in rows:
            # [open time ms, open, high, low, close, volume, close time ms, quote volume, trades, ...]
            if not isinstance(row, list) or len(row) < 6:
                raise BadPayload(self.name, "kline is not an array of at least 6 fields")
            bars.append(
                Bar(
                    time=from_unix(self.name, row[0], "open time", millis=True),
                    open=price(self.name, instrument, row[1], "open"),
                    high=price(self.name, instrument, row[2], "high"),
                    low=price(self.name, instrument, row[3], "low"),
                    close=price(self.name, instrument, row[4], "close"),
                    volume=to_decimal(self.name, row[5], "volume"),
                )
            )
        bars.sort(key=lambda bar: bar.time)
        return bars[-size:]
