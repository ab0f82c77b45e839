"""Alpha Vantage (https://www.alphavantage.co/documentation/): `CURRENCY_EXCHANGE_RATE` for
quotes (FX and crypto), `FX_INTRADAY` (1m-1h; a premium function) and `FX_DAILY` for FX bars.

Alpha Vantage always answers HTTP 200. A spent budget comes back as `{"Note": ...}` or
`{"Information": ...}` (RateLimited) — except the "premium endpoint" Information, which is a
plan limit and so NotCovered; a bad call as `{"Error Message": ...}` (NotCovered).
Its key can only travel in the query string (`apikey`). No metals (not verified to exist),
no crypto bars, no 4h or 1w bars here.
"""

from __future__ import annotations

from decimal import Decimal

from ..domain.bars import Bar
from ..domain.instruments import provider_codes
from ..domain.quotes import Quote, quote_from_price
from ._http import HttpProvider, client_error, from_text, price
from .base import BadPayload, NotCovered, RateLimited

INTRADAY = {"1m": "1min", "5m": "5min", "15m": "15min", "30m": "30min", "1h": "60min"}
COMPACT_SIZE = 100  # outputsize=compact returns the latest 100 points


class AlphaVantageProvider(HttpProvider):
    name = "alphavantage"
    base_url_setting = "ALPHA_VANTAGE_BASE_URL"
    api_key_setting = "ALPHA_VANTAGE_API_KEY"
    # from_currency/to_currency (FX_* functions call them from_symbol/to_symbol)
    symbol_map = provider_codes(name)  # from instruments.toml

    def _call(self, params: dict) -> dict:
        self.require_key()
        reply = self.get("/query", params={**params, "apikey": self.api_key})
        if reply.status >= 400:
            raise client_error(self.name, reply)
        body = reply.body
        if not isinstance(body, dict):
            raise BadPayload(self.name, "expected a JSON object")
        if "Error Message" in body:
            raise NotCovered(self.name, str(body["Error Message"])[:200])
        for key in ("Note", "Information"):
            if key in body:
                message = str(body[key])[:200]
                if "premium endpoint" in message.lower():
                    raise NotCovered(self.name, message)
                raise RateLimited(self.name, message)
        return body

    def quote(self, symbol: str) -> Quote:
        """Real bid/ask when the payload has a usable pair (bid < ask), otherwise the exchange
        rate with the instrument's default spread; at `6. Last Refreshed` in `7. Time Zone`."""
        instrument, code = self.instrument(symbol)
        base, quote_ccy = code.split("/")
        body = self._call(
            {"function": "CURRENCY_EXCHANGE_RATE", "from_currency": base, "to_currency": quote_ccy}
        )
        rate = body.get("Realtime Currency Exchange Rate")
        if not isinstance(rate, dict):
            raise BadPayload(self.name, "no 'Realtime Currency Exchange Rate' object")
        time = from_text(
            self.name, rate.get("6. Last Refreshed"), "Last Refreshed", zone=str(rate.get("7. Time Zone", ""))
        )
        source = self.source_for(instrument.symbol)
        bid, ask = (
            self._optional_price(instrument, rate, "8. Bid Price"),
            self._optional_price(instrument, rate, "9. Ask Price"),
        )
        if bid is not None and ask is not None and 0 < bid < ask:
            return Quote(instrument.symbol, bid, ask, time, source)
        mid = price(self.name, instrument, rate.get("5. Exchange Rate"), "Exchange Rate")
        return quote_from_price(instrument, mid, time, source)

    def _optional_price(self, instrument, rate: dict, field: str) -> Decimal | None:
        """Bid and ask are sometimes absent or "-": then there is no usable pair."""
        try:
            return price(self.name, instrument, rate.get(field), field)
        except BadPayload:
            return None

    def bars(self, symbol: str, interval: str, limit: int) -> list[Bar]:
        instrument, code = self.instrument(symbol)
        if instrument.asset_class != "fx":
            raise NotCovered(self.name, f"has no bars for {instrument.symbol} (FX only)")
        base, quote_ccy = code.split("/")
        size = "compact" if int(limit) <= COMPACT_SIZE else "full"
        params = {"from_symbol": base, "to_symbol": quote_ccy, "outputsize": size}
        if interval == "1d":
            params["function"] = "FX_DAILY"
        else:
            params.update(function="FX_INTRADAY", interval=self.interval_code(INTRADAY, interval))
        body = self._call(params)
        meta = body.get("Meta Data")
        series_key = next((key for key in body if key.startswith("Time Series FX")), None)
        if not isinstance(meta, dict) or series_key is None or not isinstance(body[series_key], dict):
            raise BadPayload(self.name, "no 'Meta Data' and 'Time Series FX' objects")
        zone = next((str(v) for k, v in meta.items() if k.endswith("Time Zone")), "UTC")
        bars = []
        for stamp, row in body[series_key].items():
            if not isinstance(row, dict):
                raise BadPayload(self.name, "time series point is not an object")
            bars.append(
                Bar(
                    time=from_text(self.name, stamp, "time series key", zone=zone),
                    open=price(self.name, instrument, row.get("1. open"), "open"),
                    high=price(self.name, instrument, row.get("2. high"), "high"),
                    low=price(self.name, instrument, row.get("3. low"), "low"),
                    close=price(self.name, instrument, row.get("4. close"), "close"),
                )
            )
        bars.sort(key=lambda bar: bar.time)  # Alpha Vantage sends newest first
        return bars[-max(1, int(limit)) :]
