from django.apps import AppConfig


class PaperTradingConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "paper_trading"
    verbose_name = "Paper trading"

    def ready(self):
        from . import realtime

        realtime.install()  # engine and worker events reach WebSockets through the channel layer
