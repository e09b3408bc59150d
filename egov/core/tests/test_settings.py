"""Settings come from the environment; the documented production settings pass Django's
deployment checks; the ``egov`` command reads dashed names."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

EGOV = [sys.executable, "-m", "egov"]


def run_egov(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items()
            if k not in {"DJANGO_SETTINGS_MODULE", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS",
                         "EGOV_HTTPS"}}
    return subprocess.run(EGOV + args, env=base | env, cwd=cwd, capture_output=True,
                          text=True, timeout=120, check=False)


def production_env(tmp_path: Path) -> dict[str, str]:
    """The production environment that README.md documents."""
    return {
        "EGOV_VAR_DIR": str(tmp_path / "var"),
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "egov.example.gov.vn",
        "EGOV_HTTPS": "1",
        "DEBUG": "0",
    }


def test_check_deploy_passes_with_documented_production_settings(tmp_path: Path) -> None:
    result = run_egov(["check", "--deploy", "--fail-level", "WARNING"],
                      production_env(tmp_path), tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_without_https_settings(tmp_path: Path) -> None:
    env = production_env(tmp_path)
    del env["EGOV_HTTPS"]
    result = run_egov(["check", "--deploy", "--fail-level", "WARNING"], env, tmp_path)
    assert result.returncode != 0
    assert "SECURE_SSL_REDIRECT" in result.stderr + result.stdout


def test_embedded_defaults_need_no_variable(tmp_path: Path) -> None:
    """No SECRET_KEY, no DATABASE_URL: a key is generated once under var/ and reused."""
    env = {"EGOV_VAR_DIR": str(tmp_path / "var")}
    env_no_db = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    script = ("from django.conf import settings;"
              "print(settings.DATABASES['default']['NAME']);print(settings.SECRET_KEY)")
    out = []
    for _ in range(2):
        result = subprocess.run(
            [sys.executable, "-c", "import django;import os;"
             "os.environ.setdefault('DJANGO_SETTINGS_MODULE','egov.settings');"
             "django.setup();" + script],
            env=env_no_db | env, capture_output=True, text=True, timeout=60, check=True)
        out.append(result.stdout.split())
    assert out[0][0] == str(tmp_path / "var" / "egov.sqlite3")
    assert out[0][1] == out[1][1] and len(out[0][1]) > 40
    key_file = tmp_path / "var" / "secret_key"
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize("name", ["import-orgs", "import_orgs"])
def test_egov_command_reads_dashed_names(tmp_path: Path, name: str) -> None:
    result = run_egov([name, "--help"], {"EGOV_VAR_DIR": str(tmp_path / "var")}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "import_orgs" in result.stdout or "CSV" in result.stdout
