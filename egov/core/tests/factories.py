"""Test data built through the real actions (never by writing rows behind their back)."""

from __future__ import annotations

import itertools
from typing import Any

from django.contrib.auth.hashers import make_password

from egov.core import actions
from egov.core.models import Organisation, User

_seq = itertools.count(1)
PASSWORD = "Mật-khẩu-thử-2026"
_HASH: dict[str, str] = {}


def password_hash() -> str:
    """One hash for every test user: hashing is slow on purpose, tests need not pay it."""
    if "h" not in _HASH:
        _HASH["h"] = make_password(PASSWORD)
    return _HASH["h"]


def ministry(code: str = "000.00.00.G12", name: str = "Bộ Tài chính",
             short_name: str = "BTC") -> Organisation:
    return actions.do_create_organisation(
        acting_user=None, name=name, short_name=short_name, code=code,
        kind=Organisation.Kind.MINISTRY, is_agency=True)


def unit(parent: Organisation, code: str, name: str | None = None,
         short_name: str = "VP", is_agency: bool = False) -> Organisation:
    return actions.do_create_organisation(
        acting_user=None, parent=parent, name=name or f"Đơn vị {code}",
        short_name=short_name, code=code,
        kind=Organisation.Kind.AGENCY if is_agency else Organisation.Kind.UNIT,
        is_agency=is_agency)


def official(unit: Organisation, position: str = "specialist", username: str | None = None,
             full_name: str = "Nguyễn Văn An", **extra: str) -> User:
    return actions.do_create_official(
        acting_user=None, username=username or f"user{next(_seq)}", full_name=full_name,
        unit=unit, position=position, password_hash=password_hash(), **extra)


def citizen(username: str | None = None, full_name: str = "Trần Thị Bình") -> User:
    n = next(_seq)
    return actions.do_create_public_account(
        username=username or f"citizen{n}", full_name=full_name, kind=User.Kind.CITIZEN,
        password=PASSWORD, password_hash=password_hash(), personal_id=f"{n:012d}")


def run_queued(task_path: str) -> list[Any]:
    """Run, here and now, every task of ``task_path`` waiting in the database queue (what
    ``egov db_worker`` would do when their time comes), oldest first; their return values."""
    from django_tasks_db.models import DBTaskResult

    results = []
    for row in DBTaskResult.objects.filter(task_path=task_path, status="READY").order_by("id"):
        row.delete()
        results.append(row.task.call(*row.args_kwargs["args"], **row.args_kwargs["kwargs"]))
    return results
