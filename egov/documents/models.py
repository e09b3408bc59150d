"""Tables of document and work-file management (quản lý văn bản và hồ sơ công việc).

No business logic here: rules in ``rules.py``, changes of state in ``actions.py``, what a
person may see in ``queries.py``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from egov.core.models import Organisation

from .rules import Confidentiality, DocumentType, Urgency


class Direction(models.TextChoices):
    INCOMING = "incoming", _("Incoming")
    OUTGOING = "outgoing", _("Outgoing")


class Register(models.Model):
    """A register (sổ đăng ký) of one agency: incoming, or outgoing for a series."""

    agency = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="registers",
                               verbose_name=_("agency"))
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    name = models.CharField(_("name"), max_length=200)
    series = models.CharField(
        _("numbering series"), max_length=160, unique=True,
        help_text=_("Documents of one series share one run of numbers each year."))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["agency_id", "direction", "name"]
        verbose_name = _("register")
        verbose_name_plural = _("registers")

    def __str__(self) -> str:
        return self.name


class Status(models.TextChoices):
    # incoming
    REGISTERED = "registered", _("New")
    WAITING_ASSIGNMENT = "waiting_assignment", _("Waiting for assignment")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    # outgoing
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("Under review")
    RETURNED = "returned", _("Returned for changes")
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    ISSUED = "issued", _("Issued")


class Source(models.TextChoices):
    PAPER = "paper", _("Paper (scanned)")
    INTERNAL = "internal", _("Another unit of this system")
    HUB = "hub", _("National document exchange hub")
    ELECTRONIC = "electronic", _("Electronic file")


class Document(models.Model):
    """An incoming or outgoing document of one agency."""

    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    agency = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("agency"))
    unit = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("unit"))
    register = models.ForeignKey(Register, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="documents", verbose_name=_("register"))
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    number = models.PositiveIntegerField(_("number"), null=True, blank=True)
    symbol = models.CharField(_("number and symbol"), max_length=80, blank=True)
    doc_type = models.CharField(_("document type"), max_length=32, choices=DocumentType.choices)
    subject = models.TextField(_("subject"))
    issuer = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("issuing agency"))
    issuer_name = models.CharField(_("issuing agency"), max_length=255, blank=True)
    issue_date = models.DateField(_("issue date"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), null=True, blank=True)
    signer_name = models.CharField(_("signer"), max_length=150, blank=True)
    signer_title = models.CharField(_("signer's position"), max_length=150, blank=True)
    urgency = models.CharField(_("urgency"), max_length=16, choices=Urgency.choices,
                               blank=True, help_text=_("Empty: normal."))
    confidentiality = models.CharField(_("confidentiality"), max_length=16,
                                       choices=Confidentiality.choices, blank=True,
                                       help_text=_("Empty: not secret."))
    pages = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    reply_by = models.DateField(_("reply requested by"), null=True, blank=True)
    deadline = models.DateField(_("processing deadline"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=24, choices=Status.choices)
    source = models.CharField(_("received from"), max_length=12, choices=Source.choices,
                              blank=True)
    external_id = models.CharField(_("exchange document id"), max_length=200, blank=True)
    origin = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="internal_copies",
                               verbose_name=_("sent as"))
    answers = models.ManyToManyField("self", symmetrical=False, blank=True,
                                     related_name="answered_by", verbose_name=_("answers"))
    normative = models.BooleanField(_("normative document"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Subject, symbol, issuer, signer and file text, folded (textfold.fold) for search.
    search_text = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        constraints = [
            models.UniqueConstraint(fields=["register", "year", "number"],
                                    condition=Q(number__isnull=False),
                                    name="document_register_number"),
            # Per register, not per agency: secret documents have their own series
            # (NĐ 30/2020 Art. 15), so "01/QĐ-BTC" is issued once in each.
            models.UniqueConstraint(fields=["register", "year", "symbol"],
                                    condition=Q(direction="outgoing", status="issued"),
                                    name="document_issued_symbol"),
        ]
        indexes = [
            models.Index(fields=["agency", "direction", "status"], name="doc_agency_status"),
            models.Index(fields=["unit", "direction", "status"], name="doc_unit_status"),
            models.Index(fields=["issuer_name", "symbol", "issue_date"], name="doc_duplicate"),
            models.Index(fields=["deadline"], name="doc_deadline"),
        ]

    def __str__(self) -> str:
        return f"{self.symbol or _('(unnumbered)')} — {self.subject[:80]}"

    @property
    def is_confidential(self) -> bool:
        return bool(self.confidentiality)


class StatusChange(models.Model):
    """Append-only history of a document's status (the status itself is a field)."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="history")
    status = models.CharField(max_length=24, choices=Status.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT,
                           related_name="+")
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.document_id}: {self.status}"


class DocumentFile(models.Model):
    """A file of a document: the scan or main file, attachments, draft versions."""

    class Kind(models.TextChoices):
        MAIN = "main", _("Main file")
        ATTACHMENT = "attachment", _("Attachment")

    class SignatureStatus(models.TextChoices):
        UNSIGNED = "unsigned", _("Not signed")
        VALID = "valid", _("Signed, valid")
        INVALID = "invalid", _("Signature not valid")
        UNREADABLE = "unreadable", _("Cannot be read")

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.MAIN)
    version = models.PositiveIntegerField(default=1)
    file = models.FileField(upload_to="documents/%Y/%m/")
    name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    text = models.TextField(blank=True, editable=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                    on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    # The verdict on the file's digital signatures, kept by egov.signing (verified on
    # registration, on signing and on demand): "" not checked yet, then one of
    # SignatureStatus; ``signature_report`` holds one entry per signature.
    signature_status = models.CharField(_("signatures"), max_length=12, blank=True,
                                        choices=SignatureStatus.choices, editable=False)
    signature_report = models.JSONField(default=list, blank=True, editable=False)
    signature_checked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["kind", "-version", "id"]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"


class Role(models.TextChoices):
    LEAD = "lead", _("Lead")
    COORDINATE = "coordinate", _("Coordinate")
    INFORM = "inform", _("For information")


class Assignment(models.Model):
    """One assignee of a document: a unit or a person, with a role and a deadline."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE,
                                 related_name="assignments")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="passed_on")
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    unit = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", verbose_name=_("unit"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.PROTECT, related_name="assignments",
                             verbose_name=_("person"))
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    instruction = models.TextField(_("instruction"), blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    assigned_at = models.DateTimeField()
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    result = models.TextField(_("result"), blank=True)

    class Meta:
        ordering = ["document_id", "role", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(unit__isnull=False) | Q(user__isnull=False),
                name="assignment_has_assignee"),
        ]
        # Covering the inbox's tab conditions (assignee, open or done, role) and giving
        # the document: the tab counts and the visibility branches read the person's and
        # the units' assignments from the index alone (migration 0006).
        indexes = [
            models.Index(fields=["user", "done_at", "role", "document"],
                         name="assign_user_cover"),
            models.Index(fields=["unit", "done_at", "role", "document"],
                         name="assign_unit_cover"),
        ]

    def __str__(self) -> str:
        who = self.user or self.unit
        return f"{self.get_role_display()}: {who}"


class Opinion(models.Model):
    """An opinion on a document (coordinators, assignees, reviewers)."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="opinions")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    text = models.TextField(_("opinion"))
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:60]


class Grant(models.Model):
    """A person allowed by name to see a confidential document."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="grants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="document_grants")
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["document", "user"], name="grant_once")]

    def __str__(self) -> str:
        return f"{self.document_id} → {self.user_id}"


class Recipient(models.Model):
    """Where an outgoing document goes: a unit of this system, or an external agency
    (waiting for the exchange hub's connector)."""

    class Dispatch(models.TextChoices):
        DELIVERED = "delivered", _("Delivered")
        WAITING = "waiting", _("Waiting for dispatch")
        SENT = "sent", _("Sent through the hub")
        FAILED = "failed", _("Dispatch failed")

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="recipients")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    is_internal = models.BooleanField()
    dispatch = models.CharField(max_length=12, choices=Dispatch.choices)
    delivered = models.ForeignKey(Document, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["document", "organisation"], name="recipient_once"),
        ]
        indexes = [models.Index(fields=["dispatch"], name="recipient_dispatch")]

    def __str__(self) -> str:
        return f"{self.document_id} → {self.organisation_id}"


class WorkFile(models.Model):
    """A work file (hồ sơ công việc): the documents and notes about one matter."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    agency = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(_("file code"), max_length=50)
    title = models.CharField(_("title"), max_length=300)
    year = models.PositiveSmallIntegerField(_("year"))
    retention_years = models.PositiveSmallIntegerField(
        _("retention period (years)"), null=True, blank=True,
        help_text=_("Leave empty for permanent retention."))
    responsible = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("responsible"))
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "code"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "year", "code"], name="workfile_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.title}"


class WorkFileItem(models.Model):
    work_file = models.ForeignKey(WorkFile, on_delete=models.CASCADE, related_name="items")
    document = models.ForeignKey(Document, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="work_file_items")
    note = models.TextField(_("note"), blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+")
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(document__isnull=False) | ~Q(note=""),
                                   name="workfile_item_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.work_file_id}: {self.document_id or self.note[:40]}"
