"""Demo of the exchange (loaded by ``egov load_demo`` after signing): the demo deployment
runs the hub too and is connected to it as one system speaking for every agency the demo
serves (each with its seal where it has one), with "route between agencies" on, so a
document from the Ministry of Finance to Văn phòng UBND tỉnh Quảng Ninh travels through
the hub (signed package, push, pull, statuses) on one machine. One official letter is
issued that way; the worker sends it when ``egov serve`` starts.

The hub and the push endpoint are reached at EGOV_DEMO_URL (default
http://127.0.0.1:8000, where ``make demo`` serves)."""

from __future__ import annotations

import os

from egov.core.models import Organisation, User
from egov.documents import actions as documents
from egov.documents.demo import sample_pdf
from egov.signing.models import Certificate

from . import connector_actions, hub_actions


def load(codes: dict[str, Organisation]) -> None:
    base = os.environ.get("EGOV_DEMO_URL", "http://127.0.0.1:8000").rstrip("/")
    agencies = list(Organisation.objects.filter(is_agency=True, is_external=False)
                    .order_by("path"))
    seals = [(c.organisation.code, c.certificate_pem.encode()) for c in
             Certificate.objects.filter(kind=Certificate.Kind.SEAL,
                                        organisation__in=agencies).select_related("organisation")]
    _system, token = hub_actions.do_register_system(
        acting_user=None, name="Hệ thống quản lý văn bản dùng chung (demo)",
        agencies=[(a.code, a.name) for a in agencies], push_url=f"{base}/exchange/push",
        certificates=seals)
    connector_actions.do_connect(acting_user=None, hub_url=f"{base}/hub/v1", token=token,
                                 route_between_agencies=True, pull_interval_seconds=30)
    connector_actions.clear_route_cache()
    _letter_through_the_hub(codes)


def _letter_through_the_hub(codes: dict[str, Organisation]) -> None:
    specialist = User.objects.get(username="chuyenvien")
    head = User.objects.get(username="vutruong")
    leader = User.objects.get(username="lanhdao")
    clerk = User.objects.get(username="vanthu")
    draft = documents.do_create_draft(
        acting_user=specialist, doc_type="official_letter",
        subject="Về việc báo cáo tình hình thực hiện dự toán ngân sách nhà nước năm 2026",
        recipients=[codes["000.00.01.H49"]],
        uploads=[("cong-van-du-toan.pdf", sample_pdf(
            "Về việc báo cáo tình hình thực hiện dự toán ngân sách nhà nước năm 2026",
            "Kính gửi: Văn phòng Ủy ban nhân dân tỉnh Quảng Ninh.",
            "Để tổng hợp báo cáo Chính phủ, Bộ Tài chính đề nghị Ủy ban nhân dân tỉnh báo "
            "cáo tình hình thực hiện dự toán ngân sách nhà nước năm 2026 trước ngày 15 "
            "tháng 12 năm 2026."))])
    documents.do_submit_for_review(draft, acting_user=specialist)
    documents.do_review(draft, acting_user=head, approve=True)
    documents.do_approve(draft, acting_user=leader)
    documents.do_issue(draft, acting_user=clerk)
