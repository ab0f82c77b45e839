"""WebSocket routes and their authentication: the session cookie, or `?token=<key>`."""

from __future__ import annotations

from importlib import import_module
from types import SimpleNamespace
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.security.websocket import AllowedHostsOriginValidator
from django.conf import settings
from django.http.cookie import parse_cookie
from django.urls import path

from . import consumers


@database_sync_to_async
def authenticate(session_key: str | None, token: str | None):
    """The user of a session cookie (Django's own check, so a changed password or a logout
    ends it), else of a REST token; AnonymousUser when neither holds."""
    from django.contrib.auth import get_user
    from django.contrib.auth.models import AnonymousUser

    if session_key:
        store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
        user = get_user(SimpleNamespace(session=store))
        if user.is_authenticated:
            return user
    if token and len(token) <= 64:
        from .api.authentication import token_and_user

        found = token_and_user(token)
        if found is not None and found[1].is_active:
            return found[1]
    return AnonymousUser()


class WebSocketAuthMiddleware:
    """Puts `user` in the scope once, at the handshake: the session cookie (the dashboard) or
    `?token=<key>` (scripts; browsers cannot set headers on a WebSocket handshake).

    Channels' AuthMiddlewareStack would do the session part too, but it wraps every outgoing
    frame to save the session, which a socket never changes: that check cost about a tenth of
    the server's CPU per price frame (docs/performance.md)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        cookies = {}
        for name, value in scope.get("headers", ()):
            if name == b"cookie":
                cookies = parse_cookie(value.decode("latin1"))
        tokens = parse_qs(scope.get("query_string", b"").decode("latin1")).get("token")
        user = await authenticate(cookies.get(settings.SESSION_COOKIE_NAME), tokens[0] if tokens else None)
        return await self.app(dict(scope, user=user), receive, send)


websocket_urlpatterns = [
    path("ws/trading/", consumers.TradingConsumer.as_asgi()),
    path("ws/prices/", consumers.PricesConsumer.as_asgi()),
]


def websocket_application():
    """Origin check (ALLOWED_HOSTS) → session or token → the consumers."""
    from channels.routing import URLRouter

    return AllowedHostsOriginValidator(WebSocketAuthMiddleware(URLRouter(websocket_urlpatterns)))
