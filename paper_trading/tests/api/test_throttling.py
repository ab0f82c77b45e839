"""Request rates (docs/api.md, Throttling: 429 `throttled`): at most N requests in any window, per user or,
without credentials, per address; refused requests do not count. With Redis the log is one
atomic script (paper_trading/api/throttling.py), otherwise DRF's cache list: same answers."""

import pytest
from django.core.cache import cache

from paper_trading.api.throttling import AnonRateThrottle, UserRateThrottle

from .support import assert_error, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock(monkeypatch):
    now = [1_000_000.0]
    for throttle in (UserRateThrottle, AnonRateThrottle):
        monkeypatch.setattr(throttle, "timer", staticmethod(lambda: now[0]))
        monkeypatch.setattr(throttle, "THROTTLE_RATES", {"user": "3/min", "anon": "2/min"})
    return now


@pytest.fixture(autouse=True)
def _no_history(user, other_user):
    # Without credentials both throttles count the address (the user one at its own rate).
    keys = [f"throttle_user_{u.pk}" for u in (user, other_user)]
    keys += ["throttle_anon_127.0.0.1", "throttle_user_127.0.0.1"]
    cache.delete_many(keys + [f"{k}:log" for k in keys])


def test_user_over_the_rate_is_429_with_retry_after_until_the_window_passes(
    api, clock, client_for, other_user
):
    for _ in range(3):
        assert api.get(url("symbols/")).status_code == 200
        clock[0] += 10

    refused = api.get(url("symbols/"))
    assert_error(refused, 429, "throttled")
    assert refused["Retry-After"] == "30"  # the oldest of the three leaves the window in 30 s
    assert client_for(other_user).get(url("symbols/")).status_code == 200  # per user

    clock[0] += 29
    assert api.get(url("symbols/")).status_code == 429  # refused requests did not count...
    clock[0] += 1.5
    assert api.get(url("symbols/")).status_code == 200  # ...and the first one has left


def test_requests_without_credentials_are_limited_per_address(client, clock):
    # Endpoints that need credentials answer 401 first; the session probe is open to anyone.
    assert client.get("/api/auth/session/").status_code == 200
    assert client.get("/api/auth/session/").status_code == 200
    assert_error(client.get("/api/auth/session/"), 429, "throttled")


def test_with_redis_the_log_is_one_sorted_set_per_client(api, clock, user):
    from django.core.cache import caches
    from django_redis import get_redis_connection
    from django_redis.cache import RedisCache

    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        pytest.skip("the cache is local memory: DRF's own list is used")
    for _ in range(2):
        assert api.get(url("symbols/")).status_code == 200

    log = backend.make_key(f"throttle_user_{user.pk}:log")
    client = get_redis_connection()
    assert client.zcard(log) == 2
    assert 0 < client.ttl(log) <= 60
    assert cache.get(f"throttle_user_{user.pk}") is None  # no pickled list beside it
