#!/usr/bin/env python3
"""Set up, serve and test the forex_signal paper trading project.

    python3 setup_paper_trading.py run [--host 127.0.0.1] [--port 8000]
    python3 setup_paper_trading.py test [extra pytest arguments]

Standard library only, so it runs with the system python3 (>= 3.11) before the
virtualenv exists. Every Python tool runs as `.venv/bin/python -m ...`, so nothing
depends on PATH or on an activated environment. Both commands are idempotent: the
virtualenv, the Python requirements and the frontend packages are installed again only
when their lock files changed (hash stamps).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

MIN_PYTHON = (3, 11)
ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
VENV_PYTHON = VENV / "bin" / "python"
REQUIREMENTS = ROOT / "requirements.txt"
REQUIREMENTS_STAMP = VENV / ".requirements.sha256"
ENV_FILE = ROOT / ".env"
FRONTEND = ROOT / "frontend"
PACKAGE_JSON = FRONTEND / "package.json"
PACKAGE_LOCK = FRONTEND / "package-lock.json"
NODE_MODULES = FRONTEND / "node_modules"
NPM_INSTALL_STAMP = NODE_MODULES / ".setup-install.sha256"
NPM_BUILD_STAMP = NODE_MODULES / ".setup-build.sha256"
FRONTEND_BUILD_DIR = FRONTEND / "dist"
# Folders under frontend/ that are outputs or caches, not build inputs.
FRONTEND_NOT_SOURCES = {
    "node_modules",
    "dist",
    "coverage",
    "test-results",
    "playwright-report",
    "test-artifacts",
}
FRONTEND_CHECK_SCRIPTS = ("lint", "typecheck", "test", "e2e")
# The browser the end-to-end tests drive (frontend/e2e/run.mjs reads the same variable).
DEBIAN_CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_INSTALL_HINT = "sudo apt-get install -y chromium"
STOP_GRACE_SECONDS = 20


class SetupError(Exception):
    """A step failed; the message says which and how."""


class Interrupted(Exception):
    """SIGINT or SIGTERM arrived; the running child (if any) has been stopped."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class ChildRunner:
    """Runs one child process at a time and forwards SIGINT/SIGTERM to it.

    Each child gets its own process group, so a terminal's Ctrl-C reaches only this
    script, which passes the signal on once, waits for the child (killing it after a
    grace period) and then raises Interrupted.
    """

    def __init__(self) -> None:
        self.child: subprocess.Popen | None = None
        self.stop_signal: int | None = None
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._on_signal)

    def _on_signal(self, signum: int, _frame: object) -> None:
        if self.stop_signal is None:
            self.stop_signal = signum
        if self.child is None:
            raise Interrupted(signum)
        _signal_group(self.child, signum)

    def run(self, cmd: list[str | Path], *, cwd: Path = ROOT, env: dict[str, str] | None = None) -> int:
        """Run cmd to completion and return its exit code."""
        if self.stop_signal is not None:
            raise Interrupted(self.stop_signal)
        try:
            self.child = subprocess.Popen(
                [str(part) for part in cmd], cwd=cwd, env=env or child_env(), process_group=0
            )
        except FileNotFoundError as exc:
            raise SetupError(f"cannot run {cmd[0]}: {exc.strerror}") from exc
        try:
            return self._wait()
        finally:
            self.child = None

    def check(self, cmd: list[str | Path], *, what: str, **kwargs) -> None:
        """Run cmd and raise SetupError naming `what` when it fails."""
        code = self.run(cmd, **kwargs)
        if code != 0:
            raise SetupError(f"{what} failed (exit code {code})")

    def _wait(self) -> int:
        assert self.child is not None
        deadline: float | None = None
        while True:
            try:
                code = self.child.wait(timeout=0.5)
                break
            except subprocess.TimeoutExpired:
                if self.stop_signal is None:
                    continue
                deadline = deadline or time.monotonic() + STOP_GRACE_SECONDS
                if time.monotonic() > deadline:
                    print(f"      still running after {STOP_GRACE_SECONDS}s, killing it", flush=True)
                    _signal_group(self.child, signal.SIGKILL)
        if self.stop_signal is not None:
            raise Interrupted(self.stop_signal)
        return code


@dataclass
class Progress:
    """Prints numbered step lines: "[2/6] installing requirements.txt ..."."""

    total: int
    index: int = 0

    def step(self, text: str) -> None:
        self.index += 1
        print(f"[{self.index}/{self.total}] {text}", flush=True)

    @staticmethod
    def note(text: str) -> None:
        print(f"      {text}", flush=True)


@dataclass
class Check:
    """One command of the test suite and, once run, its outcome."""

    name: str
    cmd: list[str | Path] = field(default_factory=list)
    cwd: Path = ROOT
    env: dict[str, str] = field(default_factory=dict)
    skip_reason: str = ""
    outcome: str = "not run"


def _signal_group(child: subprocess.Popen, signum: int) -> None:
    """Send signum to the child's process group (the child and whatever it spawned)."""
    try:
        os.killpg(child.pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def child_env(**extra: str) -> dict[str, str]:
    """The caller's environment, passed through, with the virtualenv first on PATH."""
    env = dict(os.environ)
    env.pop("PYTHONHOME", None)
    env["VIRTUAL_ENV"] = str(VENV)
    env["PATH"] = os.pathsep.join([str(VENV / "bin"), env.get("PATH", "")])
    env.setdefault("PYTHONUNBUFFERED", "1")
    env.update(extra)
    return env


def sha256_of(paths: Iterable[Path]) -> str:
    """Digest of the names and contents of the given files (missing files count too)."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes() if path.is_file() else b"<missing>")
    return digest.hexdigest()


def frontend_sources() -> list[Path]:
    """Every file under frontend/ that can change the build output, in a stable order."""
    found = []
    for folder, subfolders, files in os.walk(FRONTEND):
        subfolders[:] = sorted(d for d in subfolders if d not in FRONTEND_NOT_SOURCES)
        found.extend(Path(folder) / name for name in sorted(files))
    return found


def stamp_matches(stamp: Path, digest: str) -> bool:
    return stamp.is_file() and stamp.read_text().strip() == digest


def write_stamp(stamp: Path, digest: str) -> None:
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(digest + "\n")


def require_python() -> None:
    if sys.version_info < MIN_PYTHON:
        wanted = ".".join(map(str, MIN_PYTHON))
        raise SetupError(f"Python >= {wanted} is required, this is {sys.version.split()[0]}")


def venv_is_usable() -> bool:
    """True when .venv/bin/python starts and is recent enough."""
    if not VENV_PYTHON.exists():
        return False
    probe = f"import sys; sys.exit(sys.version_info < {MIN_PYTHON!r})"
    return subprocess.run([VENV_PYTHON, "-c", probe], capture_output=True).returncode == 0


def ensure_venv(runner: ChildRunner, progress: Progress) -> None:
    """Create .venv with this Python unless a usable one exists."""
    if venv_is_usable():
        progress.step("virtualenv .venv exists")
        return
    progress.step("creating virtualenv .venv")
    cmd: list[str | Path] = [sys.executable, "-m", "venv"]
    if VENV.exists():
        cmd.append("--clear")
    try:
        runner.check([*cmd, VENV], what="python3 -m venv")
    except SetupError as exc:
        raise SetupError(f"{exc}; on Debian/Ubuntu install the python3-venv package") from exc


def install_requirements(runner: ChildRunner, progress: Progress) -> None:
    """pip install -r requirements.txt, only when it changed since the last success."""
    digest = sha256_of([REQUIREMENTS])
    if stamp_matches(REQUIREMENTS_STAMP, digest):
        progress.step("requirements.txt unchanged since the last install, skipping pip")
        return
    progress.step("installing requirements.txt into .venv")
    runner.check(
        [VENV_PYTHON, "-m", "pip", "install", "--disable-pip-version-check", "-r", REQUIREMENTS],
        what="pip install -r requirements.txt",
    )
    write_stamp(REQUIREMENTS_STAMP, digest)


def ensure_env_file(progress: Progress) -> None:
    """Write .env with a fresh SECRET_KEY on first run; never touch an existing one."""
    if ENV_FILE.exists():
        progress.step(".env exists, keeping it")
        return
    progress.step("writing .env with a new random SECRET_KEY (see .env.example for other settings)")
    ENV_FILE.write_text(
        "# Written by setup_paper_trading.py on first run; every key is described in .env.example.\n"
        f"SECRET_KEY={secrets.token_urlsafe(50)}\n"
    )
    ENV_FILE.chmod(0o600)


def chromium_path() -> Path:
    return Path(os.environ.get("CHROMIUM_PATH") or DEBIAN_CHROMIUM)


def chromium_action(*, found: bool, is_root: bool, has_apt: bool, custom_path: bool = False) -> str:
    """What the test command does about the browser: "use" it, "install" it with apt-get (only
    as root on a Debian-like system, and only Debian's own binary), or "stop" and say how."""
    if found:
        return "use"
    if is_root and has_apt and not custom_path:
        return "install"
    return "stop"


def ensure_chromium(runner: ChildRunner, progress: Progress) -> None:
    """Find the end-to-end tests' Chromium before anything else runs; install it where we can."""
    path = chromium_path()
    action = chromium_action(
        found=path.is_file() and os.access(path, os.X_OK),
        is_root=os.geteuid() == 0,
        has_apt=shutil.which("apt-get") is not None,
        custom_path=bool(os.environ.get("CHROMIUM_PATH")),
    )
    if action == "use":
        progress.step(f"Chromium for the browser tests: {path}")
        return
    if action == "stop":
        if os.environ.get("CHROMIUM_PATH"):
            how = f"CHROMIUM_PATH={path} does not exist: point it at a Chromium binary"
        elif shutil.which("apt-get"):
            how = f"install it with: {CHROMIUM_INSTALL_HINT}"
        else:
            how = "install Chromium and set CHROMIUM_PATH=/path/to/chromium"
        raise SetupError(f"Chromium not found at {path} (the browser end-to-end tests need it); {how}")
    progress.step(f"Chromium not found at {path}: installing it (apt-get install -y chromium, as root)")
    apt_env = child_env(DEBIAN_FRONTEND="noninteractive")
    runner.check(["apt-get", "update"], what="apt-get update", env=apt_env)
    runner.check(["apt-get", "install", "-y", "chromium"], what="apt-get install chromium", env=apt_env)
    if not path.is_file():
        raise SetupError(f"apt-get installed chromium but {path} is still missing; set CHROMIUM_PATH")


def npm_scripts() -> dict[str, str]:
    """The "scripts" table of frontend/package.json."""
    try:
        return json.loads(PACKAGE_JSON.read_text()).get("scripts", {})
    except (OSError, ValueError) as exc:
        raise SetupError(f"cannot read {PACKAGE_JSON.relative_to(ROOT)}: {exc}") from exc


def npm() -> str:
    """Path of npm, or a SetupError saying Node.js is needed."""
    found = shutil.which("npm")
    if not found:
        raise SetupError("npm not found on PATH: install Node.js >= 20 to build the frontend")
    return found


def build_frontend(runner: ChildRunner, progress: Progress) -> None:
    """npm ci/install when the lock file changed, npm run build when a source changed."""
    if not PACKAGE_JSON.exists():
        progress.step("no frontend/package.json, skipping the frontend")
        return
    progress.step("installing and building the frontend")
    package_files = [PACKAGE_JSON, PACKAGE_LOCK]
    if stamp_matches(NPM_INSTALL_STAMP, sha256_of(package_files)) and NODE_MODULES.is_dir():
        progress.note("package files unchanged since the last install, skipping npm install")
    else:
        verb = "ci" if PACKAGE_LOCK.exists() else "install"
        progress.note(f"npm {verb}")
        runner.check([npm(), verb, "--no-audit", "--no-fund"], cwd=FRONTEND, what=f"npm {verb}")
        # Digest taken after the install: `npm install` may have just written the lock file.
        write_stamp(NPM_INSTALL_STAMP, sha256_of(package_files))
    if "build" not in npm_scripts():
        progress.note('no "build" script in package.json, nothing to build')
        return
    if stamp_matches(NPM_BUILD_STAMP, sha256_of(frontend_sources())) and FRONTEND_BUILD_DIR.is_dir():
        progress.note("frontend sources unchanged since the last build, skipping npm run build")
        return
    progress.note("npm run build")
    runner.check([npm(), "run", "build"], cwd=FRONTEND, what="npm run build")
    write_stamp(NPM_BUILD_STAMP, sha256_of(frontend_sources()))


def prepare_database(runner: ChildRunner, progress: Progress) -> None:
    """Migrate, collect static files and make sure the demo user and account exist."""
    progress.step("preparing the database, static files and the demo user")
    for args in (["migrate", "--noinput"], ["collectstatic", "--noinput"], ["ensure_demo"]):
        progress.note("manage.py " + " ".join(args))
        runner.check([VENV_PYTHON, "manage.py", *args], what="manage.py " + args[0])


def serve(runner: ChildRunner, progress: Progress, host: str, port: int) -> int:
    """Serve until Ctrl-C or SIGTERM.

    `manage.py serve` runs daphne on forex_signal.asgi:application and, in the same process,
    the embedded price worker (unless EMBEDDED_WORKER is off).
    """
    progress.step(f"serving http://{host}:{port}/ (Ctrl-C to stop)")
    try:
        code = runner.run([VENV_PYTHON, "manage.py", "serve", "--host", host, "--port", str(port)])
    except Interrupted as stop:
        print(f"received {stop}, server stopped", flush=True)
        return 0
    print(f"the server exited on its own with exit code {code}", flush=True)
    return code or 1


def cmd_run(runner: ChildRunner, args: argparse.Namespace) -> int:
    """Set up everything, then serve."""
    progress = Progress(total=6)
    ensure_venv(runner, progress)
    install_requirements(runner, progress)
    ensure_env_file(progress)
    build_frontend(runner, progress)
    prepare_database(runner, progress)
    return serve(runner, progress, args.host, args.port)


# Run again with the shims of paper_trading/fast_path.py off: the same API on public behaviour only.
FAST_PATH_OFF_TESTS = ["paper_trading/tests/api", "paper_trading/tests/realtime"]


def python_checks(pytest_args: list[str]) -> list[Check]:
    """Lint, format check, the pytest suite, and the API and realtime tests with FAST_PATH off
    (that last one with the full suite only, not with extra pytest arguments)."""
    py = VENV_PYTHON
    pytest = ["pytest", "-p", "no:cacheprovider", *pytest_args]
    off = ["pytest", "-p", "no:cacheprovider", *FAST_PATH_OFF_TESTS]
    return [
        Check("ruff check", [py, "-m", "ruff", "check", "."]),
        Check("ruff format --check", [py, "-m", "ruff", "format", "--check", "."]),
        Check("migrations up to date", [py, "manage.py", "makemigrations", "--check", "--dry-run"]),
        Check(" ".join(pytest), [py, "-m", *pytest]),
        Check(
            "FAST_PATH=false " + " ".join(off),
            [py, "-m", *off],
            env={"FAST_PATH": "false"},
            skip_reason="extra pytest arguments given" if pytest_args else "",
        ),
    ]


def frontend_checks() -> list[Check]:
    """The frontend's lint, typecheck, unit and browser tests, each when package.json has it."""
    if not PACKAGE_JSON.exists():
        return []
    scripts = npm_scripts()
    checks = []
    for script in FRONTEND_CHECK_SCRIPTS:
        check = Check(f"npm run {script}", cwd=FRONTEND)
        if script in scripts:
            check.cmd = ["npm", "run", script]
        else:
            check.skip_reason = f'no "{script}" script in frontend/package.json'
        checks.append(check)
    return checks


def run_check(runner: ChildRunner, check: Check, progress: Progress) -> None:
    """Run one check and record passed/FAILED/skipped on it."""
    if check.skip_reason:
        progress.step(f"{check.name}: skipped ({check.skip_reason})")
        check.outcome = "skipped"
        return
    progress.step(check.name)
    cmd = [npm() if part == "npm" else part for part in check.cmd]
    code = runner.run(cmd, cwd=check.cwd, env=child_env(CI=os.environ.get("CI", "1"), **check.env))
    check.outcome = "passed" if code == 0 else f"FAILED (exit code {code})"


def print_summary(checks: list[Check]) -> bool:
    """Print one line per check; return True when none failed."""
    print("\nsummary:")
    for check in checks:
        print(f"  {check.outcome:<22} {check.name}")
    failed = [c for c in checks if c.outcome.startswith("FAILED")]
    passed = sum(c.outcome == "passed" for c in checks)
    skipped = sum(c.outcome == "skipped" for c in checks)
    print(f"{passed} passed, {len(failed)} failed, {skipped} skipped", flush=True)
    return not failed


def cmd_test(runner: ChildRunner, args: argparse.Namespace, pytest_args: list[str]) -> int:
    """Install what the tests need, run every check, summarise, exit non-zero on any failure."""
    frontend = frontend_checks()
    checks = python_checks(pytest_args) + frontend
    needs_browser = any(check.name == "npm run e2e" and not check.skip_reason for check in frontend)
    progress = Progress(total=4 + needs_browser + len(checks))
    if needs_browser:
        ensure_chromium(runner, progress)
    ensure_venv(runner, progress)
    install_requirements(runner, progress)
    ensure_env_file(progress)  # settings refuse to start without a SECRET_KEY (DEBUG off)
    build = Check("frontend install and build", outcome="passed")
    try:
        build_frontend(runner, progress)
    except SetupError as exc:
        print(f"error: {exc}", flush=True)
        build.outcome = "FAILED"
        for check in frontend:
            check.skip_reason = check.skip_reason or "the frontend build failed"
    for check in checks:
        run_check(runner, check, progress)
    summary = ([build] if PACKAGE_JSON.exists() else []) + checks
    return 0 if print_summary(summary) else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="setup_paper_trading.py",
        description="Set up, serve and test forex_signal paper trading (idempotent).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="{run,test}")
    run = commands.add_parser(
        "run",
        help="install, migrate, create the demo user and serve the app",
        description="Create .venv, install requirements, write .env, build the frontend, "
        "migrate, collect static files, create the demo user, then serve (daphne + price worker).",
    )
    run.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    run.add_argument("--port", type=int, default=8000, help="port to bind (default 8000)")
    commands.add_parser(
        "test",
        help="run every check: ruff, pytest, frontend lint/unit/e2e",
        description="Check for Chromium first (installing it as root on Debian), install what is "
        "needed, write .env if missing, then run ruff, pytest and the frontend checks. "
        "Extra arguments go to pytest, e.g. `test -k ledger` or `test -- -x`.",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and extra[0] == "--":
        extra = extra[1:]
    if args.command != "test" and extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    os.chdir(ROOT)
    try:
        require_python()
        runner = ChildRunner()
        if args.command == "run":
            return cmd_run(runner, args)
        return cmd_test(runner, args, extra)
    except SetupError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        return 1
    except Interrupted as stop:
        print(f"interrupted by {stop}", file=sys.stderr, flush=True)
        return 128 + stop.signum


if __name__ == "__main__":
    sys.exit(main())
