"""Deployment settings: the secret key rule, `check --deploy` with a production environment,
plain HTTP on loopback by default, HTTPS behind a proxy, and the Content-Security-Policy."""

import os

import pytest
import requests

from paper_trading.loopback import ServerProcess

from . import processes

# What a TLS-terminating proxy in front of the server calls for (docs/security.md).
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "prod-like-" + "k3y" * 20,
    "ALLOWED_HOSTS": "example.com,127.0.0.1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
    "SECURE_SSL_REDIRECT": "true",
    "SESSION_COOKIE_SECURE": "true",
    "CSRF_COOKIE_SECURE": "true",
    "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
    "CSRF_TRUSTED_ORIGINS": "https://example.com",
}
HTTPS_KEYS = [k for k in PRODUCTION if k.startswith(("SECURE_", "SESSION_", "CSRF_"))]


def manage(*args, env, tmp_path):
    """`manage.py args` in a child with only `env` on top of a clean environment and no .env."""
    base = {k: v for k, v in os.environ.items() if k not in PRODUCTION}
    return processes.manage(*args, env={**base, "ENV_FILE": str(tmp_path / "no.env"), **env}, timeout=120)


def test_missing_secret_key_with_debug_off_refuses_to_start(tmp_path):
    result = manage("check", env={"DEBUG": "false"}, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY is not set and DEBUG is off" in result.stderr


def test_secret_key_from_the_env_file_is_enough(tmp_path):
    env_file = tmp_path / "no.env"
    env_file.write_text("SECRET_KEY=from-the-file-" + "x" * 40 + "\n")
    result = manage("check", env={"DEBUG": "false"}, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr


def test_debug_without_secret_key_uses_a_development_key(tmp_path):
    result = manage("check", env={"DEBUG": "true"}, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr


def test_deploy_check_passes_with_the_production_environment(tmp_path):
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION, tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_deploy_check_names_each_https_setting_left_at_its_default(tmp_path):
    plain = {k: v for k, v in PRODUCTION.items() if k not in HTTPS_KEYS}
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=plain, tmp_path=tmp_path)
    assert result.returncode != 0
    for code in ("W004", "W008", "W012", "W016"):
        assert f"security.{code}" in result.stderr


def test_malformed_proxy_ssl_header_is_refused(tmp_path):
    env = {**PRODUCTION, "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO"}
    result = manage("check", env=env, tmp_path=tmp_path)
    assert result.returncode != 0
    assert "SECURE_PROXY_SSL_HEADER must be HEADER,value" in result.stderr


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """The real server twice on a fresh SQLite file: default settings, and production ones."""
    tmp = tmp_path_factory.mktemp("deploy")
    common = {
        "ENV_FILE": str(tmp / "no.env"),
        "DATABASE_URL": f"sqlite:///{tmp}/db.sqlite3",
        "REDIS_URL": "",
        "FEED": "manual",
        "SECRET_KEY": PRODUCTION["SECRET_KEY"],
    }
    migrated = processes.manage("migrate", "--noinput", "-v", "0", env={**os.environ, **common})
    assert migrated.returncode == 0, migrated.stderr
    default = ServerProcess(common)
    production = ServerProcess({**common, **PRODUCTION})
    for server in (default, production):
        server.launch()
    try:
        yield default.ready(), production.ready()
    finally:
        default.stop()
        production.stop()


def test_default_settings_serve_plain_http_on_loopback(servers):
    default, _ = servers
    response = requests.get(default.url + "/admin/login/", allow_redirects=False, timeout=10)
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response.headers
    assert "secure" not in response.headers["Set-Cookie"].lower()  # the csrftoken cookie


def test_production_settings_redirect_http_and_trust_the_proxy_header(servers):
    _, production = servers
    plain = requests.get(production.url + "/admin/login/", allow_redirects=False, timeout=10)
    assert plain.status_code == 301
    assert plain.headers["Location"] == f"https://127.0.0.1:{production.port}/admin/login/"

    proxied = requests.get(
        production.url + "/admin/login/",
        headers={"X-Forwarded-Proto": "https"},
        allow_redirects=False,
        timeout=10,
    )
    assert proxied.status_code == 200
    assert proxied.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert "; secure" in proxied.headers["Set-Cookie"].lower()


CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/api/docs/",
        "/admin/login/",
        "/api/paper-trading/accounts/",
        "/api/schema/",
        "/healthz",
        "/nowhere/",
    ],
)
def test_every_response_carries_the_content_security_policy(client, path):
    response = client.get(path)
    directives = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    assert directives == CSP
