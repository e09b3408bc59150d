"""The one-stop forms of Thông tư 01/2018/TT-VPCP (STANDARDS.md §4) and the result, as
PDFs made by WeasyPrint from the dossier's data.

| form | template |
|---|---|
| 01 Giấy tiếp nhận hồ sơ và hẹn trả kết quả | ``receipt`` |
| 02 Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ | ``more`` |
| 03 Phiếu từ chối tiếp nhận, giải quyết hồ sơ | ``refusal`` |
| 04 Phiếu xin lỗi và hẹn lại ngày trả kết quả | ``apology`` |
| 05 Phiếu kiểm soát quá trình giải quyết hồ sơ | ``control`` |
| 06 Sổ theo dõi hồ sơ | ``book`` (per agency and period) |

The forms are Vietnamese legal forms: their titles and headings are the legal terms
whatever the interface language. Nothing is fetched while rendering.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation

from egov.core.models import Organisation, User

from .models import Dossier

FORMS = {
    "receipt": "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
    "more": "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
    "refusal": "PHIẾU TỪ CHỐI TIẾP NHẬN, GIẢI QUYẾT HỒ SƠ",
    "apology": "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
    "control": "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
}
FORM_NUMBERS = {"receipt": "01", "more": "02", "refusal": "03", "apology": "04",
                "control": "05", "book": "06"}


def _refuse_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"The one-stop forms fetch nothing ({url}).")


def _render(template: str, context: dict[str, Any]) -> bytes:
    from weasyprint import HTML

    with translation.override("vi"):  # a Vietnamese legal form in any interface language
        html = render_to_string(template, context)
    pdf = HTML(string=html, url_fetcher=_refuse_fetch).write_pdf()
    assert pdf is not None
    return bytes(pdf)


def vn_date(value: dt.date | dt.datetime | None) -> str:
    """"ngày 05 tháng 02 năm 2026" (Nghị định 30/2020: leading zeros)."""
    if value is None:
        return "…"
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date()
    return f"ngày {value.day:02d} tháng {value.month:02d} năm {value.year}"


def vn_time(value: dt.datetime | None) -> str:
    if value is None:
        return "…"
    local = timezone.localtime(value)
    return f"{local:%H} giờ {local:%M} phút, {vn_date(local)}"


def available(dossier: Dossier) -> list[str]:
    """The forms this dossier has data for."""
    forms = []
    if dossier.accepted_at:
        forms += ["receipt", "control"]
    if dossier.requests.exists():
        forms.append("more")
    if dossier.status == "refused":
        forms.append("refusal")
    if dossier.apologies.exists():
        forms.append("apology")
    return forms


def form_pdf(dossier: Dossier, form: str) -> bytes:
    if form not in FORMS:
        raise KeyError(form)
    components = [f for f in dossier.files.all() if f.kind != "result"]
    context: dict[str, Any] = {
        "title": FORMS[form], "form": form, "number": FORM_NUMBERS[form],
        "dossier": dossier, "procedure": dossier.procedure, "agency": dossier.agency,
        "components": components,
        "received_at": vn_time(dossier.accepted_at or dossier.submitted_at),
        "due": vn_date(dossier.due_date),
        "first_due": vn_date(dossier.first_due_date),
        "today": vn_date(timezone.localdate()),
        "officer": dossier.received_by.get_full_name() if dossier.received_by else "",
        "requests": list(dossier.requests.all()),
        "apologies": list(dossier.apologies.all()),
        "entries": list(dossier.entries.select_related("sender", "finished_by")),
        "vn_date": vn_date, "vn_time": vn_time,
    }
    context["apology"] = context["apologies"][-1] if context["apologies"] else None
    context["request_"] = context["requests"][-1] if context["requests"] else None
    for entry in context["entries"]:
        entry.started_text = vn_time(entry.started_at)
        entry.finished_text = vn_time(entry.finished_at) if entry.finished_at else ""
        entry.due_text = entry.due_date.strftime("%d/%m/%Y") if entry.due_date else ""
    if context["apology"]:
        context["apology_new_due"] = vn_date(context["apology"].new_due_date)
        context["apology_old_due"] = vn_date(context["apology"].old_due_date)
    return _render(f"services/pdf/{form}.html", context)


def result_pdf(dossier: Dossier, *, approver: User) -> bytes:
    """The result (licence, certificate…) before the agency's seal signs it."""
    fields = [(spec["label"], dossier.data.get(spec["name"], ""))
              for spec in dossier.procedure.form_fields if dossier.data.get(spec["name"])]
    return _render("services/pdf/result.html", {
        "dossier": dossier, "procedure": dossier.procedure, "agency": dossier.agency,
        "fields": fields, "today": vn_date(timezone.localdate()),
        "approver": approver.get_full_name(),
        "approver_title": _title(approver, dossier.agency),
    })


def _title(user: User, agency: Organisation) -> str:
    post = user.posts.filter(is_active=True, organisation__agency=agency).first() or \
        user.posts.filter(is_active=True).first()
    return (post.title or post.get_position_display()) if post else ""


def book_pdf(agency: Organisation, start: dt.date, end: dt.date,
             rows: Sequence[Dossier]) -> bytes:
    """Form 06, the tracking book: code, applicant, received, due, transferred, result,
    returned, notes."""
    lines = []
    for d in rows:
        notes = []
        if d.status == "refused":
            notes.append("Từ chối: " + d.refusal_reason)
        if d.first_due_date and d.due_date and d.due_date != d.first_due_date:
            notes.append(f"Hẹn lại {d.due_date:%d/%m/%Y}")
        lines.append({
            "code": d.code, "applicant": d.applicant_name, "procedure": d.procedure.name,
            "received": f"{timezone.localtime(d.accepted_at or d.submitted_at):%d/%m/%Y %H:%M}",
            "due": d.due_date.strftime("%d/%m/%Y") if d.due_date else "",
            "transferred": d.agency.name if d.accepted_at else "",
            "result": d.result_number or d.get_status_display(),
            "returned": f"{timezone.localtime(d.returned_at):%d/%m/%Y}" if d.returned_at else "",
            "notes": "; ".join(notes),
        })
    return _render("services/pdf/book.html", {
        "agency": agency, "rows": lines, "start": start, "end": end,
        "title": "SỔ THEO DÕI HỒ SƠ", "number": "06",
        "printed_at": timezone.localtime().strftime("%H:%M ngày %d/%m/%Y"),
    })
