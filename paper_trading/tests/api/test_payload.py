"""What a dashboard load costs on the wire (docs/frontend.md, Payload): JSON
answers gzipped for clients that accept it, the built assets pre-compressed (gzip and brotli)
and, when their name carries Vite's content hash, cached as immutable."""

import gzip
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import brotli
import pytest
from django.core.management import call_command
from django.test import Client

from paper_trading.bars import upsert_bars
from paper_trading.domain.bars import Bar

pytestmark = pytest.mark.django_db
URL = "/api/paper-trading/price/ohlc/"
YEAR = 365 * 24 * 3600


@pytest.fixture
def bars_1500():
    start = datetime(2026, 1, 5, tzinfo=UTC)
    bars = []
    for i in range(1500):
        o = Decimal("1.10000") + Decimal(i % 37) / 100000
        bars.append(
            Bar(
                start + timedelta(minutes=i),
                o,
                o + Decimal("0.00020"),
                o - Decimal("0.00010"),
                o + Decimal("0.00005"),
                Decimal(60 + i % 11),
            )
        )
    upsert_bars("EURUSD", "1m", bars, "test")


def test_json_is_gzipped_for_a_client_that_accepts_it(api, bars_1500):
    plain = api.get(URL, {"symbol": "EURUSD", "interval": "1m", "limit": 1500})
    packed = api.get(
        URL, {"symbol": "EURUSD", "interval": "1m", "limit": 1500}, HTTP_ACCEPT_ENCODING="gzip, br"
    )

    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    body = json.loads(gzip.decompress(packed.content))
    assert len(body["data"]) == 1500 and body == plain.json()
    # 1,500 bars: about 150 KB of JSON; gzipped well under a quarter of it.
    assert len(packed.content) * 4 < len(plain.content)


def test_an_error_body_is_compressed_like_any_other(api):
    response = api.get(URL, {"limit": "5001"}, HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 400
    if response.get("Content-Encoding") == "gzip":  # bodies under 200 bytes are sent as they are
        assert json.loads(gzip.decompress(response.content))["code"] == "validation_error"
    else:
        assert response.json()["code"] == "validation_error"


@pytest.fixture
def built_assets(tmp_path, settings):
    """A dist/ as Vite writes it: hashed assets and index.html, collected as `run` does."""
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    script = "export const x = 1;\n" + "function f(a){return a*2}\n" * 800
    (dist / "assets" / "index-CpiLfz6w.js").write_text(script)
    (dist / "assets" / "plain.js").write_text(script)
    settings.STATICFILES_DIRS = [dist]
    settings.STATIC_ROOT = tmp_path / "static"
    # Only the dist/: the apps' own static files (admin, DRF, Swagger UI) take seconds to compress.
    skip = [arg for app in ("admin", "rest_framework", "drf_spectacular_sidecar") for arg in ("-i", app)]
    call_command("collectstatic", "--noinput", "-v", "0", *skip)
    return script


def test_hashed_assets_are_immutable_and_come_as_brotli_or_gzip(built_assets):
    client = Client()  # a new handler: WhiteNoise reads the new STATIC_ROOT

    br = client.get("/static/assets/index-CpiLfz6w.js", HTTP_ACCEPT_ENCODING="br, gzip")
    gz = client.get("/static/assets/index-CpiLfz6w.js", HTTP_ACCEPT_ENCODING="gzip")
    plain = client.get("/static/assets/plain.js", HTTP_ACCEPT_ENCODING="gzip")

    assert br.status_code == 200 and br["Content-Encoding"] == "br"
    assert brotli.decompress(b"".join(br.streaming_content)).decode() == built_assets
    assert gz["Content-Encoding"] == "gzip"
    assert gzip.decompress(b"".join(gz.streaming_content)).decode() == built_assets
    cache = br["Cache-Control"]
    assert "immutable" in cache and "public" in cache
    assert int(cache.split("max-age=")[1].split(",")[0]) >= YEAR
    # A name without a content hash may change under the same name: it is not immutable.
    assert "immutable" not in plain.get("Cache-Control", "")


def test_the_page_that_names_the_assets_is_never_cached(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] and "max-age=0" in response["Cache-Control"]
