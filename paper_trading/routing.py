"""WebSocket routes and their handshake checks: Host and Origin, then the session cookie or
`?token=<key>` (docs/websocket.md, "Connecting")."""

from __future__ import annotations

from importlib import import_module
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

from channels.db import database_sync_to_async
from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.cookie import parse_cookie
from django.http.request import split_domain_port, validate_host
from django.urls import path
from django.utils.http import is_same_domain

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
        from .persistence import token_and_user

        found = token_and_user(token)
        if found is not None and found[1].is_active:
            return found[1]
    return AnonymousUser()


DEFAULT_PORTS = {"http": 80, "https": 443}


def header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin1")
    return None


def _origin_key(scheme: str, host: str, port: int | None) -> tuple[str, str, int | None]:
    return scheme, host.lower().rstrip("."), port or DEFAULT_PORTS.get(scheme)


def own_origin(scope, host: str) -> tuple[str, str, int | None]:
    """The origin a page served by this request's host has: `ws` is `http`, `wss` is `https`
    (daphne sets `wss` behind a TLS proxy when run with proxy headers)."""
    scheme = "https" if scope.get("scheme") == "wss" else "http"
    name, port = split_domain_port(host)
    return _origin_key(scheme, name, int(port) if port else None)


def origin_allowed(scope, host: str, origin: str) -> bool:
    """The server's own origin (scheme, host and port), or one of CSRF_TRUSTED_ORIGINS with the
    same rules as Django's CSRF check (`https://*.example.com` covers the subdomains)."""
    try:
        parsed = urlsplit(origin)
        key = _origin_key(parsed.scheme, parsed.hostname or "", parsed.port)
    except ValueError:  # a port that is not a number
        return False
    if not parsed.hostname or parsed.scheme not in DEFAULT_PORTS:
        return False  # "null" (a sandboxed frame, a file: page) and anything not http(s)
    if key == own_origin(scope, host):
        return True
    for trusted in settings.CSRF_TRUSTED_ORIGINS:
        allowed = urlsplit(trusted)
        if "*" in trusted:
            subdomains = allowed.netloc.lstrip("*")
            if allowed.scheme == parsed.scheme and is_same_domain(parsed.netloc.lower(), subdomains):
                return True
        elif _origin_key(allowed.scheme, allowed.hostname or "", allowed.port) == key:
            return True
    return False


class SiteOriginValidator:
    """Refuses (before accept: HTTP 403) a handshake whose Host is not in ALLOWED_HOSTS, or
    whose Origin is neither this server's own origin nor a trusted one. A handshake without an
    Origin passes: browsers always send one, so it comes from a script, and
    WebSocketAuthMiddleware then takes its token only, never a cookie.

    Channels' AllowedHostsOriginValidator compared the Origin's host name alone with
    ALLOWED_HOSTS, so a page on another port or scheme of an allowed host (`http://localhost:1234`)
    could open a socket with the visitor's session cookie."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        host, origin = header(scope, b"host"), header(scope, b"origin")
        allowed_hosts = settings.ALLOWED_HOSTS
        if settings.DEBUG and not allowed_hosts:  # Django's own default for this case
            allowed_hosts = [".localhost", "127.0.0.1", "[::1]"]
        ok = bool(host) and validate_host(split_domain_port(host)[0], allowed_hosts)
        if ok and origin is not None:
            ok = origin_allowed(scope, host, origin)
        if not ok:
            return await WebsocketDenier.as_asgi()(scope, receive, send)
        return await self.app(scope, receive, send)


class WebSocketAuthMiddleware:
    """Puts `user` in the scope once, at the handshake: the session cookie (the dashboard) or
    `?token=<key>` (scripts; browsers cannot set headers on a WebSocket handshake). The cookie
    counts only on a handshake with an Origin, which SiteOriginValidator has checked.

    Channels' AuthMiddlewareStack would do the session part too, but it wraps every outgoing
    frame to save the session, which a socket never changes: that check cost about a tenth of
    the server's CPU per price frame (docs/performance.md)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        cookie = header(scope, b"cookie") if header(scope, b"origin") is not None else None
        cookies = parse_cookie(cookie) if cookie else {}
        tokens = parse_qs(scope.get("query_string", b"").decode("latin1")).get("token")
        user = await authenticate(cookies.get(settings.SESSION_COOKIE_NAME), tokens[0] if tokens else None)
        return await self.app(dict(scope, user=user), receive, send)


websocket_urlpatterns = [
    path("ws/trading/", consumers.TradingConsumer.as_asgi()),
    path("ws/prices/", consumers.PricesConsumer.as_asgi()),
]


def websocket_application():
    """Host and Origin check → session or token → the consumers."""
    from channels.routing import URLRouter

    return SiteOriginValidator(WebSocketAuthMiddleware(URLRouter(websocket_urlpatterns)))
