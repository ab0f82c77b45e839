"""`Authorization: Token <key>`: django-rest-knox tokens, looked up in one prepared query.

Knox stores only a SHA-512 digest of each key (the primary key) and an expiry. Its own
`authenticate_credentials` filters by the key's first characters through the ORM and then loads
every other token of the user to delete the expired ones: two queries and their compilation on
each API call. Here the digest (knox's `hash_token`) finds the token and its user in one
prepared statement; an expired token is refused and deleted as knox does. Nothing is cached, so
a revoked token or a deactivated user is refused on the very next request.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model, user_logged_in, user_logged_out
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.crypto import hash_token
from knox.models import AuthToken
from knox.signals import token_expired
from rest_framework import exceptions

from ..repository import fetch

_SQL: dict[str, str] = {}
_FIELDS: list[tuple] = []  # (token fields, user fields, both), built on first use


def token_and_user(key: str) -> tuple[AuthToken, object] | None:
    """The live token `key` and its user, or None (unknown, revoked or expired): the REST header
    and the WebSocket `?token=` both look keys up here."""
    user_model = get_user_model()
    if not _FIELDS:
        token_fields, user_fields = (
            tuple(AuthToken._meta.concrete_fields),
            tuple(user_model._meta.concrete_fields),
        )
        _FIELDS.append((token_fields, user_fields, token_fields + user_fields))
    token_fields, user_fields, both = _FIELDS[0]
    sql = _SQL.get(connection.vendor)
    if sql is None:
        qn = connection.ops.quote_name
        sql = _SQL[connection.vendor] = (
            "SELECT {}, {} FROM {} t INNER JOIN {} u ON u.{} = t.{} WHERE t.{} = %s".format(
                ", ".join("t." + qn(f.column) for f in token_fields),
                ", ".join("u." + qn(f.column) for f in user_fields),
                qn(AuthToken._meta.db_table),
                qn(user_model._meta.db_table),
                qn(user_model._meta.pk.column),
                qn(AuthToken._meta.get_field("user").column),
                qn(AuthToken._meta.pk.column),
            )
        )
    rows = fetch(sql, [hash_token(key)], both, prepare=True)
    if not rows:
        return None
    split = len(token_fields)
    token = AuthToken.from_db(connection.alias, [f.attname for f in token_fields], rows[0][:split])
    user = user_model.from_db(connection.alias, [f.attname for f in user_fields], rows[0][split:])
    AuthToken.user.field.set_cached_value(token, user)
    if token.expiry is not None and token.expiry <= timezone.now():
        token.delete()
        token_expired.send(sender=TokenAuthentication, username=user.get_username(), source="auth_token")
        return None
    return token, user


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
