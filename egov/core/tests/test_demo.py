"""The demo data (egov/core/demo.py, ``egov load_demo``)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from egov.core import actions, demo, rules
from egov.core.models import AuditEntry, Organisation, Position, Post, User

pytestmark = pytest.mark.django_db


def org(code: str) -> Organisation:
    return Organisation.objects.get(code=code)


def test_agencies_with_their_national_codes() -> None:
    demo.load()
    expected = {
        "000.00.00.G22": ("Văn phòng Chính phủ", "VPCP", "G22"),
        "000.00.00.G09": ("Bộ Nội vụ", "BNV", "G09"),
        "000.00.00.G12": ("Bộ Tài chính", "BTC", "G12"),
        "000.00.00.G17": ("Bộ Xây dựng", "BXD", "G17"),
        "000.00.00.G15": ("Bộ Tư pháp", "BTP", "G15"),
        "000.00.00.H49": ("UBND tỉnh Quảng Ninh", "UBND", "H49"),
        "000.00.00.H41": ("UBND tỉnh Nghệ An", "UBND", "H41"),
    }
    for code, (name, short, qd20) in expected.items():
        agency = org(code)
        assert (agency.name, agency.short_name, agency.qd20_code) == (name, short, qd20)
        assert agency.level == 1 and agency.parent is None and agency.is_agency
    assert org("000.00.18.G12").name == "Tổng cục Thuế"  # the QCVN's own example


def test_provinces_have_departments_and_districts_with_units() -> None:
    demo.load()
    province = org("000.00.00.H49")
    department = org("000.00.02.H49")
    assert department.name == "Sở Nội vụ tỉnh Quảng Ninh"
    assert (department.parent, department.level, department.kind) == (
        province, 2, Organisation.Kind.DEPARTMENT)
    city = org("000.00.20.H49")
    assert city.name == "UBND thành phố Hạ Long" and city.level == 2 and city.is_agency
    unit = org("000.02.20.H49")
    assert unit.parent == city and unit.level == 3
    assert unit.agency == city  # a unit belongs to its nearest agency
    assert org("000.01.20.H41").parent == org("000.00.20.H41")
    assert org("000.00.01.H41").name == "Văn phòng UBND tỉnh Nghệ An"


def test_every_code_follows_both_national_schemes() -> None:
    demo.load()
    for organisation in Organisation.objects.select_related("parent"):
        rules.QcvnCode.parse(organisation.code)
        assert organisation.qd20_code, organisation
        rules.check_qd20_code(organisation.qd20_code)
        if organisation.parent is not None:
            rules.check_child_code(organisation.parent.code, organisation.code)
            assert organisation.parent.qd20_code is not None
            rules.check_child_qd20_code(organisation.parent.qd20_code, organisation.qd20_code)


def test_one_person_per_role_plus_public_accounts_and_an_administrator() -> None:
    demo.load()
    held = set(Post.objects.filter(is_active=True).values_list("position", flat=True))
    assert held == set(Position.values)
    assert User.objects.filter(kind=User.Kind.CITIZEN).count() == 1
    assert User.objects.get(kind=User.Kind.BUSINESS).tax_code == "5701234567"
    admin = User.objects.get(username="quantri")
    assert admin.is_superuser and admin.is_staff
    clerk = User.objects.get(username="vanthu")
    assert clerk.full_name == "Nguyễn Thị Hoa"
    post = clerk.posts.get()
    assert (post.position, post.organisation.code) == (Position.CLERK, "000.00.01.G12")


def test_every_demo_account_signs_in_with_the_demo_password() -> None:
    demo.load()
    users = list(User.objects.filter(username__in=[p.username for p in demo.PEOPLE]))
    assert len(users) == len(demo.PEOPLE)
    assert all(u.check_password(demo.PASSWORD) for u in users)
    # The password was hashed once for everybody (loading takes well under a second).
    assert len({u.password for u in users}) == 1


def test_everything_went_through_the_actions() -> None:
    demo.load()
    officials = sum(1 for p in demo.PEOPLE if p.kind == User.Kind.OFFICIAL)
    assert AuditEntry.objects.filter(action="core.create_organisation").count() == \
        Organisation.objects.count()
    assert AuditEntry.objects.filter(action="core.create_official").count() == officials
    assert AuditEntry.objects.filter(action="core.register_account").count() == 2
    assert AuditEntry.objects.filter(action="core.update_account").count() == 1  # admin


def test_loading_twice_changes_nothing_and_keeps_what_users_changed() -> None:
    assert demo.load().loaded
    vpcp = org("000.00.00.G22")
    actions.do_update_organisation(vpcp, acting_user=None, phone="080 43100")
    counts = (Organisation.objects.count(), User.objects.count(), AuditEntry.objects.count())

    again = demo.load()
    assert not again.loaded
    assert (Organisation.objects.count(), User.objects.count(),
            AuditEntry.objects.count()) == counts
    assert org("000.00.00.G22").phone == "080 43100"


def test_the_command_prints_the_sign_ins() -> None:
    out = StringIO()
    call_command("load_demo", stdout=out)
    text = out.getvalue()
    assert "Demo loaded: 43 organisations and units" in text
    width = max(len(person.username) for person in demo.PEOPLE)
    for person in demo.PEOPLE:
        assert f"| {person.username.ljust(width)} | egov-demo-2026 |" in text
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert "already loaded" in out.getvalue()
    assert "| vanthu " in out.getvalue()


def test_sign_ins_leave_out_accounts_no_longer_active() -> None:
    demo.load()
    citizen = User.objects.get(username="congdan")
    actions.do_update_account(citizen, acting_user=None, is_active=False)
    names = [row[0] for row in demo.signins()]
    assert "congdan" not in names and "vanthu" in names
    assert "congdan" not in demo.signins_table()
