"""Demo tasks (loaded by ``egov load_demo``): the Government Office (``vanphong``) has
assigned tasks to ministries and a province; one is overdue, one near its deadline, one
done on time, one reported on by the Ministry of Finance, one periodic."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from egov.core import calendar
from egov.core.models import Organisation, User

from . import actions


def load(codes: dict[str, Organisation]) -> None:
    office = User.objects.get(username="vanphong")
    btc, bxd, bnv, qn = (codes[c] for c in ("000.00.00.G12", "000.00.00.G17",
                                            "000.00.00.G09", "000.00.00.H49"))
    today = timezone.localdate()

    def task(content: str, lead: Organisation, source_days_ago: int, deadline: dt.date,
             **extra: object) -> actions.Task:
        return actions.do_create_task(
            acting_user=office, content=content, lead_agency=lead,
            source_kind=extra.pop("source_kind", "directive"),  # type: ignore[arg-type]
            source_reference=extra.pop("ref", "05/CT-TTg"),  # type: ignore[arg-type]
            source_date=today - dt.timedelta(days=source_days_ago),
            product=str(extra.pop("product", "report")), deadline_kind="date", deadline=deadline,
            **extra)[0]  # type: ignore[arg-type]

    overdue = task("Báo cáo Thủ tướng Chính phủ tình hình giải ngân vốn đầu tư công 10 tháng "
                   "năm 2026, đề xuất giải pháp tháo gỡ vướng mắc", btc, 45,
                   today - dt.timedelta(days=6), ref="412/TB-VPCP",
                   source_kind="conclusions_notice")
    followed = task("Hoàn thiện hồ sơ dự án Luật Quản lý nợ công (sửa đổi), trình Chính phủ",
                    btc, 20, today + dt.timedelta(days=40), product="draft_decree",
                    coordinating_agencies=[codes["000.00.00.G15"]])
    actions.do_report_progress(
        followed, acting_user=User.objects.get(username="chuyenvien"),
        text="Đã lấy ý kiến các bộ, ngành và địa phương; đang tổng hợp, tiếp thu, giải trình.",
        percent=40)
    task("Rà soát, sửa đổi định mức kinh tế - kỹ thuật trong xây dựng nhà ở xã hội", bxd, 30,
         calendar.add_working_days(today, 2), ref="35/2025/NĐ-CP", source_kind="decree")
    done = task("Ban hành kế hoạch triển khai sắp xếp đơn vị hành chính cấp xã", bnv, 60,
                today - dt.timedelta(days=10))
    # Done before the demo's day: written directly (the demo has no official of Bộ Nội vụ
    # to mark it done through the action, which accepts only past days it can check).
    done.done_on = today - dt.timedelta(days=12)
    done.done_note = "Đã ban hành Kế hoạch 1520/KH-BNV."
    done.progress = 100
    done.save(update_fields=["done_on", "done_note", "progress"])
    actions.do_create_task(
        acting_user=office, lead_agency=qn, source_kind="directive",
        source_reference="05/CT-TTg", source_date=today - dt.timedelta(days=10),
        content="Báo cáo hằng tháng kết quả thực hiện Đề án 06 trên địa bàn tỉnh",
        product="report", deadline_kind="periodic", period="monthly",
        until=today + dt.timedelta(days=120))
    _ = overdue
