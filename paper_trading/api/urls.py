from django.urls import path
from rest_framework.routers import SimpleRouter

from . import market_views, views

# SimpleRouter: no API root page and no `.json` format-suffix routes (the API speaks JSON only;
# `trades/1.json` is a 404 like any path nothing routes).
router = SimpleRouter(trailing_slash=True)
router.register("trades", views.TradeViewSet, basename="trade")
router.register("orders", views.OrderViewSet, basename="order")
router.register("accounts", views.AccountViewSet, basename="account")
router.register("symbols", views.SymbolViewSet, basename="symbol")

urlpatterns = [
    path("price/realtime/", views.realtime_price, name="price-realtime"),
    path("price/ticks/", views.manual_ticks, name="price-ticks"),
    path("price/ohlc/", market_views.ohlc, name="price-ohlc"),
    path("providers/", views.providers, name="providers"),
    *router.urls,
]
