"""The REST token lookup, shared by the `Authorization: Token <key>` header (api/authentication.py)
and the WebSocket handshake's `?token=` (routing.py).

django-rest-knox stores only a SHA-512 digest of each key (the primary key) and an expiry. Its own
`authenticate_credentials` filters by the key's first characters through the ORM and then loads
every other token of the user to delete the expired ones: two queries and their compilation on
each API call. Here the digest (knox's `hash_token`) finds the token and its user in one
prepared statement; an expired token is refused, deleted and announced (`token_expired`) as knox
does. Nothing is cached, so a revoked token or a deactivated user is refused on the next request.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.models import AuthToken
from knox.signals import token_expired

from .sql import fetch

_SQL: dict[str, str] = {}
_FIELDS: list[tuple] = []  # (token fields, user fields, both), built on first use


def token_and_user(key: str) -> tuple[AuthToken, object] | None:
    """The live token `key` and its user, or None (unknown, revoked or expired)."""
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
    token.user = user_model.from_db(connection.alias, [f.attname for f in user_fields], rows[0][split:])
    if token.expiry is not None and token.expiry <= timezone.now():
        token.delete()
        username = token.user.get_username()
        token_expired.send(sender=TokenAuthentication, username=username, source="auth_token")
        return None
    return token, token.user
