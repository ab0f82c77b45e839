"""The test harness itself: the loopback server records what it gets, and nothing leaves the machine."""

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import requests

from paper_trading.providers._http import retry_after
from paper_trading.providers.base import Unavailable
from paper_trading.providers.binance import BinanceProvider


def test_the_server_records_path_query_and_headers(server):
    server.route("/x", json_body={"ok": True})

    response = requests.get(server.url + "/x", params={"a": "1/2"}, headers={"X-Test": "yes"}, timeout=2)

    assert response.json() == {"ok": True}
    assert server.last.path == "/x"
    assert server.last.query == {"a": "1/2"}
    assert server.last.headers["x-test"] == "yes"


def test_real_hosts_are_refused_before_any_packet_leaves(settings):
    settings.BINANCE_BASE_URL = "https://api.binance.com"

    with pytest.raises(Unavailable, match="connection failed"):
        BinanceProvider().quote("BTCUSD")


def test_retry_after_reads_seconds_and_http_dates():
    later = datetime.now(UTC) + timedelta(seconds=120)

    assert retry_after({"Retry-After": "12"}) == 12.0
    assert 100 < retry_after({"Retry-After": format_datetime(later, usegmt=True)}) <= 120
    assert retry_after({"Retry-After": "soon"}) is None
    assert retry_after({}) is None
