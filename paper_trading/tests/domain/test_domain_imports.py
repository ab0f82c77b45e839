"""The domain is pure Python (docs/architecture.md): no module of `paper_trading.domain` imports
Django, DRF or Channels, nor any part of the app outside the domain."""

import ast
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parents[2] / "domain"
FRAMEWORKS = ("django", "rest_framework", "channels", "daphne")


def imports_of(path: Path) -> list[tuple[str, int]]:
    """(module, relative level) for every import statement in the file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, 0) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.module or "", node.level))
    return found


@pytest.mark.parametrize("path", sorted(DOMAIN.glob("*.py")), ids=lambda p: p.name)
def test_domain_module_imports_no_framework_and_nothing_outside_the_domain(path):
    for module, level in imports_of(path):
        top = module.split(".")[0]
        assert top not in FRAMEWORKS, f"{path.name} imports {module}"
        assert level <= 1, f"{path.name} imports {'.' * level}{module}, outside the domain"
        if level == 0:
            assert not module.startswith("paper_trading.") or module.startswith("paper_trading.domain"), (
                f"{path.name} imports {module}"
            )
