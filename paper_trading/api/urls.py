from django.urls import path
from rest_framework.routers import DefaultRouter

from . import market_views, views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
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
