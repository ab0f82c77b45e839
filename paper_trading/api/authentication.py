"""`Authorization: Token <key>`: django-rest-knox tokens, looked up in one prepared query by
`persistence.token_and_user` (the WebSocket handshake's `?token=` uses the same lookup), and
created and revoked as knox does."""

from __future__ import annotations

from django.contrib.auth import user_logged_in, user_logged_out
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.models import AuthToken
from rest_framework import exceptions

from ..persistence import token_and_user


def token_create(*, request, user) -> tuple[AuthToken, str]:
    """A new token for `user` who just signed in (TOKEN_TTL_HOURS from now) and its plain key,
    which is never stored; the user's expired tokens go. Sends `user_logged_in` as knox does."""
    AuthToken.objects.filter(user=user, expiry__lte=timezone.now()).delete()
    token, key = AuthToken.objects.create(user=user)
    user_logged_in.send(sender=user.__class__, request=request, user=user)
    return token, key


def token_revoke(*, request, user, token: AuthToken) -> None:
    """Delete `token` and announce the logout with Django's `user_logged_out` (`request` is
    Django's), as knox's logout views do; its receivers end the user's WebSockets."""
    token.delete()
    user_logged_out.send(sender=user.__class__, request=request, user=user)


def tokens_revoke_all(*, user) -> int:
    """Delete every token of `user` (knox's "logout all"); how many there were. The caller
    announces the logout once."""
    revoked, _ = AuthToken.objects.filter(user=user).delete()
    return revoked


class TokenAuthentication(KnoxTokenAuthentication):
    """Knox's token authentication (same header, errors and `WWW-Authenticate: Token`), one query."""

    def authenticate_credentials(self, token: bytes):
        try:
            key = token.decode("utf-8")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        found = token_and_user(key)
        if found is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        return self.validate_user(found[0])


class TokenScheme(KnoxTokenScheme):
    """The OpenAPI security scheme of this subclass: knox's (`Authorization: Token <key>`)."""

    target_class = TokenAuthentication
