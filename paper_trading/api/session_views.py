"""Browser sign-in for the dashboard: the Django session cookie, with CSRF on every POST.

`GET /api/auth/session/` says who is signed in and sets the `csrftoken` cookie the SPA sends
back in `X-CSRFToken`; `POST /api/auth/login/` (throttled like `api/auth/token/`) and
`POST /api/auth/logout/` change the session. Scripts use tokens instead (`api/auth/token/`);
logout with a token revokes that token, and `POST /api/auth/logout-all/` revokes every token of
the user and ends this session. Failed logins count towards the lockout (api/lockout.py).
"""

from django.contrib.auth import authenticate, login, logout, user_logged_out
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import ensure_csrf_cookie
from drf_spectacular.utils import extend_schema, inline_serializer
from knox.models import AuthToken
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from ..domain.errors import InvalidInput
from .authentication import TokenAuthentication, token_revoke, tokens_revoke_all
from .responses import Session


def session_body(user) -> dict:
    if not user.is_authenticated:
        return {"authenticated": False}
    return {
        "authenticated": True,
        "user": {"id": user.pk, "username": user.get_username(), "is_staff": user.is_staff},
    }


def enforce_csrf(request) -> None:
    """DRF checks CSRF only for requests already authenticated by session; login must be
    protected too (login CSRF), so every POST here is checked. Refusal: 403 permission_denied."""
    SessionAuthentication().enforce_csrf(request)


class LoginSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)


def credentials_user(request):
    """The active user the body's `username` and `password` name, or None. `authenticate` gets
    Django's request, not DRF's: django-axes counts a failure and marks a lockout on it."""
    data = LoginSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    user = authenticate(
        request._request,
        username=data.validated_data["username"],
        password=data.validated_data["password"],
    )
    return user if user is not None and user.is_active else None


@method_decorator(ensure_csrf_cookie, name="dispatch")
class SessionView(APIView):
    """The signed-in user, or `{"authenticated": false}`; always (re)sets the CSRF cookie."""

    authentication_classes = [SessionAuthentication]
    permission_classes = [AllowAny]

    @extend_schema(responses=Session)
    def get(self, request):
        return Response(session_body(request.user))


class LoginView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    @extend_schema(request=LoginSerializer, responses=Session)
    def post(self, request):
        enforce_csrf(request)
        user = credentials_user(request)
        if user is None:
            raise InvalidInput(
                "Wrong username or password.", code="invalid_credentials", field="non_field_errors"
            )
        # Rotates the session key and the CSRF token; the response carries both cookies.
        login(request._request, user)
        return Response(session_body(user))


def session_end(request) -> None:
    """End the browser session; Django's `logout` sends `user_logged_out` (which also ends the
    user's WebSockets)."""
    logout(request._request)


class LogoutView(APIView):
    """With a token: revoke that token. Else: end the session (CSRF checked)."""

    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [AllowAny]

    @extend_schema(request=None, responses=Session)
    def post(self, request):
        if isinstance(request.auth, AuthToken):
            token_revoke(request=request._request, user=request.user, token=request.auth)
        else:
            enforce_csrf(request)
            session_end(request)
        return Response({"authenticated": False})


class LogoutAllView(APIView):
    """Revoke every token of the user (knox's "logout all") and end this session, if any."""

    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses=inline_serializer(
            "LogoutAll",
            {"authenticated": serializers.BooleanField(), "tokens_revoked": serializers.IntegerField()},
        ),
    )
    def post(self, request):
        user = request.user
        revoked = tokens_revoke_all(user=user)
        if request.auth is None:  # signed in by session (DRF has checked CSRF)
            session_end(request)
        else:
            user_logged_out.send(sender=user.__class__, request=request._request, user=user)
        return Response({"authenticated": False, "tokens_revoked": revoked})


session_view = SessionView.as_view()
login_view = LoginView.as_view()
logout_view = LogoutView.as_view()
logout_all_view = LogoutAllView.as_view()
