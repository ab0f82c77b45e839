"""The layering of docs/architecture.md is checked by import-linter (.importlinter), not hoped
for: the domain imports no framework, the API no worker or persistence internals, no cycles."""

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(config: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), str(config), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_import_contracts_are_kept():
    run = _lint(ROOT / ".importlinter")
    assert run.returncode == 0, run.stdout + run.stderr


def test_a_domain_module_importing_django_breaks_the_contract(tmp_path):
    # The contract really looks at the domain: a copy of it with one framework import fails.
    config = tmp_path / "contract.ini"
    config.write_text(
        textwrap.dedent(
            """
            [importlinter]
            root_package = probe_app
            include_external_packages = True

            [importlinter:contract:pure]
            name = pure
            type = forbidden
            source_modules = probe_app.domain
            forbidden_modules = django
            """
        )
    )
    package = tmp_path / "probe_app"
    (package / "domain").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "domain" / "__init__.py").write_text("import django.db\n")
    run = subprocess.run(
        [str(LINT_IMPORTS), str(config), "--no-cache"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "probe_app.domain -> django" in run.stdout
