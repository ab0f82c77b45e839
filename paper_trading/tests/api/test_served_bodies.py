"""Bodies Django must get whole from the server process: a multipart body without a boundary is
the API's 400 error body under `manage.py serve` and `manage.py runserver`, not a bare 400 from
Twisted's own form parsing (docs/api.md, "Errors")."""

from __future__ import annotations

import sys

import pytest
import requests

from paper_trading.loopback import ServerProcess


class Runserver(ServerProcess):
    def command(self) -> list[str]:
        return [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{self.port}"]


@pytest.mark.parametrize("server_class", [ServerProcess, Runserver], ids=["serve", "runserver"])
def test_a_multipart_body_without_a_boundary_is_a_parse_error_in_the_error_body(tmp_path, server_class):
    server = server_class(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "REDIS_URL": "",
            "FEED": "manual",
            "EMBEDDED_WORKER": "0",
            "DEBUG": "0",
        }
    ).start()
    try:
        response = requests.post(
            server.url + "/api/auth/token/",
            data=b"username=demo&password=demo-pass-123",
            headers={"Content-Type": "multipart/form-data"},
            timeout=10,
        )
    finally:
        server.stop()
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/json"
    message = "Multipart form parse error - Invalid boundary in multipart: None"
    assert response.json() == {
        "code": "parse_error",
        "message": message,
        "errors": {"non_field_errors": [message]},
    }
