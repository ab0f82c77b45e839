"""Market-data reads: stored bars for charts (CONTRACT §4.5)."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.response import Response

from ..bars import load_bars
from ..domain.bars import INTERVALS
from ..domain.errors import UnknownSymbol
from ..domain.instruments import get_instrument

MAX_BARS = 5000


class OhlcQuery(serializers.Serializer):
    symbol = serializers.CharField(max_length=20)
    interval = serializers.ChoiceField(choices=list(INTERVALS), default="1h")
    limit = serializers.IntegerField(min_value=1, max_value=MAX_BARS, default=200)


def _volume(value: Decimal) -> str:
    return format(value.normalize(), "f") if value else "0"


@extend_schema(
    parameters=[
        OpenApiParameter("symbol", OpenApiTypes.STR, required=True, description="e.g. EURUSD"),
        OpenApiParameter("interval", OpenApiTypes.STR, enum=list(INTERVALS), description="default 1h"),
        OpenApiParameter("limit", OpenApiTypes.INT, description=f"1..{MAX_BARS}, default 200"),
    ],
    responses={
        200: inline_serializer(
            "Ohlc",
            {
                "symbol": serializers.CharField(),
                "interval": serializers.CharField(),
                "source": serializers.CharField(),
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
    """Bars oldest first, prices as strings at the instrument's digits; `source` "none" when none
    are stored. Intervals that are not stored are rolled up from a finer stored one."""
    query = OhlcQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    symbol, interval, limit = (query.validated_data[k] for k in ("symbol", "interval", "limit"))
    try:
        instrument = get_instrument(symbol)
    except UnknownSymbol:
        return Response({"code": "unknown_symbol", "message": f"Unknown symbol {symbol[:20]!r}."}, status=404)
    bars, source = load_bars(instrument.symbol, interval, limit)
    price = instrument.price
    return Response(
        {
            "symbol": instrument.symbol,
            "interval": interval,
            "source": source,
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
    )
