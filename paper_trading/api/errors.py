"""One exception handler: every error leaves as the API's error body (docs/api.md, Errors)
`{"code", "message", "errors"?}`; domain errors keep their stable codes."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.urls import is_valid_path
from django.views import defaults
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from ..domain.errors import DomainError, InvalidInput

try:
    from redis.exceptions import ConnectionError as _RedisConnectionError
    from redis.exceptions import TimeoutError as _RedisTimeoutError

    RedisUnavailable: tuple[type[Exception], ...] = (_RedisConnectionError, _RedisTimeoutError)
except ImportError:  # pragma: no cover - redis is a pinned dependency
    RedisUnavailable = ()

CODES = {
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.Throttled: "throttled",
    exceptions.ParseError: "parse_error",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.NotAcceptable: "not_acceptable",
}


def _flatten(detail) -> dict:
    """DRF's nested error detail as {field: [messages]}."""
    if isinstance(detail, dict):
        out = {}
        for field, value in detail.items():
            if isinstance(value, dict):
                for sub, messages in _flatten(value).items():
                    out[f"{field}.{sub}"] = messages
            else:
                out[field] = [str(m) for m in (value if isinstance(value, list) else [value])]
        return out
    if isinstance(detail, list):
        return {"non_field_errors": [str(m) for m in detail]}
    return {"non_field_errors": [str(detail)]}


def error_body(code: str, message: str, errors: dict | None = None) -> dict:
    body = {"code": code, "message": message}
    if errors:
        body["errors"] = errors
    return body


def exception_handler(exc, context):
    if isinstance(exc, RedisUnavailable):
        # Quotes, throttles and the channel layer live in Redis: while it restarts the API says
        # so and asks for a retry instead of failing with a 500 page.
        body = error_body("service_unavailable", "The cache service is unavailable; retry shortly.")
        return Response(body, status=503, headers={"Retry-After": "1"})
    if isinstance(exc, OperationalError | InterfaceError):
        # The database refused or lost the connection (a restart, SQLite's lock held past its
        # timeout): the transaction rolled back, nothing was written, a retry is the answer.
        body = error_body("service_unavailable", "The database is busy or unavailable; retry shortly.")
        return Response(body, status=503, headers={"Retry-After": "1"})
    if isinstance(exc, DomainError):
        errors = {exc.field or "non_field_errors": [exc.message]} if isinstance(exc, InvalidInput) else None
        headers = {"Retry-After": str(exc.retry_after)} if getattr(exc, "retry_after", None) else None
        return Response(
            {**error_body(exc.code, exc.message, errors), **exc.extra}, status=exc.status, headers=headers
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        first = next(iter(errors.values()))[0] if errors else "Invalid input."
        response.data = error_body("validation_error", first, errors)
    else:
        code = CODES.get(type(exc)) or getattr(exc, "default_code", "error")
        # A body that does not parse is a 400 like any invalid input: it carries `errors` too.
        errors = {"non_field_errors": [str(exc.detail)]} if isinstance(exc, exceptions.ParseError) else None
        response.data = error_body(code, str(exc.detail), errors)
    return response


# Errors Django answers before any API view runs (a path nothing routes, a request refused by
# middleware, a crash): under /api/ they leave in the API's error body too, elsewhere (admin,
# dashboard) as Django's own pages. Wired as handler400/403/404/500 in forex_signal/urls.py.

API_PREFIX = "/api/"


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIX)


def _api_error(code: str, message: str, status: int) -> JsonResponse:
    return JsonResponse(error_body(code, message), status=status)


def bad_request(request, exception=None):
    if not is_api_path(request.path_info):
        return defaults.bad_request(request, exception)
    return _api_error("bad_request", "The request could not be understood.", 400)


def permission_denied(request, exception=None):
    if not is_api_path(request.path_info):
        return defaults.permission_denied(request, exception)
    return _api_error("permission_denied", str(exceptions.PermissionDenied.default_detail), 403)


def page_not_found(request, exception=None):
    """No route matched. API paths end with a slash and are never redirected (a redirect would
    drop a POST's body), so a path missing only its slash is named in the message."""
    if not is_api_path(request.path_info):
        return defaults.page_not_found(request, exception)
    path = request.path_info
    if not path.endswith("/") and is_valid_path(path + "/", getattr(request, "urlconf", None)):
        return _api_error("not_found", f"API paths end with a slash: {path}/", 404)
    return _api_error("not_found", f"No API endpoint at {path}.", 404)


def server_error(request):
    if not is_api_path(request.path_info):
        return defaults.server_error(request)
    return _api_error("server_error", "Internal server error; nothing was written.", 500)


def read_only(view):
    """Wrap a page that only GET and HEAD can read (the schema, Swagger UI): any other method is
    a 405 in the API's error body. DRF would answer OPTIONS with its metadata rendered through the
    page's own renderer, which Swagger UI's HTML template cannot render (a 500)."""

    def wrapped(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            response = _api_error("method_not_allowed", f'Method "{request.method[:20]}" not allowed.', 405)
            response["Allow"] = "GET, HEAD"
            return response
        return view(request, *args, **kwargs)

    return wrapped
