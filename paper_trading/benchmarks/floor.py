"""The per-request floor for `benchmark api --floor`: what a request costs before any of our code.

`bare` is an ASGI app that answers at once (daphne and Twisted alone); `through_django` is the
project's ASGI handler with its whole middleware chain in front of one trivial view (Django's
request and response path as `manage.py serve` runs it). Both answer a POST with a fixed 201 JSON body and
`GET /healthz` with 200.
"""

import django
from django.conf import settings

if not settings.configured or not django.apps.apps.ready:
    django.setup()

from django.http import HttpResponse, JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402

from paper_trading.fast_path import SyncChainASGIHandler  # noqa: E402

BODY = b'{"id": 1, "status": "open", "pair": "EURUSD"}'


async def bare(scope, receive, send):
    if scope["type"] != "http":
        return
    more = True
    while more:
        more = (await receive()).get("more_body", False)
    status = 201 if scope["method"] == "POST" else 200
    await send(
        {"type": "http.response.start", "status": status, "headers": [(b"content-type", b"application/json")]}
    )
    await send({"type": "http.response.body", "body": BODY})


@csrf_exempt
def trivial(request):
    return HttpResponse(BODY, status=201, content_type="application/json")


urlpatterns = [
    path("healthz", lambda request: JsonResponse({"status": "ok"})),
    path("api/paper-trading/trades/execute/", trivial),
]


class _TrivialViewHandler(SyncChainASGIHandler):
    def _sync_response(self, request):
        request.urlconf = __name__  # the resolver honours a per-request URLconf
        return super()._sync_response(request)


through_django = _TrivialViewHandler()
