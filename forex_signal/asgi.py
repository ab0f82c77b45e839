"""ASGI entry point served by daphne: HTTP through Django, WebSockets through Channels."""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forex_signal.settings")
get_asgi_application()  # sets Django up before the routing and the app's modules are imported

from channels.routing import ProtocolTypeRouter  # noqa: E402
from django.urls import get_resolver  # noqa: E402

from paper_trading import fast_path  # noqa: E402
from paper_trading.routing import websocket_application  # noqa: E402


def _tune_garbage_collector() -> None:
    """Keep full collections out of the request path (measured in docs/performance.md).

    A full collection stops every request of the process while it walks every tracked object,
    which alone set the API benchmark's p99. What is loaded by now lives as long as the process,
    so it is frozen out of the scans; and a full collection waits for 1,000 middle-generation ones
    instead of 10 (young cycles are still collected by the cheap generations).
    """
    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, 1000)


http_application = fast_path.http_application()
get_resolver().url_patterns  # noqa: B018 - import every view now, not on the first request
_tune_garbage_collector()
application = ProtocolTypeRouter({"http": http_application, "websocket": websocket_application()})
