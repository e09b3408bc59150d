"""Tables of task follow-up (theo dõi nhiệm vụ được giao).

A task's status is never stored: it follows from its dates (``queries.with_status``), so
lists filter and count it in SQL. Rules in ``rules.py``, changes in ``actions.py``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from egov.core.models import Organisation, StoredFile


class SourceKind(models.TextChoices):
    CONCLUSIONS_NOTICE = "conclusions_notice", _("Conclusions notice")
    DECREE = "decree", _("Decree")
    DIRECTIVE = "directive", _("Directive")
    BALLOT_RESULT = "ballot_result", _("Ballot result")
    INCOMING_DOCUMENT = "incoming_document", _("Incoming document")


class Product(models.TextChoices):
    REPORT = "report", _("A report")
    DRAFT_DECREE = "draft_decree", _("A draft decree submitted")
    DECISION = "decision", _("A decision issued")
    OTHER = "other", _("Other product")


class DeadlineKind(models.TextChoices):
    DATE = "date", _("A date")
    WORKING_DAYS = "working_days", _("Working days from the source")
    PERIODIC = "periodic", _("Periodic")


class Period(models.TextChoices):
    MONTHLY = "monthly", _("Every month")
    QUARTERLY = "quarterly", _("Every quarter")


class TaskStatus(models.TextChoices):
    """Derived from dates only (queries.with_status); never stored."""

    IN_PROGRESS = "in_progress", _("In progress")
    NEAR_DEADLINE = "near_deadline", _("Near deadline")
    OVERDUE = "overdue", _("Overdue")
    DONE_ON_TIME = "done_on_time", _("Done on time")
    DONE_LATE = "done_late", _("Done late")


class Task(models.Model):
    """One task (one occurrence of a periodic task) assigned to a lead agency."""

    source_kind = models.CharField(_("source"), max_length=24, choices=SourceKind.choices)
    source_document = models.ForeignKey(
        "documents.Document", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", verbose_name=_("source document"))
    source_reference = models.CharField(
        _("source reference"), max_length=200, blank=True,
        help_text=_("Number and symbol of the source, e.g. 125/TB-VPCP."))
    source_date = models.DateField(_("source date"))
    content = models.TextField(_("content"))
    assigning_agency = models.ForeignKey(Organisation, on_delete=models.PROTECT,
                                         related_name="+", verbose_name=_("assigned by agency"))
    lead_agency = models.ForeignKey(Organisation, on_delete=models.PROTECT,
                                    related_name="led_tasks", verbose_name=_("lead agency"))
    coordinating_agencies = models.ManyToManyField(
        Organisation, blank=True, related_name="coordinated_tasks",
        verbose_name=_("coordinating agencies"))
    product = models.CharField(_("expected product"), max_length=16, choices=Product.choices)
    product_note = models.CharField(_("product details"), max_length=300, blank=True)
    deadline_kind = models.CharField(_("deadline kind"), max_length=16,
                                     choices=DeadlineKind.choices)
    working_days = models.PositiveIntegerField(_("working days"), null=True, blank=True)
    period = models.CharField(_("period"), max_length=12, choices=Period.choices, blank=True)
    series = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="occurrences", verbose_name=_("periodic series"))
    occurrence = models.PositiveIntegerField(_("occurrence"), default=1)
    deadline = models.DateField(_("deadline"))
    original_deadline = models.DateField(_("original deadline"))
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    done_note = models.TextField(_("result"), blank=True)
    product_document = models.ForeignKey(
        "documents.Document", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", verbose_name=_("product document"))
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("assigned by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        constraints = [
            models.CheckConstraint(condition=Q(deadline__gte=models.F("source_date")),
                                   name="task_deadline_after_source"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="task_progress_100"),
        ]
        indexes = [
            # An agency's list in deadline order (read in order, stopped at the page's end).
            models.Index(fields=["lead_agency", "deadline", "done_on"],
                         name="task_lead_deadline_done"),
            # The review (queries.scorecards, queries.attention) reads only these two small
            # partial indexes besides the lead agency's: the open tasks (overdue, near
            # deadline, in progress; a few percent of all) and the tasks done late. Both
            # cover their queries, so neither reads the table.
            models.Index(fields=["lead_agency", "deadline", "done_on"],
                         condition=Q(done_on__isnull=True), name="task_open"),
            models.Index(fields=["lead_agency", "deadline", "done_on"],
                         condition=Q(done_on__gt=models.F("deadline")), name="task_late"),
            # The Office's list of open tasks of one status, all agencies, by deadline.
            models.Index(fields=["deadline"], condition=Q(done_on__isnull=True),
                         name="task_open_deadline"),
        ]

    def __str__(self) -> str:
        return self.content[:80]

    @property
    def status_label(self) -> str:
        """The label of the status that ``queries.with_status`` annotated."""
        return str(TaskStatus(self.__dict__["status"]).label)


class InternalAssignment(models.Model):
    """A leader of the lead (or a coordinating) agency passes the task on inside it."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="assignments")
    agency = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", verbose_name=_("unit"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("person"))
    instruction = models.TextField(_("instruction"), blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    assigned_at = models.DateTimeField()

    class Meta:
        ordering = ["assigned_at", "id"]

    def __str__(self) -> str:
        return f"{self.unit or self.user} ({self.task_id})"


class ProgressReport(models.Model):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="reports")
    agency = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("agency"))
    text = models.TextField(_("progress"))
    percent = models.PositiveSmallIntegerField(_("percentage done"))
    # Empty for a report that came over the exchange hub from the lead agency's own
    # deployment: ``by_name`` then holds the name its staff signed with.
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                           on_delete=models.PROTECT, related_name="+")
    by_name = models.CharField(_("reported by"), max_length=150, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.percent}% ({self.task_id})"


class ReportFile(StoredFile):
    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to="directives/%Y/%m/")


class DeadlineRequest(models.Model):
    """A request for a new deadline; both dates stay here whatever the decision."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("Waiting for a decision")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="deadline_requests")
    old_deadline = models.DateField(_("deadline before"))
    new_deadline = models.DateField(_("requested deadline"))
    reason = models.TextField(_("reason"))
    # Empty for a request (or below, a decision) that came over the hub from another
    # deployment: the ``*_name`` field then holds the name its staff signed with.
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    requested_by_name = models.CharField(_("requested by"), max_length=150, blank=True)
    requested_at = models.DateTimeField()
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices,
                                default=Decision.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_by_name = models.CharField(_("decided by"), max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["task"], condition=Q(decision="pending"),
                                    name="deadline_request_one_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.old_deadline} → {self.new_deadline} ({self.decision})"
