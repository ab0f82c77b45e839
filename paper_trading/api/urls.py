from django.urls import path
from rest_framework.routers import SimpleRouter

from . import market_views, signal_views, views

# SimpleRouter: no API root page and no `.json` format-suffix routes (the API speaks JSON only;
# `trades/1.json` is a 404 like any path nothing routes).
router = SimpleRouter(trailing_slash=True)
router.register("trades", views.TradeViewSet, basename="trade")
router.register("orders", views.OrderViewSet, basename="order")
router.register("accounts", views.AccountViewSet, basename="account")
router.register("symbols", views.SymbolViewSet, basename="symbol")
router.register("signals", signal_views.SignalViewSet, basename="signal")
router.register("hooks", signal_views.HookViewSet, basename="hook")
router.register("symbol_aliases", signal_views.SymbolAliasViewSet, basename="symbol-alias")
router.register("decisions", signal_views.DecisionViewSet, basename="decision")

urlpatterns = [
    path("price/realtime/", views.realtime_price, name="price-realtime"),
    path("price/ticks/", views.manual_ticks, name="price-ticks"),
    path("price/ohlc/", market_views.ohlc, name="price-ohlc"),
    path("price/indicators/", market_views.indicator, name="price-indicators"),
    path("providers/", views.providers, name="providers"),
    path("signals/webhook/<str:token>/", signal_views.signal_webhook, name="signal-webhook"),
    *router.urls,
]
