"""Demo certificates (loaded by ``egov load_demo`` after documents): the platform CA issues
a personal certificate to every leader and a seal to every agency, and one decision of the
Ministry of Finance goes the whole way, signed by the minister and sealed on issue, so that
the verification page has something to show on the first sign-in."""

from __future__ import annotations

from egov.core.models import Organisation, Post, User
from egov.core.rules import LEADERS
from egov.documents import actions as documents
from egov.documents.demo import sample_pdf

from . import actions
from .models import Certificate


def load(codes: dict[str, Organisation]) -> None:
    admin = User.objects.get(username="quantri")
    leaders = (User.objects.filter(posts__position__in=LEADERS, posts__is_active=True)
               .distinct().order_by("username"))
    for leader in leaders:
        actions.do_issue_certificate(acting_user=admin, kind=Certificate.Kind.PERSONAL,
                                     user=leader)
    agencies = Organisation.objects.filter(
        pk__in=Post.objects.filter(position="clerk", is_active=True)
        .values("organisation__agency")).order_by("path")
    for agency in agencies:
        actions.do_issue_certificate(acting_user=admin, kind=Certificate.Kind.SEAL,
                                     organisation=agency)
    _issued_decision(codes)


def _issued_decision(codes: dict[str, Organisation]) -> None:
    specialist = User.objects.get(username="chuyenvien")
    head = User.objects.get(username="vutruong")
    leader = User.objects.get(username="lanhdao")
    clerk = User.objects.get(username="vanthu")
    draft = documents.do_create_draft(
        acting_user=specialist, doc_type="decision",
        subject="Quyết định ban hành Quy chế sử dụng chữ ký số trong hoạt động của Bộ Tài chính",
        recipients=[codes["000.00.00.H49"], codes["000.00.00.H41"]],
        uploads=[("quyet-dinh-chu-ky-so.pdf", sample_pdf(
            "Quyết định ban hành Quy chế sử dụng chữ ký số",
            "Điều 1. Ban hành kèm theo Quyết định này Quy chế sử dụng chữ ký số trong hoạt "
            "động của Bộ Tài chính.",
            "Điều 2. Quyết định này có hiệu lực kể từ ngày ký.",
            "Điều 3. Chánh Văn phòng Bộ, Vụ trưởng Vụ Ngân sách nhà nước và Thủ trưởng các "
            "đơn vị thuộc Bộ chịu trách nhiệm thi hành Quyết định này."))])
    documents.do_submit_for_review(draft, acting_user=specialist)
    documents.do_review(draft, acting_user=head, approve=True)
    documents.do_approve(draft, acting_user=leader)
    documents.do_issue(draft, acting_user=clerk)
