"""The committed frontend/src/lib/openapi.json is the schema the API serves today.

The dashboard's TypeScript types (frontend/src/lib/api-schema.ts) are generated from that file,
and `npm run typecheck` checks them against it; this test closes the other half: an API change
that was not followed by `npm run gen:types` fails here (docs/frontend.md).
"""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

COMMITTED = Path(settings.BASE_DIR) / "frontend" / "src" / "lib" / "openapi.json"
REGENERATE = "run `npm run gen:types` in frontend/ and commit openapi.json and api-schema.ts"


def differences(old, new, where="", out=None):
    """Paths (like components.schemas.Trade.properties.side) at which two JSON values differ."""
    out = [] if out is None else out
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new)):
            differences(old.get(key), new.get(key), f"{where}.{key}" if where else key, out)
    elif old != new:
        out.append(where or "(root)")
    return out


@pytest.mark.django_db
def test_committed_openapi_json_matches_the_schema_the_api_serves(tmp_path):
    rendered = tmp_path / "openapi.json"
    call_command("spectacular", "--format", "openapi-json", "--file", str(rendered))
    current = json.loads(rendered.read_text())
    committed = json.loads(COMMITTED.read_text())
    changed = differences(committed, current)
    assert not changed, f"frontend/src/lib/openapi.json is stale ({REGENERATE}); differs at: " + ", ".join(
        changed[:20]
    )
