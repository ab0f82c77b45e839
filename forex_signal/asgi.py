"""ASGI entry point served by daphne: HTTP through Django, WebSockets through Channels."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "forex_signal.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402

from forex_signal.handlers import SyncChainASGIHandler  # noqa: E402
from paper_trading.routing import websocket_application  # noqa: E402

application = ProtocolTypeRouter({"http": SyncChainASGIHandler(), "websocket": websocket_application()})
