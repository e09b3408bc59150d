"""Demo of e-Cabinet (loaded by ``egov load_demo`` after signing and directives).

- Terms for the Prime Minister (``thutuong``), the Minister of Justice (``thanhvien``) and
  the Ministers of Construction (``tv.bxd``) and Home Affairs (``tv.bnv``); each holds a
  personal certificate.
- A regular meeting in three days with two items and published papers: the two other
  members already agreed with the first item, so once ``thanhvien`` agrees too it has no
  objection and ``thutuong`` can pass it as a block; ``vanphong`` is the secretary.
- An open ballot answered and signed by three of four members (``thanhvien`` still to
  answer); it closes by itself at its deadline (the worker runs the close).
- A ballot closed last week with its tally from verified signatures.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from egov.core.models import Organisation, User
from egov.documents.demo import sample_pdf
from egov.signing import actions as signing
from egov.signing.models import Certificate

from . import actions
from .models import Ballot


def load(codes: dict[str, Organisation]) -> None:
    admin = User.objects.get(username="quantri")
    office = User.objects.get(username="vanphong")
    pm = User.objects.get(username="thutuong")
    justice = User.objects.get(username="thanhvien")
    bxd = User.objects.get(username="tv.bxd")
    bnv = User.objects.get(username="tv.bnv")
    since = dt.date(timezone.localdate().year, 1, 1)
    members = [(pm, "Thủ tướng Chính phủ"), (justice, "Bộ trưởng Bộ Tư pháp"),
               (bxd, "Bộ trưởng Bộ Xây dựng"), (bnv, "Bộ trưởng Bộ Nội vụ")]
    for user, title in members:
        actions.do_start_term(acting_user=None, user=user, title=title, since=since)
        signing.do_issue_certificate(acting_user=admin, kind=Certificate.Kind.PERSONAL,
                                     user=user)
    _meeting(codes, office, pm, [bxd, bnv])
    _ballots(office, pm, bxd, bnv)


def _meeting(codes: dict[str, Organisation], office: User, pm: User,
             agreed: list[User]) -> None:
    starts = timezone.make_aware(dt.datetime.combine(
        timezone.localdate() + dt.timedelta(days=3), dt.time(8, 30)))
    meeting = actions.do_schedule_meeting(
        acting_user=office, kind="regular",
        title=f"Phiên họp Chính phủ thường kỳ tháng {starts.month} năm {starts.year}",
        starts_at=starts, chair=pm, secretary=office, place="Trụ sở Chính phủ, số 1 Hoàng Hoa Thám",
        online_url="https://hop.chinhphu.vn/phien-hop-thuong-ky")
    first = actions.do_add_item(meeting, acting_user=office,
                                title="Dự án Luật Quản lý nợ công (sửa đổi)",
                                proposing_agency=codes["000.00.00.G12"])
    second = actions.do_add_item(
        meeting, acting_user=office,
        title="Dự thảo Nghị định quy định chi tiết một số điều của Luật Xây dựng",
        proposing_agency=codes["000.00.00.G17"])
    papers = [
        (first, "submission", "Tờ trình Chính phủ về dự án Luật Quản lý nợ công (sửa đổi)",
         False, "Bộ Tài chính kính trình Chính phủ dự án Luật Quản lý nợ công (sửa đổi) "
                "nhằm hoàn thiện khung pháp lý về vay, trả nợ công."),
        (first, "appraisal", "Báo cáo thẩm định của Bộ Tư pháp", True,
         "Bộ Tư pháp đã thẩm định dự án Luật; hồ sơ đủ điều kiện trình Chính phủ."),
        (second, "draft", "Dự thảo Nghị định quy định chi tiết Luật Xây dựng", False,
         "Nghị định quy định chi tiết về quản lý dự án đầu tư xây dựng và cấp phép xây dựng."),
    ]
    for item, kind, title, members_only, text in papers:
        paper = actions.do_upload_paper(
            item, acting_user=office, kind=kind, title=title, members_only=members_only,
            upload=(f"{kind}.pdf", sample_pdf(title, text)))
        actions.do_check_paper(paper, acting_user=office, publish=True)
    for member in agreed:
        actions.do_record_position(first, acting_user=member, stance="agree")
    actions.do_record_position(second, acting_user=agreed[0], stance="agree_comments",
                               text="Đề nghị làm rõ thẩm quyền cấp phép xây dựng của cấp xã.")
    actions.do_record_position(first, acting_user=pm, stance="agree")


def _ballots(office: User, *answering: User) -> None:
    draft = sample_pdf("Dự thảo Nghị định về quản lý, sử dụng tài sản công",
                       "Dự thảo Nghị định sửa đổi, bổ sung một số điều của Nghị định "
                       "số 151/2017/NĐ-CP.")
    ballot = actions.do_create_ballot(
        acting_user=office, title="Dự thảo Nghị định sửa đổi Nghị định 151/2017/NĐ-CP",
        question="Đồng chí có đồng ý thông qua dự thảo Nghị định sửa đổi, bổ sung một số "
                 "điều của Nghị định số 151/2017/NĐ-CP về quản lý, sử dụng tài sản công?",
        working_days=5, uploads=[("du-thao-nghi-dinh.pdf", draft)])
    actions.do_open_ballot(ballot, acting_user=office)
    choices = [("agree", ""), ("agree", ""), ("other", "Đề nghị bổ sung quy định chuyển "
                                                       "tiếp đối với tài sản đang khai thác.")]
    for member, (choice, comment) in zip(answering, choices, strict=True):
        actions.do_answer(ballot, acting_user=member, choice=choice, comment=comment,
                          sign_with_my_certificate=True)
    closed = actions.do_create_ballot(
        acting_user=office, title="Phương án điều chỉnh kế hoạch đầu tư công năm 2026",
        question="Đồng chí có đồng ý với phương án điều chỉnh kế hoạch đầu tư công năm 2026 "
                 "do Bộ Tài chính trình?", working_days=3)
    actions.do_open_ballot(closed, acting_user=office)
    for member, choice in zip(answering, ("agree", "agree", "disagree"), strict=True):
        actions.do_answer(closed, acting_user=member, choice=choice,
                          comment="Chưa đủ căn cứ." if choice == "disagree" else "",
                          sign_with_my_certificate=True)
    actions.do_close_ballot(closed, acting_user=office)
    assert Ballot.objects.get(pk=closed.pk).tally["verified"] == 3
