"""Fixtures: the Office, two ministries, three serving Government members (one a Prime
Minister who chairs), an Office specialist acting as secretary."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from egov.core.models import Organisation, User
from egov.core.tests import factories
from egov.directives.tests.conftest import World, make_world

from .. import actions
from ..models import Meeting

PDF = b"%PDF-1.4\n% cabinet test paper\n"


@dataclass
class Cabinet:
    w: World
    pm: User
    minister: User
    justice: User
    guest: User
    btp: Organisation

    @property
    def office(self) -> User:
        return self.w.office_specialist

    @property
    def members(self) -> list[User]:
        return [self.pm, self.minister, self.justice]


def make_cabinet() -> Cabinet:
    w = make_world()
    btp = factories.ministry("000.00.00.G15", "Bộ Tư pháp", "BTP")
    pm = factories.official(w.office, "government_member", "thutuong", "Lê Minh Chính")
    minister = factories.official(w.btc, "government_member", "bt_btc", "Nguyễn Văn Thắng")
    justice = factories.official(btp, "government_member", "thanhvien", "Hoàng Đức Minh")
    guest = factories.official(w.bxd, "deputy_leader", "khach", "Nguyễn Thị Khách")
    since = dt.date(2026, 1, 1)
    for user, title in ((pm, "Thủ tướng Chính phủ"), (minister, "Bộ trưởng Bộ Tài chính"),
                        (justice, "Bộ trưởng Bộ Tư pháp")):
        actions.do_start_term(acting_user=None, user=user, title=title, since=since)
    return Cabinet(w=w, pm=pm, minister=minister, justice=justice, guest=guest, btp=btp)


@pytest.fixture
def cab(db: None) -> Cabinet:
    return make_cabinet()


def schedule(c: Cabinet, *, days_ahead: int = 7, **extra: object) -> Meeting:
    starts = timezone.now() + dt.timedelta(days=days_ahead)
    return actions.do_schedule_meeting(
        acting_user=c.office, kind="regular", title="Phiên họp Chính phủ thường kỳ tháng 11",
        starts_at=starts, chair=c.pm, place="Trụ sở Chính phủ", guests=[c.guest],
        **extra)  # type: ignore[arg-type]


@pytest.fixture
def certified(cab: Cabinet, admin_user: User, settings: object) -> Cabinet:
    """The cabinet with a personal certificate for each member (EC keys: fast to make)."""
    from egov.signing import actions as signing
    from egov.signing.models import Certificate

    settings.EGOV_SIGNING_KEY_ALGORITHM = "ec-p256"  # type: ignore[attr-defined]
    for member in cab.members:
        signing.do_issue_certificate(acting_user=admin_user, kind=Certificate.Kind.PERSONAL,
                                     user=member)
    return cab
