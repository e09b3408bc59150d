"""Demo of the national single sign-on (loaded by ``egov load_demo``): the sandbox identity
provider knows each demo citizen (same personal identification number, the demo
password), so signing in with VNeID links to their account, and one person who has no
egov account yet, so the first VNeID sign-in creates one."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.hashers import make_password

from egov.core import demo as core_demo
from egov.core.models import Organisation, User

from . import sso_sandbox

# Someone with no egov account yet (the first VNeID sign-in creates it).
NEW_PERSON_ID = "022095005678"
NEW_PERSON_NAME = "Lê Văn Nam"


def load(codes: dict[str, Organisation]) -> None:
    password_hash = make_password(core_demo.PASSWORD)
    for person in core_demo.PEOPLE:
        if person.kind == User.Kind.CITIZEN and person.personal_id:
            sso_sandbox.add_identity(
                personal_id=person.personal_id, password="", password_hash=password_hash,
                full_name=person.full_name, email=f"{person.username}@example.vn",
                birthdate=dt.date(1990, 5, 12))
    sso_sandbox.add_identity(
        personal_id=NEW_PERSON_ID, password="", password_hash=password_hash,
        full_name=NEW_PERSON_NAME, phone="0912345678", email="levannam@example.vn",
        birthdate=dt.date(1995, 3, 14))
