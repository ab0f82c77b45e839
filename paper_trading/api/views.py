"""Thin DRF views: validate the shape, call one service or selector, render."""

from __future__ import annotations

import csv
import logging
from datetime import timedelta

import django_filters
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.permissions import IsAdminUser, IsAuthenticated
from rest_framework.response import Response

from .. import representations, selectors
from ..data_aggregator import DataAggregator
from ..domain.errors import InvalidInput, NoPrice, StateConflict, UnknownSymbol
from ..domain.instruments import REGISTRY, get_instrument
from ..domain.quotes import make_quote
from ..manual_feed import manual_feed
from ..market import CachedMarket, current_quote, worker_running
from ..models import Account, PaperTrade
from ..providers.registry import live_providers
from ..selectors import account_figures
from ..services.accounts import (
    account_ensure,
    account_ensure_default,
    account_open,
    account_reset,
    account_update,
)
from ..services.orders import order_cancel, order_place
from ..services.positions import positions_close, trade_reverse
from ..services.trades import trade_close, trade_modify
from . import responses as r
from . import serializers as s
from .fields import MAX_ID, DecimalFormField, UTCDateTimeFormField, WholeNumberFormField

log = logging.getLogger(__name__)

#: Every symbol can be simulated, replayed from stored bars, or pushed by hand (docs/market-data.md, Feeds).
OFFLINE_FEEDS = ("sim", "replay", "manual")
#: Without a worker, REST reads of one symbol ask the provider chain at most once per this many
#: seconds (the worker's default poll); other reads in between serve the shared cache.
LIVE_READ_INTERVAL = 5
#: The fields of `GET providers/` (docs/api.md, Bars and providers), in order.
PROVIDER_FIELDS = (
    "name",
    "configured",
    "priority",
    "requests_today",
    "daily_limit",
    "per_minute_limit",
    "last_success",
    "last_error",
    "state",
    "held_quotes",
)

#: A row id in a path: ASCII digits (Django's `\d` and int() also take full-width digits).
ID_IN_PATH = "[0-9]+"

ORDERING = [
    "created_at",
    "-created_at",
    "entry_time",
    "-entry_time",
    "exit_time",
    "-exit_time",
    "profit_loss",
    "-profit_loss",
    "id",
    "-id",
    "symbol",
    "-symbol",
]


def _page_of(row):
    """The OpenAPI shape of a paginated list of `row` bodies from an action (docs/api.md,
    Conventions: count, next, previous, results)."""
    return inline_serializer(
        name=f"Paginated{row.__name__}List",
        fields={
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": row(many=True),
        },
    )


class IdFilter(django_filters.NumberFilter):
    """A row's id in a query string: a whole number in the range of the key (`fields.MAX_ID`);
    anything else is a 400 like any filter value that cannot be parsed."""

    field_class = WholeNumberFormField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=1, max_value=MAX_ID, **kwargs)


class DaysFilter(django_filters.NumberFilter):
    """`?days=`: ASCII digits, one sign, one point (Decimal() also read "3_0" as 30)."""

    field_class = DecimalFormField


class UTCDateTimeFilter(django_filters.IsoDateTimeFilter):
    """ISO 8601; without a zone it is UTC; an offset beyond +-14:00 or a time outside the years
    1-9999 in UTC is a 400 (SQLite overflowed converting it, PostgreSQL refused to bind it)."""

    field_class = UTCDateTimeFormField


class OrderingFilter(django_filters.OrderingFilter):
    """`?ordering=` without its blanks: `ordering=,` left the list unordered (pages could repeat
    or skip rows); nothing left keeps the default order, newest first."""

    def filter(self, qs, value):
        return super().filter(qs, [v for v in value or [] if v])


class TradeFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=PaperTrade.Status.choices)
    pair = django_filters.CharFilter(method="filter_symbol")
    symbol = django_filters.CharFilter(method="filter_symbol")
    account = IdFilter(field_name="account_id")
    signal_source = django_filters.CharFilter()
    period = django_filters.CharFilter(
        method="filter_period",
        label="`current` (each account's current period, i.e. since its last reset) or a period "
        "number of the account given by `account` (GET accounts/{id}/periods/)",
    )
    days = DaysFilter(method="filter_days", min_value=1, max_value=36500)
    from_ = UTCDateTimeFilter(field_name="created_at", lookup_expr="gte")  # `from`: below
    to = UTCDateTimeFilter(field_name="created_at", lookup_expr="lte")
    ordering = OrderingFilter(fields=[(f, f) for f in ORDERING if not f.startswith("-")])

    class Meta:
        model = PaperTrade
        fields = []

    def filter_symbol(self, queryset, name, value):
        try:
            return queryset.filter(symbol=get_instrument(value).symbol)
        except UnknownSymbol:
            return queryset.none()

    def filter_period(self, queryset, name, value):
        return selectors.trades_in_period(
            queryset, user=self.request.user, account_id=self.form.cleaned_data.get("account"), period=value
        )

    def filter_days(self, queryset, name, value):
        return queryset.filter(created_at__gte=timezone.now() - timedelta(days=int(value)))


# The query parameter is `from` (docs/api.md, Listing and reading trades), a Python keyword: the
# filter is declared as
# `from_` and renamed here, so parsing and the OpenAPI schema both say `from`.
TradeFilter.base_filters["from"] = TradeFilter.base_filters.pop("from_")


#: A new order's trade (201), or the one a repeated `client_order_id` names (200).
PLACED = {201: r.Trade, 200: r.Trade}
REPORT_PARAMETERS = [
    OpenApiParameter("account", int, description="an account id; default: your default account"),
    OpenApiParameter("days", int, description="1..36500, default 30"),
]


def _render_trade(row, market=None, fills=None):
    """A trade with its fills; `fills` when the caller holds all of them (a trade just created)."""
    if fills is None:
        fills = (
            row.fills.all()
            if "fills" in getattr(row, "_prefetched_objects_cache", {})
            else (row.fills.order_by("time", "id"))
        )
    return representations.trade_dict(row, market or CachedMarket(), fills=list(fills))


def _render_placed(result):
    """201 with a new order's trade (rendered from what the order wrote), or 200 with the trade a
    repeated `client_order_id` names."""
    code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
    if result.body is not None:  # rendered for the order's event: the same trade, fills and quote
        return Response(result.body, status=code)
    return Response(_render_trade(result.trade, result.market, result.fills), status=code)


class TradeViewSet(viewsets.GenericViewSet):
    """Tickets: list, read, modify SL/TP (PATCH), execute, close, cancel, reports. No PUT/DELETE."""

    lookup_value_regex = ID_IN_PATH
    http_method_names = ["get", "post", "patch", "head", "options"]
    queryset = PaperTrade.objects.none()  # for the schema; requests use get_queryset()
    filterset_class = TradeFilter
    serializer_class = s.ExecuteSerializer

    def get_queryset(self):
        return selectors.trades_for(self.request.user)

    @extend_schema(responses=r.Trade(many=True))
    def list(self, request):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        market = CachedMarket()
        return self.get_paginated_response([_render_trade(row, market) for row in page])

    @extend_schema(responses=r.Trade)
    def retrieve(self, request, pk=None):
        return Response(_render_trade(selectors.trade_for(request.user, pk)))

    @extend_schema(request=s.ModifySerializer, responses=r.Trade)
    def partial_update(self, request, pk=None):
        selectors.trade_for(request.user, pk)
        data = _valid(s.ModifySerializer, request)
        return Response(
            _render_trade(trade_modify(user=request.user, trade_id=pk, request=data.to_request()))
        )

    @extend_schema(request=s.ExecuteSerializer, responses=PLACED)
    @action(detail=False, methods=["post"])
    def execute(self, request):
        data = _valid(s.ExecuteSerializer, request)
        return _render_placed(
            order_place(user=request.user, request=data.to_request(), account_id=data.account_id)
        )

    @extend_schema(request=s.CloseSerializer, responses=r.Trade)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        selectors.trade_for(request.user, pk)
        data = _valid(s.CloseSerializer, request, optional=True)
        return Response(_render_trade(trade_close(user=request.user, trade_id=pk, request=data.to_request())))

    @extend_schema(
        request=None,
        responses={201: inline_serializer("Reversed", {"closed": r.Trade(), "opened": r.Trade()})},
    )
    @action(detail=True, methods=["post"])
    def reverse(self, request, pk=None):
        """Close the open trade at market and open the opposite side with the lots it had open
        (the stop at the same distance, no targets), in one transaction: 201 with both. 409
        `not_open` for a trade not open; a refused open leaves the trade open."""
        selectors.trade_for(request.user, pk)
        closed, opened = trade_reverse(user=request.user, trade_id=pk)
        market = CachedMarket()
        body = {"closed": _render_trade(closed, market), "opened": _render_trade(opened, market)}
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=s.CloseAllSerializer,
        responses=inline_serializer(
            "ClosedAll", {"count": serializers.IntegerField(), "closed": r.Trade(many=True)}
        ),
    )
    @action(detail=False, methods=["post"])
    def close_all(self, request):
        """Close every open trade of the account (`account`, default the default one), or of
        `symbol` only, at market, oldest first, all or none: 200 with what was closed (an empty
        list when nothing was open)."""
        data = _valid(s.CloseAllSerializer, request, optional=True).validated_data
        closed = positions_close(user=request.user, account_id=data.get("account"), symbol=data.get("symbol"))
        market = CachedMarket()
        return Response({"count": len(closed), "closed": [_render_trade(t, market) for t in closed]})

    @extend_schema(request=None, responses=r.Trade)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        selectors.trade_for(request.user, pk)
        return Response(_render_trade(order_cancel(user=request.user, trade_id=pk)))

    @extend_schema(filters=True, responses=r.Trade(many=True))
    @action(detail=False, methods=["get"])
    def open_positions(self, request):
        queryset = self.filter_queryset(selectors.open_positions(request.user))
        page = self.paginate_queryset(queryset)
        market = CachedMarket()
        return self.get_paginated_response([_render_trade(row, market) for row in page])

    def _account(self, request):
        """The report's account: `?account=`, or the default one (opened on first use)."""
        return account_ensure(user=request.user, account_id=request.query_params.get("account") or None)

    @extend_schema(parameters=REPORT_PARAMETERS, responses=r.Performance)
    @action(detail=False, methods=["get"])
    def performance(self, request):
        days = selectors.parse_days(request.query_params.get("days"))
        account = self._account(request)
        report = selectors.performance_summary(account, days)
        return Response(representations.performance_dict(report))

    @extend_schema(parameters=REPORT_PARAMETERS, responses=r.EquityPoint(many=True))
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def equity_curve(self, request):
        days = selectors.parse_days(request.query_params.get("days"))
        account = self._account(request)
        points = selectors.equity_curve(account, days)
        return Response([representations.equity_point_dict(p) for p in points])

    # Not a list view to drf-spectacular, yet it takes every filter of the list.
    @extend_schema(filters=True, responses={(200, "text/csv"): OpenApiTypes.STR})
    @action(detail=False, methods=["get"])
    def export(self, request):
        queryset = self.filter_queryset(self.get_queryset())[:100000]
        response = HttpResponse(content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="trades.csv"'
        writer = csv.writer(response)
        writer.writerow(representations.CSV_COLUMNS)
        for row in queryset:
            writer.writerow(representations.trade_csv_row(row))
        return response


class OrderViewSet(viewsets.GenericViewSet):
    """Entry orders of every type; GET lists the pending ones."""

    lookup_value_regex = ID_IN_PATH
    http_method_names = ["get", "post", "head", "options"]
    queryset = PaperTrade.objects.none()
    filterset_class = TradeFilter  # the filters of GET trades/, over the pending orders only
    serializer_class = s.OrderSerializer

    def get_queryset(self):
        return selectors.trades_for(self.request.user).filter(status=PaperTrade.Status.PENDING)

    @extend_schema(responses=r.Trade(many=True))
    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        market = CachedMarket()
        return self.get_paginated_response([_render_trade(row, market) for row in page])

    @extend_schema(responses=PLACED)
    def create(self, request):
        data = _valid(s.OrderSerializer, request)
        return _render_placed(
            order_place(user=request.user, request=data.to_request(), account_id=data.account_id)
        )


def _valid(serializer_class, request, *, optional: bool = False):
    """The body checked by `serializer_class` (`optional`: a missing body reads as `{}`); 400 with
    its errors otherwise."""
    data = serializer_class(data=request.data if request.data or not optional else {})
    data.is_valid(raise_exception=True)
    return data


def _render_account(account):
    return representations.account_dict(account, account_figures(account))


class AccountViewSet(viewsets.GenericViewSet):
    lookup_value_regex = ID_IN_PATH
    http_method_names = ["get", "post", "patch", "head", "options"]
    queryset = Account.objects.none()
    serializer_class = s.AccountCreateSerializer

    def get_queryset(self):
        return selectors.accounts_for(self.request.user)

    @extend_schema(responses=r.Account(many=True))
    def list(self, request):
        account_ensure_default(user=request.user)  # the default account exists from first use
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response([_render_account(a) for a in page])

    @extend_schema(responses={201: r.Account})
    def create(self, request):
        data = _valid(s.AccountCreateSerializer, request)
        account = account_open(user=request.user, settings=data.to_request())
        # Re-read so the body shows stored values ("5000.00"), as every later GET does.
        return Response(
            _render_account(selectors.account_for(request.user, account.pk)), status=status.HTTP_201_CREATED
        )

    @extend_schema(responses=r.Account)
    def retrieve(self, request, pk=None):
        return Response(_render_account(selectors.account_for(request.user, pk)))

    @extend_schema(request=s.AccountUpdateSerializer, responses=r.Account)
    def partial_update(self, request, pk=None):
        selectors.account_for(request.user, pk)
        data = _valid(s.AccountUpdateSerializer, request)
        account = account_update(user=request.user, account_id=pk, changes=data.to_request())
        return Response(_render_account(selectors.account_for(request.user, account.pk)))

    @extend_schema(request=s.ResetSerializer, responses=r.Account)
    @action(detail=True, methods=["post"])
    def reset(self, request, pk=None):
        selectors.account_for(request.user, pk)
        data = _valid(s.ResetSerializer, request, optional=True)
        account = account_reset(
            user=request.user, account_id=pk, initial_balance=data.validated_data.get("initial_balance")
        )
        return Response(_render_account(selectors.account_for(request.user, account.pk)))

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "period",
                str,
                description="`current` (the default) or a period number (GET accounts/{id}/periods/)",
            )
        ],
        responses=_page_of(r.LedgerEntry),
    )
    @action(detail=True, methods=["get"])
    def ledger(self, request, pk=None):
        account = selectors.account_for(request.user, pk)
        page = self.paginate_queryset(selectors.ledger_for(account, request.query_params.get("period")))
        return self.get_paginated_response([representations.ledger_entry_dict(e) for e in page])

    @extend_schema(responses=_page_of(r.AccountPeriod))
    @action(detail=True, methods=["get"])
    def periods(self, request, pk=None):
        account = selectors.account_for(request.user, pk)
        page = self.paginate_queryset(account.periods.order_by("number"))
        return self.get_paginated_response([representations.period_dict(p) for p in page])


class SymbolViewSet(viewsets.GenericViewSet):
    """The instrument registry (docs/domain.md, Instruments)."""

    http_method_names = ["get", "head", "options"]
    filter_backends = []  # the registry is short and fixed: one list, paginated

    @extend_schema(responses=r.Instrument(many=True))
    def list(self, request):
        """Each instrument with `providers` (the live providers whose symbol map carries it, in
        priority order, configured or not) and `feeds` (the offline feeds, which carry every symbol)."""
        page = self.paginate_queryset(list(REGISTRY.values()))
        live = live_providers()
        return self.get_paginated_response(
            [
                {
                    **i.as_dict(),
                    "providers": [p.name for p in live if i.symbol in p.symbol_map],
                    "feeds": list(OFFLINE_FEEDS),
                }
                for i in page
            ]
        )


@extend_schema(parameters=[OpenApiParameter("symbol", str, required=True)], responses=r.Quote)
@api_view(["GET"])
def realtime_price(request):
    symbol = request.query_params.get("symbol")
    if not symbol:
        raise InvalidInput("symbol is required.", field="symbol")
    try:
        instrument = get_instrument(symbol)
    except UnknownSymbol:
        return Response({"code": "unknown_symbol", "message": f"Unknown symbol {symbol[:20]!r}."}, status=404)
    quote = current_quote(instrument.symbol)
    fallback = False  # the chain failed and served what it had stored
    if (
        settings.FEED == "live"
        and not worker_running(instrument.symbol)
        and _may_ask(instrument.symbol, quote)
    ):
        # Nobody polls this symbol: ask the chain (budgets, breaker and sanity checks apply).
        # NoPrice (no provider answered and nothing is stored) becomes the API's 503.
        try:
            answer = DataAggregator().quote(instrument.symbol)
        except NoPrice:
            raise
        except Exception:  # noqa: BLE001 - a provider's failure is never a 500: serve the cache
            log.exception("price chain failed for %s; serving the cached quote", instrument.symbol)
            fallback = True  # no provider confirmed it, however young it is
        else:
            quote, fallback = answer.value, answer.stale
    if quote is None:
        raise NoPrice(f"No price for {instrument.symbol} yet.")
    age = max(0.0, (timezone.now() - quote.time).total_seconds())
    stale = fallback or age > settings.QUOTE_MAX_AGE or quote.source.endswith("(stored)")
    return Response(representations.quote_dict(quote, instrument, stale=stale, age=age))


def _may_ask(symbol: str, cached) -> bool:
    """At most one chain call per symbol per LIVE_READ_INTERVAL across every process (an atomic
    cache.add); a read with nothing cached always asks."""
    claimed = cache.add(f"realtime:asked:{symbol}", 1, LIVE_READ_INTERVAL)
    return claimed or cached is None


@extend_schema(request=s.TickSerializer, responses=r.TickResults)
@api_view(["POST"])
@permission_classes([IsAdminUser])
def manual_ticks(request):
    """Staff push prices while FEED=manual; each goes through the worker's tick path (price
    event, engine, 1m bar) before the response lists what it triggered, the accounts it
    changed (`applied`) and those whose processing failed and rolled back (`failed`)."""
    if settings.FEED != "manual":
        raise StateConflict(
            f"The feed is {settings.FEED!r}; ticks can be pushed only with FEED=manual.",
            code="feed_not_manual",
        )
    many = isinstance(request.data, list)
    if many and not 1 <= len(request.data) <= 1000:
        raise InvalidInput("Send between 1 and 1000 ticks.", field="non_field_errors")
    data = s.TickSerializer(data=request.data, many=many)
    data.is_valid(raise_exception=True)
    ticks = data.validated_data if many else [data.validated_data]
    feed = manual_feed()
    results = []
    for tick in ticks:
        quote = make_quote(tick["symbol"], tick["bid"], tick["ask"], tick.get("time") or timezone.now())
        results.append(representations.tick_result_dict(feed.push(quote)))
    return Response({"results": results})


def healthz(request):
    """Liveness and readiness: database and cache answer."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - report, don't crash the probe
        checks["database"] = f"error: {type(exc).__name__}"
    try:
        cache.set("healthz", 1, 5)
        checks["cache"] = "ok" if cache.get("healthz") == 1 else "error"
    except Exception as exc:  # noqa: BLE001
        checks["cache"] = f"error: {type(exc).__name__}"
    healthy = all(v == "ok" for v in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "degraded", "feed": settings.FEED, **checks},
        status=200 if healthy else 503,
    )


@never_cache
def spa(request):
    """The dashboard: the built React app when present, else a page pointing at the API. Never
    cached: it names the current build's hashed (immutable) assets."""
    index = settings.BASE_DIR / "frontend" / "dist" / "index.html"
    if index.exists():
        return HttpResponse(index.read_text(), content_type="text/html")
    return HttpResponse(  # no style attributes: the CSP's style-src refuses them
        "<!doctype html><title>forex_signal paper trading</title>"
        "<h1>forex_signal &mdash; PAPER TRADING</h1><p>The dashboard is not built yet. Use the "
        "<a href='/api/docs/'>API</a> or the <a href='/admin/'>admin</a>.</p>",
        content_type="text/html",
    )


__all__ = ["IsAuthenticated"]


@extend_schema(responses=r.Providers)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def providers(request):
    """Each market-data provider: configuration, budget use and health (docs/api.md, Bars and providers), in
    priority order, in the paginated shape (one page) plus the running `feed`."""
    rows = [{k: row[k] for k in PROVIDER_FIELDS} for row in DataAggregator().status()]
    return Response(
        {"count": len(rows), "next": None, "previous": None, "feed": settings.FEED, "results": rows}
    )
