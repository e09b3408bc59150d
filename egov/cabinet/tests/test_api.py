"""The e-Cabinet API: meetings and ballots of others are 404s; an answer signed by the
member's own tool over the payload endpoint's bytes is accepted, a forged one refused."""

from __future__ import annotations

import base64

from rest_framework.test import APIClient

from egov.core.models import User
from egov.signing import actions as signing
from egov.signing.models import Certificate

from .. import actions, signatures
from ..models import Answer
from .conftest import Cabinet, schedule


def _api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_meetings_and_ballots_api(cab: Cabinet, admin_user: User, settings: object) -> None:
    settings.EGOV_SIGNING_KEY_ALGORITHM = "ec-p256"  # type: ignore[attr-defined]
    meeting = schedule(cab)
    item = actions.do_add_item(meeting, acting_user=cab.office, title="Nghị định",
                               proposing_agency=cab.w.btc)
    member = _api(cab.justice)
    assert member.get(f"/api/v1/meetings/{meeting.pk}/").json()["items"][0]["id"] == item.pk
    assert _api(cab.w.bxd_specialist).get(f"/api/v1/meetings/{meeting.pk}/").status_code == 404
    response = member.post(f"/api/v1/meetings/{meeting.pk}/position/",
                           {"item": item.pk, "stance": "disagree", "text": ""}, format="json")
    assert response.status_code == 400 and "text" in response.json()

    signing.do_issue_certificate(acting_user=admin_user, kind=Certificate.Kind.PERSONAL,
                                 user=cab.justice)
    ballot = actions.do_create_ballot(acting_user=cab.office, title="Phiếu", question="Đồng ý?",
                                      working_days=3)
    actions.do_open_ballot(ballot, acting_user=cab.office)
    body = {"choice": "agree", "comment": ""}
    raw = base64.b64decode(member.post(f"/api/v1/ballots/{ballot.pk}/payload/", body,
                                       format="json").json()["payload"])
    forged = member.post(f"/api/v1/ballots/{ballot.pk}/answer/",
                         body | {"signature": base64.b64encode(b"forged").decode()},
                         format="json")
    assert forged.status_code == 400 and "signature" in forged.json()
    signature, _sha = signatures.sign(cab.justice, raw)  # stands in for the member's tool
    signed = member.post(f"/api/v1/ballots/{ballot.pk}/answer/",
                         body | {"signature": base64.b64encode(signature).decode()},
                         format="json")
    assert signed.status_code == 201 and signed.json()["version"] == 1
    assert Answer.objects.get().member == cab.justice
    assert _api(cab.minister).get(f"/api/v1/ballots/{ballot.pk}/answers/").json() == []
    assert _api(cab.guest).get(f"/api/v1/ballots/{ballot.pk}/").status_code == 404
