"""WebSocket routes and their authentication: the session cookie, or `?token=<key>`."""

from __future__ import annotations

from urllib.parse import parse_qs

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from channels.security.websocket import AllowedHostsOriginValidator
from django.urls import path

from . import consumers


@database_sync_to_async
def user_for_token(key: str):
    from rest_framework.authtoken.models import Token

    token = Token.objects.select_related("user").filter(key=key).first()
    if token is None or not token.user.is_active:
        return None
    return token.user


class TokenAuthMiddleware:
    """Scripts without a session authenticate with the REST token in the query string
    (browsers cannot set headers on a WebSocket handshake). A session user wins."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        user = scope.get("user")
        if user is None or not user.is_authenticated:
            keys = parse_qs(scope.get("query_string", b"").decode("latin1")).get("token")
            if keys and 0 < len(keys[0]) <= 64:
                found = await user_for_token(keys[0])
                if found is not None:
                    scope = dict(scope, user=found)
        return await self.app(scope, receive, send)


websocket_urlpatterns = [
    path("ws/trading/", consumers.TradingConsumer.as_asgi()),
    path("ws/prices/", consumers.PricesConsumer.as_asgi()),
]


def websocket_application():
    """Origin check (ALLOWED_HOSTS) → session → token → the consumers."""
    from channels.routing import URLRouter

    return AllowedHostsOriginValidator(
        AuthMiddlewareStack(TokenAuthMiddleware(URLRouter(websocket_urlpatterns)))
    )
