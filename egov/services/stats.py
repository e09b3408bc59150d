"""Statistics of the one-stop shop per agency, procedure and period, in one grouped query:
received, online share, in progress, done on time, done late, overdue, average processing
time, payment totals, satisfaction. Charts are SVG made on the server by pygal."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from . import rules
from .models import Channel, Dossier, Status

COLUMNS = ["Cơ quan", "Mã thủ tục", "Thủ tục", "Tiếp nhận", "Trực tuyến (%)", "Đang giải quyết",
           "Đúng hạn", "Trễ hạn", "Quá hạn", "Thời gian TB (ngày)", "Lệ phí đã thu (đồng)",
           "Số đánh giá", "Hài lòng (%)"]


@dataclass
class Row:
    agency: str
    procedure_code: str
    procedure: str
    received: int
    online: int
    in_progress: int
    on_time: int
    late: int
    overdue: int
    avg_days: float | None
    paid: int
    rated: int
    satisfied: int

    @property
    def online_share(self) -> float:
        return round(100 * self.online / self.received, 1) if self.received else 0.0

    @property
    def satisfaction(self) -> float | None:
        return round(100 * self.satisfied / self.rated, 1) if self.rated else None

    def cells(self) -> list[Any]:
        return [self.agency, self.procedure_code, self.procedure, self.received,
                self.online_share, self.in_progress, self.on_time, self.late, self.overdue,
                "" if self.avg_days is None else round(self.avg_days, 1), self.paid,
                self.rated, "" if self.satisfaction is None else self.satisfaction]


def period_rows(dossiers: QuerySet[Dossier], start: dt.date, end: dt.date) -> list[Row]:
    tz = timezone.get_current_timezone()
    today = timezone.localdate()
    rows = dossiers.filter(
        submitted_at__gte=dt.datetime.combine(start, dt.time.min, tz),
        submitted_at__lt=dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tz))
    done = Q(finished_at__isnull=False) & ~Q(status=Status.REFUSED)
    finished_day = TruncDate("finished_at")
    grouped = (rows.order_by().values("agency__name", "procedure__code", "procedure__name")
               .annotate(
                   received=Count("pk"),
                   online=Count("pk", filter=Q(channel=Channel.ONLINE)),
                   in_progress=Count("pk", filter=Q(status__in=list(rules.OPEN))),
                   on_time=Count("pk", filter=done & Q(due_date__gte=finished_day)),
                   late=Count("pk", filter=done & Q(due_date__lt=finished_day)),
                   overdue=Count("pk", filter=Q(status__in=list(rules.OPEN),
                                                due_date__lt=today)),
                   avg_time=Avg(ExpressionWrapper(F("finished_at") - F("accepted_at"),
                                                  output_field=DurationField()),
                                filter=done & Q(accepted_at__isnull=False)),
                   paid=Sum("fee", filter=Q(paid_at__isnull=False), default=0),
                   rated=Count("pk", filter=Q(rating__isnull=False)),
                   satisfied=Count("pk", filter=Q(rating__gte=2)))
               .order_by("agency__name", "procedure__code"))
    result = []
    for g in grouped:
        avg = g["avg_time"]
        result.append(Row(
            agency=g["agency__name"], procedure_code=g["procedure__code"],
            procedure=g["procedure__name"], received=g["received"], online=g["online"],
            in_progress=g["in_progress"], on_time=g["on_time"], late=g["late"],
            overdue=g["overdue"],
            avg_days=avg.total_seconds() / 86400 if isinstance(avg, dt.timedelta) else None,
            paid=g["paid"] or 0, rated=g["rated"], satisfied=g["satisfied"]))
    return result


def totals(rows: Iterable[Row]) -> Row:
    rows = list(rows)
    weighted = [(r.avg_days, r.on_time + r.late) for r in rows if r.avg_days is not None]
    n = sum(w for _a, w in weighted)
    return Row(agency="", procedure_code="", procedure="",
               received=sum(r.received for r in rows), online=sum(r.online for r in rows),
               in_progress=sum(r.in_progress for r in rows),
               on_time=sum(r.on_time for r in rows), late=sum(r.late for r in rows),
               overdue=sum(r.overdue for r in rows),
               avg_days=(sum(a * w for a, w in weighted) / n) if n else None,
               paid=sum(r.paid for r in rows), rated=sum(r.rated for r in rows),
               satisfied=sum(r.satisfied for r in rows))


# --- charts ---------------------------------------------------------------------------------

def _config() -> Any:
    import pygal
    from pygal.style import Style

    style = Style(background="white", plot_background="white", font_family="sans-serif",
                  colors=("#1f5f9e", "#2e8540", "#b3261e", "#d4a017", "#6b7682"),
                  label_font_size=12, major_label_font_size=12, legend_font_size=13,
                  title_font_size=15)
    config = pygal.Config()
    config.style = style
    config.js = []  # no script from anywhere: the SVG is shown inline as a picture
    config.disable_xml_declaration = True
    config.width = 720
    config.height = 360
    config.legend_at_bottom = True
    config.print_values = False
    return config


def _svg(chart: Any) -> str:
    """The chart's SVG without pygal's script element (its interactive tooltips): the page
    shows the chart as a picture and runs no code from it."""
    from lxml import etree

    root = etree.fromstring(chart.render())
    for script in root.iter("{http://www.w3.org/2000/svg}script"):
        script.getparent().remove(script)
    return str(etree.tostring(root, encoding="unicode"))


def outcome_chart(rows: list[Row], title: str, labels: dict[str, str]) -> str:
    """Received, on time, late and overdue per procedure (a grouped bar chart)."""
    import pygal

    chart = pygal.Bar(_config(), title=title, x_label_rotation=0, truncate_label=18)
    chart.x_labels = [r.procedure_code for r in rows]
    chart.add(labels["received"], [r.received for r in rows])
    chart.add(labels["on_time"], [r.on_time for r in rows])
    chart.add(labels["late"], [r.late for r in rows])
    chart.add(labels["overdue"], [r.overdue for r in rows])
    return _svg(chart)


def channel_chart(total: Row, title: str, labels: dict[str, str]) -> str:
    import pygal

    chart = pygal.Pie(_config(), title=title, inner_radius=0.45)
    chart.add(labels["online"], total.online)
    chart.add(labels["counter"], total.received - total.online)
    return _svg(chart)


# --- CSV ------------------------------------------------------------------------------------

def csv_lines(rows: Iterable[Row]) -> Iterator[str]:
    import csv

    from egov.documents.exports import BOM, safe_cell

    class _Echo:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(_Echo(), lineterminator="\r\n")
    yield BOM + writer.writerow(COLUMNS)
    for row in rows:
        yield writer.writerow([safe_cell(c) for c in row.cells()])
