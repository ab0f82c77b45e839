"""`manage.py` in a child process, for the tests that need a real second process (a served app, a
worker, a settings check) rather than the test's own Django."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from paper_trading.loopback import ROOT

# Prints a new API token (knox) of a new user; the token is the last line of the output.
_NEW_TOKEN = """
from django.contrib.auth import get_user_model
from knox.models import AuthToken
print(AuthToken.objects.create(user=get_user_model().objects.create_user({username!r}))[1])
"""


def manage(*args: str, env: dict, timeout: float = 180) -> subprocess.CompletedProcess:
    """`manage.py args` with `env` as the child's whole environment; output captured as text."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def sqlite_env(path: Path) -> dict:
    """This process's environment pointed at the SQLite file `path`, without Redis."""
    return {**os.environ, "DATABASE_URL": f"sqlite:///{path}", "REDIS_URL": ""}


def migrated_sqlite_with_token(path: Path, username: str) -> str:
    """Migrate the SQLite file `path` and make a user in it; their new API token."""
    env = sqlite_env(path)
    for args in (("migrate", "-v0"), ("shell", "-c", _NEW_TOKEN.format(username=username))):
        done = manage(*args, env=env)
        assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip().splitlines()[-1]
