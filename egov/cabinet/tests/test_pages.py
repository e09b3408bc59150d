"""Pages: the member's meeting page (papers, notes, positions), 404 for outsiders, the
ballot page's answer form with its field errors."""

from __future__ import annotations

from django.test import Client

from egov.core.models import User

from .. import actions
from ..models import ItemPosition, Note
from .conftest import PDF, Cabinet, schedule


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_member_reads_notes_and_records_positions(cab: Cabinet,
                                                  django_assert_max_num_queries: object) -> None:
    meeting = schedule(cab)
    item = actions.do_add_item(meeting, acting_user=cab.office, title="Nghị định về phí",
                               proposing_agency=cab.w.btc)
    paper = actions.do_upload_paper(item, acting_user=cab.w.btc_specialist, kind="draft",
                                    title="Dự thảo Nghị định", upload=("du-thao.pdf", PDF))
    actions.do_check_paper(paper, acting_user=cab.office, publish=True)
    member = _client(cab.justice)
    with django_assert_max_num_queries(30):  # type: ignore[operator]
        page = member.get(f"/cabinet/meetings/{meeting.pk}/")
    assert page.status_code == 200 and "Dự thảo Nghị định" in page.content.decode()
    pdf = member.get(f"/cabinet/meetings/{meeting.pk}/papers/{paper.pk}/v1/")
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    member.post(f"/cabinet/meetings/{meeting.pk}/papers/{paper.pk}/note/",
                {"text": "Hỏi thêm về mức phí"})
    assert Note.objects.get().author == cab.justice
    assert "Hỏi thêm về mức phí" not in _client(cab.minister).get(
        f"/cabinet/meetings/{meeting.pk}/").content.decode()
    member.post(f"/cabinet/meetings/{meeting.pk}/items/{item.pk}/position/",
                {f"i{item.pk}-stance": "agree_comments", f"i{item.pk}-text": "Sửa Điều 3"})
    assert ItemPosition.objects.get().stance == "agree_comments"
    outsider = _client(cab.w.bxd_specialist)
    assert outsider.get(f"/cabinet/meetings/{meeting.pk}/").status_code == 404
    assert outsider.get(f"/cabinet/meetings/{meeting.pk}/papers/{paper.pk}/v1/").status_code \
        == 404


def test_ballot_answer_form_names_the_field(cab: Cabinet) -> None:
    ballot = actions.do_create_ballot(acting_user=cab.office, title="Phiếu lấy ý kiến",
                                      question="Đồng ý?", working_days=3)
    actions.do_open_ballot(ballot, acting_user=cab.office)
    member = _client(cab.justice)
    assert member.get(f"/cabinet/ballots/{ballot.pk}/").status_code == 200
    response = member.post(f"/cabinet/ballots/{ballot.pk}/answer/", {"choice": "agree"})
    assert response.status_code == 400
    assert response.context["form"].errors["sign"]  # unsigned: the signing box names it
    assert _client(cab.w.bxd_specialist).get(f"/cabinet/ballots/{ballot.pk}/").status_code \
        == 404


def test_home_panel_counts_meetings_and_ballots_waiting(cab: Cabinet) -> None:
    schedule(cab)
    ballot = actions.do_create_ballot(acting_user=cab.office, title="Phiếu", question="?",
                                      working_days=3)
    actions.do_open_ballot(ballot, acting_user=cab.office)
    page = _client(cab.justice).get("/")
    [panel] = [p for p in page.context["panels"] if p.key == "role:government_member"]
    assert [(i.count, i.urgent) for i in panel.items] == [(1, False), (1, True)]
