"""The provider chain: priority order, per-provider budgets, a circuit breaker, retries,
sanity checks, the shared quote cache and the database fallback.

Providers are thin adapters (paper_trading/providers/); every policy lives here:
- budgets are counted atomically on every request attempt (one conditional UPDATE of the
  provider's APIUsageTracker row), so no number of workers or threads can exceed them;
- a provider that fails `PROVIDER_BREAKER_FAILURES` times in a row is skipped for
  `PROVIDER_BREAKER_COOLOFF` seconds, then tried once (half-open) before it is trusted again;
- only transient errors (5xx, timeouts) are retried, with exponential backoff (tenacity);
- a quote that fails the sanity checks counts as the provider's failure;
- a sane quote that jumps far from the last accepted one is held (domain/spikes.py): the next
  provider is asked to confirm it, else the next poll decides; holds are counted per provider;
- the latest good quote goes to the shared cache, bars to PriceCache; when every provider
  fails, the stored ones are served with `stale` and `age_seconds` set honestly.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone
from tenacity import RetryError, Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from .domain.bars import Bar
from .domain.errors import NoPrice
from .domain.instruments import get_instrument
from .domain.quotes import Quote
from .domain.sanity import InsaneQuote, check_quote
from .market import current_quote, judge_quote, last_known_quote, publish_quote
from .models import APIUsageTracker
from .providers.base import NotCovered, PriceProvider, ProviderError, RateLimited
from .representations import iso

log = logging.getLogger(__name__)
RETRY_ATTEMPTS = 3
HELD_KEY = "held-quotes:{provider}:{date}"


class BudgetExhausted(ProviderError):
    """This provider's daily or per-minute budget is spent; try the next one."""


class CircuitOpen(ProviderError):
    """The provider failed repeatedly and is cooling off."""


@dataclass(frozen=True)
class Answer:
    """What the chain produced: the data, who gave it, and whether it is a stored fallback."""

    value: object
    source: str
    stale: bool = False
    age_seconds: float = 0.0
    held: Quote | None = None  # a provider's quote the spike hold kept back; `value` is the last accepted
    confirmed: Quote | None = None  # an earlier held quote `value` confirmed: apply it first


def count_held(provider: str) -> None:
    """One more quote of `provider` held today (shown as `held_quotes` in `GET providers/`)."""
    key = HELD_KEY.format(provider=provider, date=timezone.now().date().isoformat())
    cache.add(key, 0, 2 * 24 * 3600)
    cache.incr(key)


def held_today(providers: list[str]) -> dict[str, int]:
    date = timezone.now().date().isoformat()
    counts = cache.get_many([HELD_KEY.format(provider=p, date=date) for p in providers])
    return {p: counts.get(HELD_KEY.format(provider=p, date=date), 0) for p in providers}


# ---- budgets ------------------------------------------------------------------------------


def reserve(provider: str, *, now: datetime | None = None) -> None:
    """Count one request attempt against the provider's budgets, or raise BudgetExhausted.

    One conditional UPDATE per attempt: the row lock (PostgreSQL) or the write lock (SQLite)
    makes check-and-increment atomic across threads and processes.
    """
    daily, per_minute = settings.PROVIDER_BUDGETS.get(provider, (None, None))
    now = now or timezone.now()
    minute = now.replace(second=0, microsecond=0)
    APIUsageTracker.objects.get_or_create(provider=provider, date=now.date())
    condition = Q(provider=provider, date=now.date())
    if daily is not None:
        condition &= Q(requests__lt=daily)
    if per_minute is not None:
        condition &= ~Q(minute=minute) | Q(minute_requests__lt=per_minute) | Q(minute__isnull=True)
    updated = APIUsageTracker.objects.filter(condition).update(
        requests=F("requests") + 1,
        minute_requests=Case(When(minute=minute, then=F("minute_requests") + 1), default=Value(1)),
        minute=minute,
    )
    if not updated:
        raise BudgetExhausted(provider, "request budget spent (daily or per minute)")


def _record(provider: str, *, error: Exception | None = None) -> None:
    now = timezone.now()
    row = APIUsageTracker.objects.filter(provider=provider, date=now.date())
    if error is None:
        row.update(last_success=now)
    else:
        row.update(errors=F("errors") + 1, last_error=str(error)[:500], last_error_at=now)


# ---- circuit breaker -------------------------------------------------------------------------


class Breaker:
    """Shared (cache-backed) consecutive-failure counter with a cool-off."""

    def __init__(self, name: str):
        self.key = f"breaker:{name}"
        self.name = name

    def state(self) -> dict:
        return cache.get(self.key) or {"failures": 0, "open_until": 0.0}

    def allow(self) -> None:
        state = self.state()
        if state["open_until"] and time.time() < state["open_until"]:
            raise CircuitOpen(self.name, f"cooling off for {state['open_until'] - time.time():.0f} s")

    def success(self) -> None:
        if self.state()["failures"]:
            cache.set(self.key, {"failures": 0, "open_until": 0.0}, None)

    def failure(self) -> None:
        state = self.state()
        failures = state["failures"] + 1
        open_until = state["open_until"]
        if failures >= settings.PROVIDER_BREAKER_FAILURES:
            open_until = time.time() + settings.PROVIDER_BREAKER_COOLOFF
            log.warning(
                "%s failed %d times in a row: skipped for %.0f s",
                self.name,
                failures,
                settings.PROVIDER_BREAKER_COOLOFF,
            )
        cache.set(self.key, {"failures": failures, "open_until": open_until}, None)

    def is_open(self) -> bool:
        state = self.state()
        return bool(state["open_until"]) and time.time() < state["open_until"]


# ---- the chain ----------------------------------------------------------------------------------


class DataAggregator:
    def __init__(self, providers: list[PriceProvider] | None = None):
        if providers is None:
            from .providers.registry import live_providers

            providers = live_providers()
        order = {name: i for i, name in enumerate(settings.PROVIDER_PRIORITY)}
        self.providers = sorted(providers, key=lambda p: order.get(p.name, len(order)))

    def carrying(self, symbol: str) -> list[PriceProvider]:
        return [p for p in self.providers if p.configured and symbol in p.symbol_map]

    def _call(self, provider: PriceProvider, fn):
        """One provider call under its breaker and budget, retrying transient errors."""
        breaker = Breaker(provider.name)
        breaker.allow()

        def attempt():
            reserve(provider.name)
            return fn()

        try:
            for attempt_state in Retrying(
                stop=stop_after_attempt(RETRY_ATTEMPTS),
                wait=wait_exponential(multiplier=0.2, max=2),
                retry=retry_if_exception(lambda e: isinstance(e, ProviderError) and e.retryable),
                reraise=True,
            ):
                with attempt_state:
                    result = attempt()
        except (BudgetExhausted, NotCovered):
            raise  # not a malfunction: the breaker stays as it is
        except (ProviderError, InsaneQuote) as exc:
            breaker.failure()
            _record(provider.name, error=exc)
            raise
        except RetryError as exc:  # pragma: no cover - reraise=True makes tenacity re-raise the cause
            raise exc.last_attempt.exception() from None
        breaker.success()
        _record(provider.name)
        return result

    def quote(self, symbol: str) -> Answer:
        """The first sane quote from the providers carrying `symbol` that the spike hold lets
        through, published to every process. A held quote asks the next provider to confirm it;
        when none does, the answer is the last accepted quote with `held` set."""
        instrument = get_instrument(symbol)
        errors = []
        held = None
        for provider in self.carrying(instrument.symbol):
            now = timezone.now()

            def fetch(provider=provider, now=now):
                quote = provider.quote(instrument.symbol)
                return check_quote(quote, now=now, max_age=timedelta(seconds=settings.QUOTE_MAX_AGE))

            try:
                quote = self._call(provider, fetch)
            except (ProviderError, InsaneQuote) as exc:
                errors.append(f"{provider.name}: {exc}")
                continue
            verdict = judge_quote(quote, origin=provider.name)
            if verdict.is_held:
                count_held(provider.name)
                held = quote
                errors.append(f"{provider.name}: held {quote.bid}/{quote.ask}")
                continue
            publish_quote(quote)
            return Answer(quote, quote.source, confirmed=verdict.confirmed)
        if held is not None and (last := current_quote(instrument.symbol)) is not None:
            age = max(0.0, (timezone.now() - last.time).total_seconds())
            return Answer(last, last.source, age_seconds=age, held=held)
        return self._stored_quote(instrument.symbol, errors)

    def _stored_quote(self, symbol: str, errors: list[str]) -> Answer:
        """Every provider failed: the last quote we had, else the last stored bar's close."""
        now = timezone.now()
        quote = last_known_quote(symbol)
        if quote is None:
            raise NoPrice(f"No provider answered for {symbol} and nothing is stored: " + "; ".join(errors))
        age = max(0.0, (now - quote.time).total_seconds())
        return Answer(quote, quote.source, stale=True, age_seconds=age)

    def bars(self, symbol: str, interval: str, limit: int) -> Answer:
        """Recent bars from the first provider that has them (cached and persisted), else stored ones."""
        instrument = get_instrument(symbol)
        key = f"bars:{instrument.symbol}:{interval}:{limit}"
        cached = cache.get(key)
        if cached is not None:
            return Answer(cached[1], cached[0])
        for provider in self.carrying(instrument.symbol):
            try:
                bars = self._call(provider, lambda p=provider: p.bars(instrument.symbol, interval, limit))
            except ProviderError:
                continue
            if bars:
                from .bars import upsert_bars

                source = (
                    provider.source_for(instrument.symbol)
                    if hasattr(provider, "source_for")
                    else provider.name
                )
                upsert_bars(instrument.symbol, interval, bars, source)
                cache.set(key, (source, bars), 60)
                return Answer(bars, source)
        from .bars import load_bars

        bars, source = load_bars(instrument.symbol, interval, limit)
        age = (timezone.now() - bars[-1].time).total_seconds() if bars else 0.0
        return Answer(bars, source, stale=True, age_seconds=max(0.0, age))

    def probe(self, symbols: list[str]) -> list[str]:
        """Names of the providers that answered a quote for any of `symbols` (used at start-up)."""
        answered = []
        for symbol in symbols:
            for provider in self.carrying(symbol):
                if provider.name in answered or Breaker(provider.name).is_open():
                    continue
                try:
                    self._call(provider, lambda p=provider, s=symbol: p.quote(s))
                except (ProviderError, InsaneQuote):
                    continue
                answered.append(provider.name)
        return answered

    def status(self) -> list[dict]:
        """What `GET providers/` shows for each provider (docs/api.md, Bars and providers)."""
        today = timezone.now().date()
        usage = {u.provider: u for u in APIUsageTracker.objects.filter(date=today)}
        last_success = dict(
            APIUsageTracker.objects.filter(last_success__isnull=False)
            .order_by("provider", "last_success")  # the dict keeps the latest per provider
            .values_list("provider", "last_success")
        )
        minute = timezone.now().replace(second=0, microsecond=0)
        held = held_today([p.name for p in self.providers])
        rows = []
        for priority, provider in enumerate(self.providers, start=1):
            daily, per_minute = settings.PROVIDER_BUDGETS.get(provider.name, (None, None))
            row = usage.get(provider.name)
            requests_today = row.requests if row else 0
            if not provider.configured:
                state = "disabled"
            elif Breaker(provider.name).is_open():
                state = "failing"
            elif daily is not None and requests_today >= daily:
                state = "rate_limited"
            elif (
                per_minute is not None
                and row is not None
                and row.minute == minute
                and row.minute_requests >= per_minute
            ):
                state = "rate_limited"  # this minute's budget is spent
            elif row is not None and isinstance(_last_error(row), RateLimited):
                state = "rate_limited"
            else:
                state = "ok"
            rows.append(
                {
                    "name": provider.name,
                    "configured": provider.configured,
                    "priority": priority,
                    "requests_today": requests_today,
                    "daily_limit": daily,
                    "per_minute_limit": per_minute,
                    "last_success": iso(last_success.get(provider.name)),
                    "last_error": (row.last_error or None) if row else None,
                    "state": state,
                    "held_quotes": held[provider.name],
                }
            )
        return rows


def _last_error(row: APIUsageTracker):
    """A rate-limit message recorded within the last minute marks the provider rate_limited."""
    if row.last_error_at and timezone.now() - row.last_error_at < timedelta(minutes=1):
        if "rate" in row.last_error.lower() or "429" in row.last_error:
            return RateLimited(row.provider, row.last_error)
    return None


__all__ = ["Answer", "BudgetExhausted", "CircuitOpen", "DataAggregator", "reserve", "Bar"]
