"""Tables of public services: the catalogue of administrative procedures (thủ tục hành
chính) and the dossiers (hồ sơ) citizens and businesses file, with everything that happens
to them in the one-stop shop (một cửa điện tử).

No business logic here: rules live in ``rules.py``, changes of state in ``actions.py``.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from egov.core.models import Organisation, Position, User


class Level(models.TextChoices):
    CENTRAL = "central", _("Central")
    PROVINCE = "province", _("Province")
    DISTRICT = "district", _("District")
    COMMUNE = "commune", _("Commune")


class OnlineLevel(models.TextChoices):
    """Nghị định 42/2022/NĐ-CP: fully online (toàn trình) or partly online (một phần)."""

    FULL = "full", _("Fully online")
    PARTIAL = "partial", _("Partly online")


class Procedure(models.Model):
    """One administrative procedure of the catalogue."""

    code = models.CharField(_("procedure code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=300)
    field = models.CharField(_("field"), max_length=150)
    # Folded name and field (textfold.fold): searched without diacritics.
    search_text = models.TextField(editable=False, default="")
    agency = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("responsible agency"))
    level = models.CharField(_("level of government"), max_length=16, choices=Level.choices)
    for_citizens = models.BooleanField(_("citizens may apply"), default=True)
    for_businesses = models.BooleanField(_("businesses may apply"), default=False)
    description = models.TextField(_("description"), blank=True)
    # The online form: a list of {"name", "label", "type" (text, date, number, choice,
    # email, phone), "required", "min", "max", "choices", "profile" (a User field that
    # prefills it)}; checked by rules.check_form_definition.
    form_fields = models.JSONField(_("form fields"), default=list, blank=True)
    fee = models.PositiveIntegerField(_("fee and charges (VND)"), default=0)
    fee_note = models.CharField(_("fee note"), max_length=300, blank=True)
    processing_days = models.PositiveSmallIntegerField(_("processing time (working days)"))
    cutoff_time = models.TimeField(
        _("cut-off time"), null=True, blank=True,
        help_text=_("Dossiers received after this time count from the next working day."))
    result_name = models.CharField(_("result"), max_length=200,
                                   help_text=_("What the citizen receives, e.g. a licence."))
    online_level = models.CharField(_("online level"), max_length=16,
                                    choices=OnlineLevel.choices)
    popularity = models.PositiveIntegerField(
        _("priority in the catalogue"), default=0,
        help_text=_("The services people need most come first."))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-popularity", "name"]
        verbose_name = _("administrative procedure")
        verbose_name_plural = _("administrative procedures")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Component(models.Model):
    """A document the dossier must (or may) contain."""

    class Form(models.TextChoices):
        ORIGINAL = "original", _("Original")
        COPY = "copy", _("Copy")
        CERTIFIED_COPY = "certified_copy", _("Certified copy or copy with original to compare")

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE,
                                  related_name="components")
    order = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(_("document"), max_length=300)
    form = models.CharField(_("original or copy"), max_length=20, choices=Form.choices)
    copies = models.PositiveSmallIntegerField(_("number of copies"), default=1)
    required = models.BooleanField(_("required"), default=True)
    template = models.FileField(_("template to download"), upload_to="services/templates/",
                                blank=True)

    class Meta:
        ordering = ["procedure", "order", "pk"]
        verbose_name = _("dossier component")
        verbose_name_plural = _("dossier components")

    def __str__(self) -> str:
        return self.name


class Step(models.Model):
    """A processing step: which unit, which role, how many working days."""

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(_("step"), max_length=200)
    unit = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", verbose_name=_("unit"))
    role = models.CharField(_("role"), max_length=32, choices=Position.choices)
    days = models.DecimalField(_("working days"), max_digits=4, decimal_places=1)

    class Meta:
        ordering = ["procedure", "order", "pk"]
        verbose_name = _("processing step")
        verbose_name_plural = _("processing steps")

    def __str__(self) -> str:
        return self.name


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("Waiting for reception")
    MORE_REQUESTED = "more_requested", _("Waiting for more documents")
    PROCESSING = "processing", _("Being processed")
    AWAITING_APPROVAL = "awaiting_approval", _("Waiting for the leader's approval")
    RESULT_READY = "result_ready", _("Result ready")
    RETURNED = "returned", _("Result returned")
    REFUSED = "refused", _("Refused")


class Channel(models.TextChoices):
    ONLINE = "online", _("Online")
    COUNTER = "counter", _("At the counter")


class ReturnChannel(models.TextChoices):
    ONLINE = "online", _("Online (download)")
    COUNTER = "counter", _("At the counter")
    POST = "post", _("By post")


class Dossier(models.Model):
    """A citizen's or business's application for one procedure."""

    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT,
                                  related_name="dossiers")
    agency = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(_("receipt code"), max_length=60, unique=True)
    applicant = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="dossiers", verbose_name=_("account"))
    applicant_name = models.CharField(_("applicant"), max_length=200)
    id_number = models.CharField(_("identification number"), max_length=20, blank=True)
    phone = models.CharField(_("telephone"), max_length=20)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    data = models.JSONField(_("form"), default=dict, blank=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    return_channel = models.CharField(_("result returned"), max_length=16,
                                      choices=ReturnChannel.choices,
                                      default=ReturnChannel.ONLINE)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.SUBMITTED)
    fee = models.PositiveIntegerField(_("fee (VND)"), default=0)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"))
    accepted_at = models.DateTimeField(_("received"), null=True, blank=True)
    received_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("received by"))
    due_date = models.DateField(_("appointment date"), null=True, blank=True)
    first_due_date = models.DateField(_("first appointment date"), null=True, blank=True)
    # The clock stops while the citizen is asked for more documents: the working days that
    # were left, given back when the citizen answers.
    paused_days = models.IntegerField(null=True, blank=True)
    step_index = models.PositiveSmallIntegerField(default=0)
    step_due = models.DateField(_("step due"), null=True, blank=True)
    finished_at = models.DateTimeField(_("result ready"), null=True, blank=True)
    returned_at = models.DateTimeField(_("result returned"), null=True, blank=True)
    refusal_reason = models.TextField(_("reason for refusal"), blank=True)
    result_number = models.CharField(_("result number"), max_length=60, blank=True)
    rating = models.PositiveSmallIntegerField(_("satisfaction"), null=True, blank=True)
    rating_comment = models.TextField(_("comment"), blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        indexes = [
            models.Index(fields=["agency", "status", "due_date"], name="dossier_queue"),
            models.Index(fields=["agency", "submitted_at"], name="dossier_agency_time"),
            models.Index(fields=["procedure", "submitted_at"], name="dossier_proc_time"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=3),
                name="dossier_rating_1_3"),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.applicant_name}"


class DossierFile(models.Model):
    class Kind(models.TextChoices):
        COMPONENT = "component", _("Dossier component")
        ADDITION = "addition", _("Added on request")
        RESULT = "result", _("Signed result")

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="files")
    component = models.ForeignKey(Component, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    request = models.ForeignKey("MoreRequest", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="files")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    file = models.FileField(upload_to="services/", max_length=300)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class ProcessingEntry(models.Model):
    """One hand-over of the processing-control slip (phiếu kiểm soát quá trình): who sent
    the dossier to whom, when, the due date, and when it was finished (early, on time or
    late)."""

    class Outcome(models.TextChoices):
        EARLY = "early", _("Early")
        ON_TIME = "on_time", _("On time")
        LATE = "late", _("Late")

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="entries")
    name = models.CharField(_("step"), max_length=200)
    step = models.ForeignKey(Step, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    sender = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("sent by"))
    receiver = models.CharField(_("received by"), max_length=300)
    started_at = models.DateTimeField(_("received at"))
    due_date = models.DateField(_("due"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    finished_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("finished by"))
    outcome = models.CharField(_("result"), max_length=10, choices=Outcome.choices,
                               blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["started_at", "pk"]
        verbose_name = _("processing-control entry")
        verbose_name_plural = _("processing-control entries")

    def __str__(self) -> str:
        return self.name


class MoreRequest(models.Model):
    """A request for more documents (phiếu yêu cầu bổ sung, hoàn thiện hồ sơ)."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="requests")
    items = models.TextField(_("what to add"))
    reason = models.TextField(_("why"))
    asked_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    asked_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    answer_note = models.TextField(_("answer"), blank=True)

    class Meta:
        ordering = ["asked_at", "pk"]

    def __str__(self) -> str:
        return self.items[:80]


class Apology(models.Model):
    """The apology letter with a new appointment date (phiếu xin lỗi và hẹn lại)."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="apologies")
    reason = models.TextField(_("reason for the delay"))
    old_due_date = models.DateField()
    new_due_date = models.DateField(_("new appointment date"))
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.dossier_id}: {self.new_due_date}"


class Payment(models.Model):
    """A payment of a dossier's fee through a gateway (or at the counter)."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for the gateway")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Failed")

    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="payments")
    gateway = models.CharField(max_length=30)
    txn_ref = models.CharField(max_length=40, unique=True)
    amount = models.PositiveIntegerField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)
    gateway_txn_no = models.CharField(max_length=40, blank=True)
    response = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["dossier"], condition=Q(state="paid"),
                                    name="payment_one_paid_per_dossier"),
        ]

    def __str__(self) -> str:
        return self.txn_ref
