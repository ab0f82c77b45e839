"""Signals, webhook tokens, symbol aliases and the decision journal (docs/signals.md).

Thin as the other views: check the body's shape, call one service, render. Bodies are read raw
(JSON, text/plain JSON or the one-line form) and parsed by the domain, so `POST signals/` and
the webhook accept exactly the same things."""

from __future__ import annotations

import csv
import json

import django_filters
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, StreamingHttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action, api_view, authentication_classes, permission_classes
from rest_framework.decorators import parser_classes as parsers_of
from rest_framework.decorators import throttle_classes as throttles_of
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from .. import representations, selectors
from ..domain import signals as sig
from ..models import Decision, Signal, SymbolAlias
from ..services import hooks, webhooks
from ..services.signals import journal_verify, signal_dismiss, signal_execute, signal_receive
from . import responses as r
from . import signal_serializers as ss
from .parsers import JSONParser
from .throttling import HookRateThrottle
from .views import ID_IN_PATH, IdFilter, UTCDateTimeFilter, _valid

MAX_BODY_BYTES = webhooks.MAX_BODY_BYTES


class RawBody(BaseParser):
    """Leaves the body to the view (it reads `request.body` and the domain parses it)."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        return {}


def _body(request) -> bytes:
    """The raw body, refused with 413 past the limit (before it is read when the length says so)."""
    length = request.META.get("CONTENT_LENGTH") or "0"
    if length.isdigit() and int(length) > MAX_BODY_BYTES:
        raise webhooks.PayloadTooLarge(f"The body is over {MAX_BODY_BYTES // 1024} KiB.")
    try:
        body = request.body
    except RequestDataTooBig:
        raise webhooks.PayloadTooLarge(f"The body is over {MAX_BODY_BYTES // 1024} KiB.") from None
    if len(body) > MAX_BODY_BYTES:
        raise webhooks.PayloadTooLarge(f"The body is over {MAX_BODY_BYTES // 1024} KiB.")
    return body


def _signal_response(received) -> Response:
    code = status.HTTP_201_CREATED if received.created else status.HTTP_200_OK
    body = received.body if received.created else representations.signal_dict(received.signal)
    return Response(body, status=code)


class OwnedRows(viewsets.GenericViewSet):
    """`list` and `retrieve` of the user's own rows: `rows` gives them (selectors' pair of reads),
    `render` renders one. Another user's row is a 404."""

    lookup_value_regex = ID_IN_PATH
    rows: tuple = ()
    render = staticmethod(lambda row: row)

    def get_queryset(self):
        return self.rows[0](self.request.user)

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response([self.render(row) for row in page])

    def retrieve(self, request, pk=None):
        return Response(self.render(self.rows[1](request.user, pk)))


def _reads(shape) -> dict:
    return {"list": extend_schema(responses=shape(many=True)), "retrieve": extend_schema(responses=shape)}


def _time_range(field: str):
    """Adds `from` and `to` (ISO 8601, UTC without a zone) on `field` to a FilterSet (`from` is a
    Python keyword, so the filters are added by name)."""

    def add(filterset):
        filterset.base_filters["from"] = UTCDateTimeFilter(field_name=field, lookup_expr="gte")
        filterset.base_filters["to"] = UTCDateTimeFilter(field_name=field, lookup_expr="lte")
        return filterset

    return add


class OwnedSignalFilter(django_filters.FilterSet):
    """What signals and journal rows are both filtered by."""

    account = IdFilter(field_name="account_id")
    source = django_filters.CharFilter()
    symbol = django_filters.CharFilter()


@_time_range("received_at")
class SignalFilter(OwnedSignalFilter):
    status = django_filters.ChoiceFilter(choices=Signal.Status.choices)
    via = django_filters.ChoiceFilter(choices=[("api", "api"), ("webhook", "webhook")])

    class Meta:
        model = Signal
        fields = []


RECEIVED = {201: r.Signal, 200: r.Signal}


@extend_schema_view(**_reads(r.Signal))
class SignalViewSet(OwnedRows):
    """Signals: send one, list and read them, execute or dismiss an alerted one, scorecards."""

    rows = (selectors.signals_for, selectors.signal_for)
    render = staticmethod(representations.signal_dict)
    http_method_names = ["get", "post", "head", "options"]
    queryset = Signal.objects.none()
    filterset_class = SignalFilter
    serializer_class = ss.SignalBody

    def get_queryset(self):
        return super().get_queryset().prefetch_related("decisions")  # each row shows its latest

    # `create` reads the raw body (any content type) and never touches `request.data`; the
    # actions' bodies are JSON.
    parser_classes = [JSONParser, RawBody]

    @extend_schema(
        request={"application/json": ss.SignalBody, "text/plain": OpenApiTypes.STR}, responses=RECEIVED
    )
    def create(self, request):
        body = _body(request)
        signal, payload = sig.parse_signal(
            body, request.content_type, overrides=selectors.alias_map(request.user)
        )
        return _signal_response(signal_receive(user=request.user, signal=signal, payload=payload))

    @extend_schema(request=ss.ExecuteSignalSerializer, responses=r.Signal)
    @action(detail=True, methods=["post"])
    def execute(self, request, pk=None):
        selectors.signal_for(request.user, pk)
        data = _valid(ss.ExecuteSignalSerializer, request, optional=True)
        row = signal_execute(user=request.user, signal_id=pk, lot_size=data.validated_data.get("lot_size"))
        return Response(representations.signal_dict(row))

    @extend_schema(request=None, responses=r.Signal)
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        return Response(representations.signal_dict(signal_dismiss(user=request.user, signal_id=pk)))

    @extend_schema(
        parameters=[OpenApiParameter("account", int, description="an account id; default: all yours")],
        responses=r.Scorecard,
    )
    @action(detail=False, methods=["get"])
    def performance(self, request):
        account = request.query_params.get("account")
        chosen = selectors.account_for(request.user, account) if account else None
        return Response(selectors.signal_scorecard(request.user, account=chosen))


# ---- the webhook -------------------------------------------------------------------------------
def _allow(request, view):
    def allow(hook):
        throttle = HookRateThrottle(hook)
        return None if throttle.allow_request(request, view) else (throttle.wait() or 60)

    return allow


@extend_schema(
    request={"application/json": ss.SignalBody, "text/plain": OpenApiTypes.STR},
    responses={201: r.Signal, 200: r.Signal},
    auth=[],
    description="No session or API token: the token in the path is the credential (docs/signals.md).",
)
@api_view(["POST"])
@authentication_classes([])
@permission_classes([AllowAny])
@throttles_of([])  # its limit is per token (TradingView's few addresses are shared by all its users)
@parsers_of([RawBody])
def signal_webhook(request, token: str):
    call = webhooks.WebhookCall(
        token=token,
        body=_body(request),
        content_type=request.content_type,
        headers={k.lower(): v for k, v in request.headers.items()},
        remote_addr=request.META.get("REMOTE_ADDR", ""),
    )
    return _signal_response(webhooks.signal_webhook(call=call, allow=_allow(request, None)))


# ---- webhook tokens ----------------------------------------------------------------------------
def _hook_url(request, token: str | None) -> str | None:
    if token is None:
        return None
    return request.build_absolute_uri(reverse("signal-webhook", kwargs={"token": token}))


@extend_schema_view(**_reads(r.WebhookToken))
class HookViewSet(OwnedRows):
    """Webhook tokens: create (the token is shown once), list, read, change, rotate, revoke."""

    rows = (selectors.hooks_for, selectors.hook_for)
    render = staticmethod(lambda hook: representations.hook_dict(hook, None))
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    queryset = Signal.objects.none()
    serializer_class = ss.HookSerializer

    @extend_schema(responses={201: r.WebhookToken})
    def create(self, request):
        data = _valid(ss.HookSerializer, request)
        hook, token = hooks.hook_create(
            user=request.user, settings=data.to_request(tradingview_ips=settings.TRADINGVIEW_WEBHOOK_IPS)
        )
        body = representations.hook_dict(hook, _hook_url(request, token), token)
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=ss.HookSerializer, responses=r.WebhookToken)
    def partial_update(self, request, pk=None):
        selectors.hook_for(request.user, pk)
        data = ss.HookSerializer(data=request.data, partial_update=True)
        data.is_valid(raise_exception=True)
        changes = data.to_request(tradingview_ips=settings.TRADINGVIEW_WEBHOOK_IPS)
        hook = hooks.hook_update(user=request.user, hook_id=pk, changes=changes)
        return Response(representations.hook_dict(hook, None))

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        hooks.hook_delete(user=request.user, hook_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=r.WebhookToken)
    @action(detail=True, methods=["post"])
    def rotate(self, request, pk=None):
        hook, token = hooks.hook_rotate(user=request.user, hook_id=pk)
        return Response(representations.hook_dict(hook, _hook_url(request, token), token))

    @extend_schema(responses=r.WebhookAttempt(many=True))
    @action(detail=True, methods=["get"])
    def attempts(self, request, pk=None):
        hook = selectors.hook_for(request.user, pk)
        page = self.paginate_queryset(hook.attempts.all()[: hooks.ATTEMPTS_KEPT])
        return self.get_paginated_response([representations.hook_attempt_dict(a) for a in page])


@extend_schema_view(**_reads(r.SymbolAlias))
class SymbolAliasViewSet(OwnedRows):
    """A user's own symbol names, checked before the built-in resolver."""

    rows = (selectors.aliases_for, selectors.alias_for)
    render = staticmethod(representations.symbol_alias_dict)
    http_method_names = ["get", "post", "delete", "head", "options"]
    queryset = SymbolAlias.objects.none()
    serializer_class = ss.NewSymbolAliasSerializer

    @extend_schema(responses={201: r.SymbolAlias, 200: r.SymbolAlias})
    def create(self, request):
        data = _valid(ss.NewSymbolAliasSerializer, request).validated_data
        alias, created = SymbolAlias.objects.update_or_create(
            user=request.user, alias=data["alias"], defaults={"symbol": data["symbol"]}
        )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(representations.symbol_alias_dict(alias), status=code)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        selectors.alias_for(request.user, pk).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


# ---- the decision journal ----------------------------------------------------------------------
@_time_range("time")
class DecisionFilter(OwnedSignalFilter):
    outcome = django_filters.ChoiceFilter(choices=[(o, o) for o in representations.DECISION_OUTCOMES])
    code = django_filters.CharFilter(field_name="reason_code")
    signal = IdFilter(field_name="signal_id")

    class Meta:
        model = Decision
        fields = []


EXPORT_ROWS = 100_000


@extend_schema_view(**_reads(r.Decision))
class DecisionViewSet(OwnedRows):
    """The journal: read-only, filtered, exported, and its hash chain verified."""

    rows = (selectors.decisions_for, selectors.decision_for)
    render = staticmethod(representations.decision_dict)
    http_method_names = ["get", "head", "options"]
    queryset = Decision.objects.none()
    filterset_class = DecisionFilter

    @extend_schema(
        filters=True,
        parameters=[OpenApiParameter("as", str, enum=["csv", "jsonl"], description="default csv")],
        responses={(200, "text/csv"): OpenApiTypes.STR, (200, "application/x-ndjson"): OpenApiTypes.STR},
    )
    @action(detail=False, methods=["get"])
    def export(self, request):
        rows = self.filter_queryset(self.get_queryset()).order_by("id")[:EXPORT_ROWS]
        if request.query_params.get("as") == "jsonl":
            lines = (json.dumps(representations.decision_dict(d)) + "\n" for d in rows.iterator())
            response = StreamingHttpResponse(lines, content_type="application/x-ndjson")
            response["Content-Disposition"] = 'attachment; filename="decisions.jsonl"'
            return response
        response = HttpResponse(content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="decisions.csv"'
        writer = csv.writer(response)
        columns = representations.DECISION.names
        writer.writerow(columns)
        for decision in rows.iterator():
            body = representations.decision_dict(decision)
            writer.writerow(
                [json.dumps(body[c]) if isinstance(body[c], dict | list) else body[c] for c in columns]
            )
        return response

    @extend_schema(
        parameters=[
            OpenApiParameter("account", int, description="an account id; default: your default account")
        ],
        responses=r.JournalCheck,
    )
    @action(detail=False, methods=["get"])
    def verify(self, request):
        from ..services.accounts import account_ensure

        account = account_ensure(user=request.user, account_id=request.query_params.get("account"))
        return Response(representations.journal_check_dict(journal_verify(account=account)))
