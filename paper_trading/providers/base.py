"""The `PriceProvider` protocol every market-data source implements, and its typed errors.

A provider is a thin adapter: one HTTP attempt per call, the provider's own symbol codes and
payload format in, domain `Quote`s and `Bar`s out. Budgets, retries, the circuit breaker,
caching and sanity checks belong to `paper_trading.data_aggregator`, not here.
"""

from __future__ import annotations

from typing import Protocol

from ..domain.bars import Bar
from ..domain.quotes import Quote


class ProviderError(Exception):
    """A provider could not answer. `retryable` errors may be retried (idempotent GETs)."""

    retryable = False

    def __init__(self, provider: str, message: str):
        super().__init__(f"{provider}: {message}")
        self.provider = provider
        self.message = message


class RateLimited(ProviderError):
    """HTTP 429 or the provider's own rate-limit body. Not retried: the budget says when."""

    def __init__(self, provider: str, message: str, retry_after: float | None = None):
        super().__init__(provider, message)
        self.retry_after = retry_after


class Unavailable(ProviderError):
    """5xx, timeouts, refused connections: transient, retried with backoff."""

    retryable = True


class NotCovered(ProviderError):
    """The provider does not carry this symbol or interval (e.g. Finnhub's `c: 0`)."""


class BadPayload(ProviderError):
    """Malformed JSON or a body that is not the provider's documented shape."""


class PriceProvider(Protocol):
    name: str
    #: Registry symbol -> the provider's own code (e.g. EURUSD -> "EUR/USD" at Twelve Data).
    symbol_map: dict[str, str]

    @property
    def configured(self) -> bool:
        """True when it can be called (its API key is set, or it needs none)."""

    def quote(self, symbol: str) -> Quote: ...

    def bars(self, symbol: str, interval: str, limit: int) -> list[Bar]: ...
