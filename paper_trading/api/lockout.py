"""The client address and the answer to a locked-out login, for django-axes (settings AXES_*).

One rule for the client address serves both the login lockout and DRF's throttles: DRF's own
`get_ident` under `NUM_PROXIES` (= TRUSTED_PROXY_COUNT). With 0 only REMOTE_ADDR counts, so a
client cannot pick its address with `X-Forwarded-For`; with N proxies the address the N-th proxy
from the server saw. docs/api.md#authentication.
"""

from __future__ import annotations

import math

from axes.helpers import get_cool_off
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from rest_framework.throttling import BaseThrottle

from .errors import error_body

LOCKED_OUT_CODE = "too_many_failed_logins"
STATUS = 429


def client_ip(request: HttpRequest) -> str | None:
    """The address failed logins are counted for (AXES_CLIENT_IP_CALLABLE)."""
    return BaseThrottle().get_ident(request)


def retry_after(request: HttpRequest) -> int:
    """Seconds until a new attempt may succeed. Each attempt during a lockout is counted too and
    starts the cool-off again, so after this one it is the whole cool-off (an upper bound: an
    address's or username's older failures may age out sooner)."""
    return max(1, math.ceil(get_cool_off(request).total_seconds()))


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the API's error body under /api/, the admin's lockout page
    elsewhere; 429 with `Retry-After` for both. Only `request` is read: axes passes the other
    two arguments in a different order on its async path."""
    seconds = retry_after(request)
    message = f"Too many failed logins; try again in {seconds} seconds."
    if request.path.startswith("/api/"):
        response = JsonResponse(error_body(LOCKED_OUT_CODE, message), status=STATUS)
    else:
        page = render_to_string("paper_trading/locked_out.html", {"message": message}, request=request)
        response = HttpResponse(page, status=STATUS)
    response["Retry-After"] = str(seconds)
    return response
