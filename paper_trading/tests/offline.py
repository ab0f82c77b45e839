"""The tests' offline world: market-data providers pointed where nothing answers."""

DISCARD_URL = "http://127.0.0.1:9"  # the discard port: a call that slips through is refused at once
BASE_URL_SETTINGS = (
    "TWELVE_DATA_BASE_URL",
    "FINNHUB_BASE_URL",
    "ALPHA_VANTAGE_BASE_URL",
    "BINANCE_BASE_URL",
    "YAHOO_BASE_URL",
)


def point_providers_nowhere(settings) -> None:
    """Every provider's base URL at the discard port (nothing real answers, no internet)."""
    for name in BASE_URL_SETTINGS:
        setattr(settings, name, DISCARD_URL)


def providers_offline(settings) -> None:
    """No API keys and no reachable hosts, unless a test sets them."""
    settings.TWELVE_DATA_API_KEY = ""
    settings.FINNHUB_API_KEY = ""
    settings.ALPHA_VANTAGE_API_KEY = ""
    point_providers_nowhere(settings)
