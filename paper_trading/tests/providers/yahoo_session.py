"""A `requests.Session` that serves recorded Yahoo answers, for yfinance's `session=` argument.

yfinance accepts a requests or curl_cffi Session; this one has a transport adapter (requests'
public extension point) mounted for every URL, so nothing leaves the process. It answers
yfinance's cookie and crumb requests like Yahoo does, serves the routes a test programs by host
and path, answers anything else 404, and records every request.

yfinance looks a code's time zone up once per process (a `range=1d` chart without `events`) and
caches it; that lookup is answered with the code's good recorded chart when there is one, as
Yahoo would have answered it earlier, so a test sees the same whichever test made it first.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from .conftest import payload

CHART_HOST = "query2.finance.yahoo.com"
CRUMB = "rEcOrDeDcRuMb"
TIME_ZONE_CHARTS = {
    "EURUSD=X": "yahoo/chart_eurusd_quote.json",
    "GC=F": "yahoo/chart_gc_f_quote.json",
    "BTC-USD": "yahoo/chart_btc_usd_quote.json",
}


def _is_time_zone_lookup(host: str, path: str, query: dict) -> bool:
    return host == CHART_HOST and path.startswith("/v8/finance/chart/") and "events" not in query


def _time_zone_answer(path: str) -> Answer | None:
    name = TIME_ZONE_CHARTS.get(path.rsplit("/", 1)[-1])
    return Answer(200, payload(name), {"Content-Type": "application/json"}) if name else None


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    error: Exception | None = None  # raised instead of answering (timeouts, refused connections)


@dataclass(frozen=True)
class Seen:
    method: str
    host: str
    path: str
    query: dict[str, str]


class _Recorded(BaseAdapter):
    def __init__(self, yahoo: RecordedYahoo):
        super().__init__()
        self.yahoo = yahoo

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        parts = urlsplit(request.url)
        host, query = parts.hostname or "", dict(parse_qsl(parts.query))
        self.yahoo.requests.append(Seen(request.method, host, parts.path, query))
        answer = _is_time_zone_lookup(host, parts.path, query) and _time_zone_answer(parts.path)
        answer = answer or self.yahoo.routes.get((host, parts.path), Answer(404, b"Not Found"))
        if answer.error is not None:
            raise answer.error
        response = requests.Response()
        response.status_code = answer.status
        response.reason = "OK" if answer.status < 400 else "Error"
        response.headers = CaseInsensitiveDict(answer.headers)
        response.raw = io.BytesIO(answer.body)  # what Response.content reads
        response.encoding = "utf-8"
        response.url = request.url
        response.request = request
        return response

    def close(self):
        pass


class RecordedYahoo(requests.Session):
    """The session to hand yfinance. `chart(code, ...)` programs the chart endpoint for a code."""

    def __init__(self):
        super().__init__()
        self.routes: dict[tuple[str, str], Answer] = {}
        self.requests: list[Seen] = []
        adapter = _Recorded(self)
        self.mount("https://", adapter)
        self.mount("http://", adapter)
        # What Yahoo answers the cookie and crumb requests yfinance makes first.
        self.route("fc.yahoo.com", "/", status=404, body=b"<html>404 Not Found</html>")
        self.route(
            "query1.finance.yahoo.com",
            "/v1/test/getcrumb",
            body=CRUMB.encode(),
            headers={"Content-Type": "text/plain"},
        )

    def route(self, host: str, path: str, *, status=200, body: bytes = b"", headers=None, error=None):
        self.routes[(host, path)] = Answer(status, body, headers or {}, error)

    def chart(
        self,
        code: str,
        *,
        payload_file: str | None = None,
        body: bytes | str = b"",
        status: int = 200,
        headers: dict[str, str] | None = None,
        error: Exception | None = None,
    ) -> None:
        raw = payload(payload_file) if payload_file else body.encode() if isinstance(body, str) else body
        all_headers = {"Content-Type": "application/json"}
        all_headers.update(headers or {})
        path = f"/v8/finance/chart/{code}"
        self.route(CHART_HOST, path, status=status, body=raw, headers=all_headers, error=error)

    def charts(self, code: str) -> list[Seen]:
        """The chart requests for `code` that asked for prices (not the time-zone lookup)."""
        path = f"/v8/finance/chart/{code}"
        return [
            r for r in self.requests if r.path == path and not _is_time_zone_lookup(r.host, r.path, r.query)
        ]

    def hosts(self) -> set[str]:
        return {r.host for r in self.requests}
