"""The Vietnamese catalogue is complete and current.

Every string in the code is in egov/locale/vi/LC_MESSAGES/django.po, every entry there is
translated (none fuzzy), and the compiled .mo says the same as the .po. After adding or
changing interface text: `make messages`, translate, commit both files.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib

PACKAGE = Path(__file__).resolve().parents[2]
PO = PACKAGE / "locale" / "vi" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def _ids(catalogue: polib._BaseFile) -> set[tuple[str | None, str]]:
    return {(e.msgctxt, e.msgid) for e in catalogue if not e.obsolete}


def test_every_entry_is_translated() -> None:
    po = polib.pofile(str(PO))
    missing = [e.msgid for e in po if not e.obsolete and (not e.translated() or e.fuzzy)]
    assert not missing, f"{len(missing)} untranslated or fuzzy entries, e.g. {missing[:5]}"


def test_compiled_catalogue_matches_source() -> None:
    po = polib.pofile(str(PO))
    mo = polib.mofile(str(MO))
    po_map = {(e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
              for e in po if not e.obsolete and e.translated()}
    mo_map = {(e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
              for e in mo if e.msgid}
    assert po_map == mo_map, "django.mo is stale: run `make messages` (compilemessages)"


def test_catalogue_has_every_string_in_the_code(tmp_path: Path) -> None:
    """Regenerate the catalogue from a copy of the code and compare the message ids."""
    copy = tmp_path / "egov"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env |= {"PYTHONPATH": str(tmp_path), "EGOV_VAR_DIR": str(tmp_path / "var"),
            "DJANGO_SETTINGS_MODULE": "egov.settings"}
    result = subprocess.run(
        [sys.executable, "-m", "egov", "makemessages", "-l", "vi", "--no-obsolete"],
        cwd=copy, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    fresh = polib.pofile(str(copy / "locale" / "vi" / "LC_MESSAGES" / "django.po"))
    committed = polib.pofile(str(PO))
    new = _ids(fresh) - _ids(committed)
    assert not new, f"strings missing from the catalogue (run `make messages`): {sorted(new)[:10]}"
