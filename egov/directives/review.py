"""The review of tasks (rà soát nhiệm vụ): overdue and near-due tasks by agency, a
scorecard per agency, a chart, CSV and PDF.

The figures come from ``queries.scorecards`` (one aggregate query) and
``queries.attention`` (one query for the listed tasks): the page costs a fixed number of
queries whatever the number of tasks and agencies (tests pin it, bench measures it).
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import numberformat, timezone
from django.utils.formats import get_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from . import queries
from .models import Task

ATTENTION_LIMIT = 500
_ROW = ('<tr><th scope="row">{}</th><td class="num">{}</td><td class="num">{}</td>'
        '<td class="num">{}</td><td class="num">{}</td><td class="num">{}</td>'
        '<td class="num">{}</td></tr>\n')
_OVERDUE = '<strong class="st st-overdue">{}</strong>'


def _number_format() -> Callable[[float], str]:
    """``django.utils.formats.number_format`` for the active language, with its three
    format lookups done once instead of once per number."""
    decimal, grouping, thousand = (get_format(name) for name in (
        "DECIMAL_SEPARATOR", "NUMBER_GROUPING", "THOUSAND_SEPARATOR"))
    return functools.partial(numberformat.format, decimal_sep=decimal, grouping=grouping,
                             thousand_sep=thousand, use_l10n=True)


@dataclass
class Review:
    today: dt.date
    cards: list[dict[str, Any]]
    attention: list[Task]
    attention_total: int

    @functools.cached_property
    def scorecard_rows(self) -> SafeString:
        """The scorecard table's rows, one per agency (300 in a deployment of the Office),
        formatted here because the template engine spent more time on these rows than
        the database on the figures (bench/bench_directives.py). The same HTML as the
        template's: the agency's name through Django's ``escape``, the numbers through
        Django's ``numberformat`` (safe strings, which autoescaping leaves alone; its
        format settings read once, and each distinct count formatted once)."""
        number = functools.lru_cache(maxsize=None, typed=True)(_number_format())
        rows = []
        for c in self.cards:
            rows.append(_ROW.format(
                escape(c["lead_agency__name"]), number(c["assigned"]), number(c["on_time"]),
                number(c["late"]),
                _OVERDUE.format(number(c["overdue"])) if c["overdue"] else "0",
                number(c["near"]), "—" if c["rate"] is None else number(c["rate"])))
        return mark_safe("".join(rows))  # noqa: S308 — every part is escaped or safe above

    @property
    def totals(self) -> dict[str, int]:
        keys = ("assigned", "on_time", "late", "overdue", "near", "in_progress")
        return {k: sum(int(c[k]) for c in self.cards) for k in keys}

    def by_agency(self) -> list[tuple[str, list[Task]]]:
        """The listed tasks grouped by agency, agencies in the scorecards' order (most
        overdue first)."""
        groups: dict[int, list[Task]] = {}
        for task in self.attention:
            groups.setdefault(task.lead_agency_id, []).append(task)
        return [(str(c["lead_agency__name"]), groups[c["lead_agency_id"]])
                for c in self.cards if c["lead_agency_id"] in groups]


def build(tasks: QuerySet[Task], today: dt.date | None = None,
          limit: int = ATTENTION_LIMIT) -> Review:
    """Scorecards for every agency; the tasks needing attention of the agencies with the
    most overdue tasks, up to ``limit`` tasks (each agency's by deadline). Choosing the
    agencies from the scorecards lets the list read the (agency, deadline, done) index
    agency by agency instead of sorting every overdue task."""
    today = today or timezone.localdate()
    cards = queries.scorecards(tasks, today)
    chosen: list[int] = []
    counted = 0
    for card in cards:
        waiting = int(card["overdue"]) + int(card["near"])
        if waiting and counted < limit:
            chosen.append(card["lead_agency_id"])
            counted += waiting
    listed = list(queries.attention(tasks.filter(lead_agency_id__in=chosen), today)
                  .order_by("lead_agency_id", "deadline", "id")[:limit]) if chosen else []
    total = sum(int(c["overdue"]) + int(c["near"]) for c in cards)
    return Review(today=today, cards=cards, attention=listed, attention_total=total)


def chart_svg(review: Review, top: int = 15) -> str:
    """A stacked horizontal bar chart per agency (pygal, rendered on the server; no
    script needed to read it). Rendering takes some 20 ms: the SVG is kept for the same
    figures in the same language."""
    cards = sorted(review.cards, key=lambda c: (-int(c["assigned"]), c["lead_agency__name"]))
    key = tuple((str(c["lead_agency__name"]), int(c["on_time"]), int(c["late"]),
                 int(c["overdue"]), int(c["near"]), int(c["in_progress"]))
                for c in cards[:top])
    return _chart(key, get_language() or "")


@functools.lru_cache(maxsize=64)
def _chart(key: tuple[tuple[str, int, int, int, int, int], ...], language: str) -> str:
    import pygal
    from pygal.style import Style

    style = Style(background="white", plot_background="white", font_family="sans-serif",
                  colors=("#2e7d32", "#f9a825", "#c62828", "#ef6c00", "#90a4ae"),
                  label_font_size=12, legend_font_size=12, major_label_font_size=12)
    chart = pygal.HorizontalStackedBar(style=style, width=900, height=170 + 34 * len(key),
                                       legend_at_bottom=True, legend_at_bottom_columns=5,
                                       truncate_legend=-1,
                                       disable_xml_declaration=True, show_y_guides=False,
                                       print_values=False, margin=10, truncate_label=40)
    chart.title = _("Tasks by lead agency")
    chart.x_labels = [row[0] for row in key]
    for column, label in enumerate((_("Done on time"), _("Done late"), _("Overdue"),
                                    _("Near deadline"), _("In progress")), start=1):
        chart.add(label, [row[column] for row in key])
    return str(chart.render(is_unicode=True))


def csv_bytes(review: Review) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Lead agency"), _("Assigned"), _("Done on time"), _("Done late"),
                     _("Overdue"), _("Near deadline"), _("In progress"), _("On-time rate (%)")])
    for c in review.cards:
        writer.writerow([c["lead_agency__name"], c["assigned"], c["on_time"], c["late"],
                         c["overdue"], c["near"], c["in_progress"],
                         "" if c["rate"] is None else c["rate"]])
    writer.writerow([])
    writer.writerow([_("Lead agency"), _("Task"), _("Source"), _("Deadline"), _("Status"),
                     _("Progress (%)")])
    for task in review.attention:
        writer.writerow([task.lead_agency.name, task.content, task.source_reference,
                         task.deadline.strftime("%d/%m/%Y"), queries.status_of(task).label,
                         task.progress])
    # A byte-order mark so that spreadsheet programs read the Vietnamese text as UTF-8.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _refuse_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    raise ValueError(f"the review PDF loads nothing from outside: {url}")


def pdf_bytes(review: Review, *, printed_by: str = "") -> bytes:
    from weasyprint import HTML

    html = render_to_string("directives/review_pdf.html", {
        "review": review, "chart": chart_svg(review),
        "printed_at": timezone.localtime().strftime("%H:%M %d/%m/%Y"),
        "printed_by": printed_by,
    })
    pdf = HTML(string=html, url_fetcher=_refuse_fetch).write_pdf()
    assert pdf is not None
    return bytes(pdf)
