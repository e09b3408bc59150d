"""Fixtures shared by every part's tests."""

from __future__ import annotations

import pytest
from hypothesis import settings as hypothesis_settings

from egov.core.models import Organisation, User
from egov.core.tests import factories

# Property tests check results, never time: Hypothesis's default 200 ms deadline per example
# turns a busy 2-core CI machine into failures that say nothing about the code.
hypothesis_settings.register_profile("egov", deadline=None)
hypothesis_settings.load_profile("egov")


@pytest.fixture
def ministry(db: None) -> Organisation:
    return factories.ministry()


@pytest.fixture
def office(ministry: Organisation) -> Organisation:
    """Văn phòng Bộ, a unit of the ministry."""
    return factories.unit(ministry, "000.00.01.G12", "Văn phòng Bộ", "VP")


@pytest.fixture
def clerk(office: Organisation) -> User:
    return factories.official(office, "clerk", username="vanthu", full_name="Lê Thị Văn Thư")


@pytest.fixture
def leader(ministry: Organisation) -> User:
    return factories.official(ministry, "agency_leader", username="lanhdao",
                              full_name="Phạm Minh Lãnh")


@pytest.fixture
def specialist(office: Organisation) -> User:
    return factories.official(office, "specialist", username="chuyenvien",
                              full_name="Hoàng Văn Chuyên")


@pytest.fixture
def admin_user(db: None) -> User:
    return User.objects.create_superuser("quantri", "quantri@example.gov.vn",
                                         factories.PASSWORD, full_name="Quản Trị Viên")


@pytest.fixture(autouse=True)
def _fresh_calendar_cache() -> None:
    """Each test starts with the calendar's per-process cache empty, so that a change
    made by an earlier test (whose on-commit never ran) cannot leak into it, and pinned
    query counts include the one calendar query a request may make."""
    from egov.core import calendar

    calendar.clear_cache()


@pytest.fixture(autouse=True)
def _fresh_route_cache() -> None:
    """The exchange connector keeps "route between agencies" per process for 30 s: a test
    that connected a deployment (the demo does) must not route the next test's documents
    through a hub its database does not have."""
    from egov.exchange import connector_actions

    connector_actions.clear_route_cache()
