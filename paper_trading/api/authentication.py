"""`Authorization: Token <key>` in one hand-written query.

DRF's `TokenAuthentication` looks the key up through the ORM (`select_related("user")`), whose
query compilation cost more CPU per API order than PostgreSQL spent answering it. This reads the
same token and user in one prepared-once statement; nothing is cached, so a deleted token or a
deactivated user is refused on the very next request, as before.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from ..repository import fetch

_SQL: dict[str, str] = {}
_FIELDS: list[tuple] = []  # (token fields, user fields, both), built on first use


def token_and_user(key: str) -> tuple[Token, object] | None:
    """The token `key` and its user, or None: the REST header and the WebSocket `?token=` both
    look keys up here."""
    user_model = get_user_model()
    if not _FIELDS:
        token_fields, user_fields = (
            tuple(Token._meta.concrete_fields),
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
                qn(Token._meta.db_table),
                qn(user_model._meta.db_table),
                qn(user_model._meta.pk.column),
                qn(Token._meta.get_field("user").column),
                qn(Token._meta.pk.column),
            )
        )
    rows = fetch(sql, [key], both, prepare=True)
    if not rows:
        return None
    split = len(token_fields)
    token = Token.from_db(connection.alias, [f.attname for f in token_fields], rows[0][:split])
    user = user_model.from_db(connection.alias, [f.attname for f in user_fields], rows[0][split:])
    Token.user.field.set_cached_value(token, user)
    return token, user


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication (same header, errors and `WWW-Authenticate`), one query."""

    def authenticate_credentials(self, key):
        found = token_and_user(key)
        if found is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        token, user = found
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (user, token)
