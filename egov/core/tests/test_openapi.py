"""The committed OpenAPI description (docs/openapi.yaml) matches the code.

After changing the API, run `make schema` and commit docs/openapi.yaml.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command

SCHEMA = Path(__file__).resolve().parents[3] / "docs" / "openapi.yaml"


@pytest.mark.django_db
def test_committed_schema_matches_the_code(tmp_path: Path) -> None:
    generated = tmp_path / "openapi.yaml"
    call_command("spectacular", "--lang", "en", "--file", str(generated), "--validate",
                 "--fail-on-warn")
    assert SCHEMA.exists(), "docs/openapi.yaml is missing: run `make schema`"
    assert generated.read_text() == SCHEMA.read_text(), (
        "docs/openapi.yaml differs from the API in the code: run `make schema` and commit it"
    )
