"""A `requests.Session` that serves recorded Yahoo answers, for yfinance's `session=` argument.

yfinance accepts a requests or curl_cffi Session; this one has a transport adapter (requests'
public extension point) mounted for every URL, so nothing leaves the process. It answers
yfinance's cookie and crumb requests like Yahoo does, serves the routes a test programs by host
and path, answers anything else 404, and records every request.
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
        self.yahoo.requests.append(
            Seen(request.method, parts.hostname or "", parts.path, dict(parse_qsl(parts.query)))
        )
        answer = self.yahoo.routes.get((parts.hostname, parts.path), Answer(404, b"Not Found"))
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
        self.route(CHART_HOST, f"/v8/finance/chart/{code}", status=status, body=raw, headers=all_headers, error=error)

    def charts(self, code: str) -> list[Seen]:
        """The chart requests for `code` that asked for prices (yfinance's time-zone lookup, a
        `range=1d` chart without `events`, is left out: it happens once per code and process)."""
        return [
            r
            for r in self.requests
            if r.host == CHART_HOST and r.path == f"/v8/finance/chart/{code}" and "events" in r.query
        ]

    def hosts(self) -> set[str]:
        return {r.host for r in self.requests}
