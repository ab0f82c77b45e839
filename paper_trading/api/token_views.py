"""API tokens for scripts: `POST /api/auth/token/` signs in with username + password and answers
a new knox token; `DELETE /api/auth/token/` revokes the token it is sent with. Failed sign-ins
count towards the login lockout (django-axes, api/lockout.py). docs/api.md#authentication.
"""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import parsers, serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from .. import representations
from ..domain.errors import InvalidInput
from .authentication import TokenAuthentication, token_create, token_revoke
from .parsers import JSONParser
from .session_views import LoginSerializer, credentials_user


class TokenView(APIView):
    authentication_classes = [TokenAuthentication]
    # Form bodies too: `curl -d username=... -d password=...` (README) signs in with one.
    parser_classes = [JSONParser, parsers.FormParser, parsers.MultiPartParser]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth"

    def get_permissions(self):
        # Signing in needs no credentials; revoking needs the token to revoke.
        return [IsAuthenticated()] if self.request.method == "DELETE" else [AllowAny()]

    @extend_schema(
        request=LoginSerializer,
        responses={
            200: inline_serializer(
                "AuthTokenResponse",
                {"token": serializers.CharField(), "expiry": serializers.DateTimeField()},
            )
        },
    )
    def post(self, request):
        user = credentials_user(request)
        if user is None:
            raise InvalidInput("Unable to log in with provided credentials.", field="non_field_errors")
        token, key = token_create(request=request._request, user=user)
        return Response({"token": key, "expiry": representations.iso(token.expiry)})

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        token_revoke(request=request._request, user=request.user, token=request.auth)
        return Response(status=204)


auth_token = TokenView.as_view()
