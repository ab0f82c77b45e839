"""Market-data reads: stored bars for charts (docs/api.md, Bars and providers)."""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.response import Response

from ..bars import NO_SOURCE, VOLUME_PLACES, load_bars, older_bars_exist
from ..data_aggregator import DataAggregator
from ..domain.bars import INTERVALS
from ..domain.errors import UnknownSymbol
from ..domain.instruments import get_instrument
from ..market import worker_running
from ..strategies import indicators
from .fields import UnixOrISOTime, WholeNumber

log = logging.getLogger(__name__)
MAX_BARS = 5000


class OhlcQuery(serializers.Serializer):
    symbol = serializers.CharField(max_length=20)
    interval = serializers.ChoiceField(choices=list(INTERVALS), default="1h")
    limit = WholeNumber(min_value=1, max_value=MAX_BARS, default=200)
    before = UnixOrISOTime(help_text="only bars that open before this (the cursor: `next_before`)")
    to = UnixOrISOTime(help_text="only bars that open at or before this")

    def validate(self, attrs):
        if attrs.get("before") and attrs.get("to"):
            raise serializers.ValidationError({"to": ["Give `before` or `to`, not both."]})
        if attrs.get("to"):
            attrs["before"] = attrs.pop("to") + timedelta(microseconds=1)
        return attrs


def _volume(value: Decimal) -> str:
    """At the places PriceCache keeps, so bars fresh from a provider read the same once stored."""
    return format(value.quantize(VOLUME_PLACES).normalize(), "f") if value else "0"


def _from_chain(symbol: str, interval: str, limit: int):
    """Bars from the provider chain (cached 60 s, persisted to PriceCache, stored bars when every
    provider fails), or None when it raised: a provider's failure is never a 500."""
    try:
        return DataAggregator().bars(symbol, interval, limit)
    except Exception:  # noqa: BLE001
        log.exception("bar chain failed for %s %s", symbol, interval)
        return None


@extend_schema(
    parameters=[
        OpenApiParameter("symbol", OpenApiTypes.STR, required=True, description="e.g. EURUSD"),
        OpenApiParameter("interval", OpenApiTypes.STR, enum=list(INTERVALS), description="default 1h"),
        OpenApiParameter("limit", OpenApiTypes.INT, description=f"1..{MAX_BARS}, default 200"),
        OpenApiParameter(
            "before",
            OpenApiTypes.STR,
            description="UNIX seconds or ISO 8601: bars opening before it (the page cursor)",
        ),
        OpenApiParameter(
            "to", OpenApiTypes.STR, description="UNIX seconds or ISO 8601: bars opening at or before it"
        ),
    ],
    responses={
        200: inline_serializer(
            "Ohlc",
            {
                "symbol": serializers.CharField(),
                "interval": serializers.CharField(),
                "source": serializers.CharField(),
                "next_before": serializers.IntegerField(
                    allow_null=True,
                    help_text="`before` of the next older page (the oldest bar's time); null: no older bar",
                ),
                "stale": serializers.BooleanField(
                    required=False,
                    help_text="present (true) only when stored bars stand in for a failed chain",
                ),
                "data": inline_serializer(
                    "OhlcBar",
                    {
                        "time": serializers.IntegerField(help_text="bar open, UNIX seconds"),
                        "open": serializers.CharField(),
                        "high": serializers.CharField(),
                        "low": serializers.CharField(),
                        "close": serializers.CharField(),
                        "volume": serializers.CharField(),
                    },
                    many=True,
                ),
            },
        )
    },
)
@api_view(["GET"])
def ohlc(request):
    """Bars oldest first, prices as strings at the instrument's digits. Intervals that are not
    stored are rolled up from a finer stored one. When nothing is stored, FEED=live and no worker
    polls the symbol, the provider chain is asked once (its bars are persisted, so the next read
    is served from the database); `stale: true` is added only when its answer is a stored
    fallback. Nothing anywhere: 200 with `source` "none" and no bars."""
    query = OhlcQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    symbol, interval, limit = (query.validated_data[k] for k in ("symbol", "interval", "limit"))
    try:
        instrument = get_instrument(symbol)
    except UnknownSymbol:
        return Response({"code": "unknown_symbol", "message": f"Unknown symbol {symbol[:20]!r}."}, status=404)
    before = query.validated_data.get("before")
    bars, source = load_bars(instrument.symbol, interval, limit, before=before)
    stale = False
    if not bars and before is None and settings.FEED == "live" and not worker_running(instrument.symbol):
        answer = _from_chain(instrument.symbol, interval, limit)
        if answer is not None and answer.value:
            bars, source, stale = list(answer.value)[-limit:], answer.source, answer.stale
    price = instrument.price
    body = {
        "symbol": instrument.symbol,
        "interval": interval,
        "source": source if bars else NO_SOURCE,
        "data": [
            {
                "time": int(bar.time.timestamp()),
                "open": str(price(bar.open)),
                "high": str(price(bar.high)),
                "low": str(price(bar.low)),
                "close": str(price(bar.close)),
                "volume": _volume(bar.volume),
            }
            for bar in bars
        ],
    }
    # The cursor of the next (older) page, null once the stored history ends.
    more = bool(bars) and not stale and older_bars_exist(instrument.symbol, interval, bars[0].time)
    body["next_before"] = int(bars[0].time.timestamp()) if more else None
    if stale:
        body["stale"] = True
    return Response(body)


class IndicatorQuery(serializers.Serializer):
    symbol = serializers.CharField(max_length=20)
    interval = serializers.ChoiceField(choices=list(INTERVALS), default="1h")
    kind = serializers.ChoiceField(choices=list(indicators.KINDS))
    period = WholeNumber(min_value=1, max_value=indicators.MAX_PERIOD, default=14)
    limit = WholeNumber(min_value=1, max_value=MAX_BARS, default=200)
    before = UnixOrISOTime(help_text="as price/ohlc/: values of the bars that open before this")


@extend_schema(
    parameters=[
        OpenApiParameter("symbol", OpenApiTypes.STR, required=True, description="e.g. EURUSD"),
        OpenApiParameter("interval", OpenApiTypes.STR, enum=list(INTERVALS), description="default 1h"),
        OpenApiParameter("kind", OpenApiTypes.STR, enum=list(indicators.KINDS), required=True),
        OpenApiParameter("period", OpenApiTypes.INT, description=f"1..{indicators.MAX_PERIOD}, default 14"),
        OpenApiParameter("limit", OpenApiTypes.INT, description=f"bars, 1..{MAX_BARS}, default 200"),
        OpenApiParameter("before", OpenApiTypes.STR, description="UNIX seconds or ISO 8601, as price/ohlc/"),
    ],
    responses={
        200: inline_serializer(
            "Indicator",
            {
                "symbol": serializers.CharField(),
                "interval": serializers.CharField(),
                "kind": serializers.CharField(),
                "period": serializers.IntegerField(),
                "data": inline_serializer(
                    "IndicatorPoint",
                    {
                        "time": serializers.IntegerField(help_text="the bar's open, UNIX seconds"),
                        "value": serializers.CharField(help_text="10 decimal places"),
                    },
                    many=True,
                ),
            },
        )
    },
)
@api_view(["GET"])
def indicator(request):
    """SMA, EMA, RSI or ATR over the stored bars price/ohlc/ serves (docs/strategies.md,
    Indicators): one value per bar of the page, from the bar with enough history on, computed
    with a warm-up of earlier bars so a page agrees with the whole history."""
    query = IndicatorQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    data = query.validated_data
    try:
        instrument = get_instrument(data["symbol"])
    except UnknownSymbol:
        return Response(
            {"code": "unknown_symbol", "message": f"Unknown symbol {data['symbol'][:20]!r}."}, status=404
        )
    kind, period, limit = data["kind"], data["period"], data["limit"]
    extra = indicators.warmup(kind, period)
    bars, _ = load_bars(instrument.symbol, data["interval"], limit + extra, before=data.get("before"))
    values = indicators.compute(kind, bars, period)
    points = [
        {"time": int(bar.time.timestamp()), "value": format(value, "f")}
        for bar, value in list(zip(bars, values, strict=True))[-limit:]
        if value is not None
    ]
    return Response(
        {
            "symbol": instrument.symbol,
            "interval": data["interval"],
            "kind": kind,
            "period": period,
            "data": points,
        }
    )
