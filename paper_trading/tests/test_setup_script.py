"""setup_paper_trading.py: what the test command does about the browser, before it installs anything."""

import os
import subprocess
import sys

import pytest

import setup_paper_trading
from paper_trading.loopback import ROOT


@pytest.mark.parametrize(
    ("found", "is_root", "has_apt", "custom_path", "action"),
    [
        (True, False, False, False, "use"),
        (True, True, True, True, "use"),
        (False, True, True, False, "install"),  # root on Debian: apt-get install chromium
        (False, False, True, False, "stop"),  # Debian, not root: say `sudo apt-get install`
        (False, True, False, False, "stop"),  # root elsewhere: nothing to install with
        (False, True, True, True, "stop"),  # apt-get cannot create a CHROMIUM_PATH elsewhere
    ],
)
def test_chromium_action(found, is_root, has_apt, custom_path, action):
    assert (
        setup_paper_trading.chromium_action(
            found=found, is_root=is_root, has_apt=has_apt, custom_path=custom_path
        )
        == action
    )


def test_test_command_stops_at_once_when_the_browser_is_missing(tmp_path):
    missing = tmp_path / "no-chromium"
    result = subprocess.run(
        [sys.executable, "setup_paper_trading.py", "test"],
        cwd=ROOT,
        env={**os.environ, "CHROMIUM_PATH": str(missing)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert f"Chromium not found at {missing}" in result.stderr
    assert result.stdout == ""  # no step ran: no virtualenv, pip, npm or check
