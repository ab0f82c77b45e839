"""What every live HTTP provider shares: one GET with the typed errors, JSON read into Decimals,
the symbol lookup, and UTC time parsing.

One attempt per call and no retries: the aggregator owns retries, budgets and the breaker.
Error messages never carry the request URL (some keys travel in the query string).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from email.utils import parsedate_to_datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import requests
from django.conf import settings

from ..domain.bars import EPOCH, INTERVALS
from ..domain.instruments import REGISTRY, Instrument, normalize_symbol
from ..domain.numbers import decimal_from
from .base import BadPayload, NotCovered, RateLimited, Unavailable

USER_AGENT = "Mozilla/5.0 (compatible; forex-signal-paper-trading/1.0)"


@dataclass(frozen=True, slots=True)
class Reply:
    """A non-error HTTP answer: 2xx with a JSON body, or a 4xx (other than 429) for the provider to read.

    `body` is None when a 4xx carried no JSON.
    """

    status: int
    body: Any
    headers: Any


def _reject_constant(name: str):
    raise ValueError(f"non-finite number {name} in JSON")


def parse_json(provider: str, text: str) -> Any:
    """JSON with every non-integer number as an exact Decimal; NaN and Infinity are refused."""
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
    except ValueError as exc:
        raise BadPayload(provider, f"malformed JSON ({exc.__class__.__name__})") from None


def retry_after(headers) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), None when absent or unreadable."""
    value = (headers.get("Retry-After") or "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def get_json(
    provider: str,
    session: requests.Session,
    url: str,
    *,
    params: dict | None = None,
    headers: dict | None = None,
) -> Reply:
    """One GET. 429 -> RateLimited, 5xx / timeout / connection failure -> Unavailable,
    a 2xx body that is not JSON -> BadPayload; 4xx bodies go back to the provider to interpret."""
    timeout = float(settings.PROVIDER_TIMEOUT)
    try:
        response = session.get(url, params=params, headers=headers, timeout=timeout)
    except requests.Timeout:
        raise Unavailable(provider, f"no answer within {timeout:g}s") from None
    except requests.ConnectionError:
        raise Unavailable(provider, "connection failed") from None
    except requests.RequestException as exc:
        raise Unavailable(provider, f"request failed ({exc.__class__.__name__})") from None
    status = response.status_code
    if status == 429:
        raise RateLimited(provider, "HTTP 429 Too Many Requests", retry_after(response.headers))
    if status >= 500:
        raise Unavailable(provider, f"HTTP {status}")
    if status >= 400:
        try:
            body = parse_json(provider, response.text)
        except BadPayload:
            body = None
        return Reply(status, body, response.headers)
    return Reply(status, parse_json(provider, response.text), response.headers)


def client_error(provider: str, reply: Reply, detail: str = "") -> Exception:
    """The error for a 4xx no provider-specific rule explained."""
    text = f"HTTP {reply.status}" + (f": {detail}" if detail else "")
    if reply.status in (401, 403):
        return BadPayload(provider, f"{text} (API key refused or plan does not allow it)")
    if reply.status == 404:
        return NotCovered(provider, text)
    return BadPayload(provider, text)


def to_decimal(provider: str, value: Any, field: str) -> Decimal:
    """A finite Decimal from a JSON string or number; floats go through repr, never binary."""
    if isinstance(value, bool) or value is None:
        raise BadPayload(provider, f"{field} is missing or not a number")
    try:
        number = decimal_from(value, strict_text=False)
    except InvalidOperation:
        raise BadPayload(provider, f"{field} is not a number: {str(value)[:20]!r}") from None
    if not number.is_finite():
        raise BadPayload(provider, f"{field} is not finite")
    return number


def price(provider: str, instrument: Instrument, value: Any, field: str) -> Decimal:
    """A payload price rounded to the instrument's digits (the instrument owns precision)."""
    return instrument.price(to_decimal(provider, value, field))


def from_unix(provider: str, value: Any, field: str = "time", *, millis: bool = False) -> datetime:
    seconds = to_decimal(provider, value, field)
    if millis:
        seconds /= 1000
    try:
        return datetime.fromtimestamp(float(seconds), UTC)
    except (OverflowError, OSError, ValueError):
        raise BadPayload(provider, f"{field} is not a UNIX time: {value!r}") from None


def from_text(provider: str, value: Any, field: str = "time", *, zone: str = "UTC") -> datetime:
    """'2024-06-14' or '2024-06-14 15:00:00' in `zone` (UTC unless the payload names another)."""
    if not isinstance(value, str):
        raise BadPayload(provider, f"{field} is not a date/time text")
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise BadPayload(provider, f"{field} is not a date/time: {value[:30]!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone_info(zone))
    return moment.astimezone(UTC)


def zone_info(name: str):
    if not name or name.upper() in ("UTC", "GMT", "Z"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def lookback(instrument: Instrument, interval: str, limit: int, now: datetime) -> datetime:
    """Start of a window that holds at least `limit` bars, allowing for closed weekends."""
    span = INTERVALS[interval] * (limit + 1)
    if not instrument.trades_weekends:
        span = span * 7 / 5 + timedelta(days=3)
    return max(now - span, EPOCH)


class MappedProvider:
    """What every live provider shares, whatever it speaks: its name, its symbol map (and the
    proxies among it, for the quote's `source`), and the lookups that refuse what it lacks."""

    name: str = ""
    symbol_map: dict[str, str] = {}
    proxies: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"

    @property
    def configured(self) -> bool:
        return True

    def instrument(self, symbol: str) -> tuple[Instrument, str]:
        """The registry instrument and this provider's code for it, or NotCovered."""
        key = normalize_symbol(symbol) if isinstance(symbol, str) else ""
        code = self.symbol_map.get(key)
        if code is None or key not in REGISTRY:
            raise NotCovered(self.name, f"does not carry {str(symbol)[:20]!r}")
        return REGISTRY[key], code

    def source_for(self, symbol: str) -> str:
        """What a quote's `source` says: the provider, and the stand-in when it is a proxy."""
        key = normalize_symbol(symbol)
        if key in self.proxies:
            return f"{self.name}:{self.symbol_map[key]} ({self.proxies[key]})"
        return self.name

    def interval_code(self, intervals: dict[str, str], interval: str) -> str:
        try:
            return intervals[interval]
        except KeyError:
            raise NotCovered(self.name, f"has no {str(interval)[:10]!r} bars") from None


class HttpProvider(MappedProvider):
    """Base of the providers we call over HTTP ourselves: settings read at call time, one session.

    Subclasses set `name`, `symbol_map`, `base_url_setting` and (if keyed) `api_key_setting`,
    and may list `proxies` (registry symbol -> what stands in for it) for the quote's `source`.
    """

    base_url_setting: str = ""
    api_key_setting: str | None = None

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        session: requests.Session | None = None,
    ):
        self._api_key = api_key
        self._base_url = base_url
        if session is None:
            session = requests.Session()
            session.headers["User-Agent"] = USER_AGENT
        self.session = session

    @property
    def api_key(self) -> str:
        if self._api_key is not None:
            return self._api_key
        return getattr(settings, self.api_key_setting, "") if self.api_key_setting else ""

    @property
    def base_url(self) -> str:
        return (self._base_url or getattr(settings, self.base_url_setting)).rstrip("/")

    @property
    def configured(self) -> bool:
        return self.api_key_setting is None or bool(self.api_key)

    def require_key(self) -> None:
        if not self.configured:
            raise NotCovered(self.name, f"no API key ({self.api_key_setting} is empty)")

    def get(self, path: str, *, params: dict | None = None, headers: dict | None = None) -> Reply:
        return get_json(self.name, self.session, self.base_url + path, params=params, headers=headers)
