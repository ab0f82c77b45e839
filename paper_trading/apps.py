from django.apps import AppConfig


class PaperTradingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "paper_trading"
    verbose_name = "Paper trading"

    def ready(self):
        from django.contrib.auth.signals import user_logged_out

        from . import realtime

        realtime.install()  # engine and worker events reach WebSockets through the channel layer
        user_logged_out.connect(realtime.end_sockets_on_logout, dispatch_uid="paper_trading.end_sockets")
