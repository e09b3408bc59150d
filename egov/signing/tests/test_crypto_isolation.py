"""The cryptographic half of signing is a plain library: importing it never imports Django."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import egov.signing.crypto

CRYPTO_DIR = Path(egov.signing.crypto.__file__).parent
MODULES = sorted(p.stem for p in CRYPTO_DIR.glob("*.py") if p.stem != "__init__")


def test_importing_the_library_does_not_import_django() -> None:
    imports = "; ".join(f"import egov.signing.crypto.{name}" for name in MODULES)
    code = (f"import sys; {imports}; "
            "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'));"
            "print(bad); sys.exit(1 if bad else 0)")
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=env, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert {"ca", "keys", "pdf", "cms", "xml", "trust"} <= set(MODULES)


def test_no_module_names_django_or_other_egov_parts() -> None:
    for path in CRYPTO_DIR.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith("django"), f"{path.name} imports {name}"
                assert not name.startswith("egov."), f"{path.name} imports {name}"
