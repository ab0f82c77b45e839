"""Finnhub (https://finnhub.io/docs/api): `/quote` for the latest price, `/forex/candle` for FX
and metals (OANDA's spot feed: OANDA:EUR_USD, OANDA:XAU_USD) and `/crypto/candle` for crypto
(Coinbase's USD books: COINBASE:BTC-USD).

A symbol Finnhub does not know is answered with HTTP 200 and all zeros (`{"c": 0, ...}`), and
candles with `{"s": "no_data"}`; both are NotCovered. The key travels in the
`X-Finnhub-Token` header, never in the URL. Finnhub has no 4h resolution.
"""

from __future__ import annotations

from datetime import UTC, datetime

from ..domain.bars import Bar
from ..domain.instruments import provider_codes
from ..domain.quotes import Quote, quote_from_price
from ._http import HttpProvider, client_error, from_unix, lookback, price, to_decimal
from .base import BadPayload, NotCovered

RESOLUTIONS = {"1m": "1", "5m": "5", "15m": "15", "30m": "30", "1h": "60", "1d": "D", "1w": "W"}


class FinnhubProvider(HttpProvider):
    name = "finnhub"
    base_url_setting = "FINNHUB_BASE_URL"
    api_key_setting = "FINNHUB_API_KEY"
    symbol_map = provider_codes(name)  # from instruments.toml

    def _call(self, path: str, params: dict) -> dict:
        self.require_key()
        reply = self.get(path, params=params, headers={"X-Finnhub-Token": self.api_key})
        if reply.status >= 400:
            detail = reply.body.get("error", "") if isinstance(reply.body, dict) else ""
            if reply.status == 403:  # "You don't have access to this resource." (plan)
                raise NotCovered(self.name, f"HTTP 403: {detail}"[:200])
            raise client_error(self.name, reply, str(detail)[:200])
        if not isinstance(reply.body, dict):
            raise BadPayload(self.name, f"expected a JSON object from {path}")
        if "error" in reply.body:
            raise BadPayload(self.name, str(reply.body["error"])[:200])
        return reply.body

    def quote(self, symbol: str) -> Quote:
        """`c` (current price) with the instrument's default spread, at `t`."""
        instrument, code = self.instrument(symbol)
        body = self._call("/quote", {"symbol": code})
        current = to_decimal(self.name, body.get("c"), "c")
        if current == 0:
            raise NotCovered(self.name, f"no quote for {code} (c: 0)")
        time = from_unix(self.name, body.get("t"), "t")
        return quote_from_price(
            instrument, instrument.price(current), time, self.source_for(instrument.symbol)
        )

    def bars(self, symbol: str, interval: str, limit: int) -> list[Bar]:
        instrument, code = self.instrument(symbol)
        resolution = self.interval_code(RESOLUTIONS, interval)
        now = datetime.now(UTC)
        start = lookback(instrument, interval, max(1, int(limit)), now)
        path = "/crypto/candle" if instrument.asset_class == "crypto" else "/forex/candle"
        body = self._call(
            path,
            {
                "symbol": code,
                "resolution": resolution,
                "from": int(start.timestamp()),
                "to": int(now.timestamp()),
            },
        )
        status = body.get("s")
        if status == "no_data":
            raise NotCovered(self.name, f"no {interval} candles for {code}")
        if status != "ok":
            raise BadPayload(self.name, f"candle status {str(status)[:20]!r}")
        columns = [body.get(key) for key in ("t", "o", "h", "l", "c")]
        if not all(isinstance(column, list) for column in columns):
            raise BadPayload(self.name, "candles without t/o/h/l/c lists")
        times, opens, highs, lows, closes = columns
        volumes = body.get("v") if isinstance(body.get("v"), list) else [0] * len(times)
        if not all(len(column) == len(times) for column in (*columns, volumes)):
            raise BadPayload(self.name, "candle lists of different lengths")
        bars = [
            Bar(
                time=from_unix(self.name, t, "t"),
                open=price(self.name, instrument, o, "o"),
                high=price(self.name, instrument, h, "h"),
                low=price(self.name, instrument, low, "l"),
                close=price(self.name, instrument, c, "c"),
                volume=to_decimal(self.name, v, "v"),
            )
            for t, o, h, low, c, v in zip(times, opens, highs, lows, closes, volumes, strict=True)
        ]
        bars.sort(key=lambda bar: bar.time)
        return bars[-max(1, int(limit)) :]
