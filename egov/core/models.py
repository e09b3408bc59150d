"""Tables of the foundation: organisations, people, audit log, calendar, counters.

No business logic here: rules live in ``rules.py``, changes of state in ``actions.py``.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Organisation(models.Model):
    """An agency (cơ quan) or a unit (đơn vị) inside one, with its identifier codes."""

    class Kind(models.TextChoices):
        GOVERNMENT_OFFICE = "government_office", _("Government Office")
        MINISTRY = "ministry", _("Ministry or ministry-level agency")
        PROVINCE = "province", _("Provincial People's Committee")
        DEPARTMENT = "department", _("Provincial department")
        DISTRICT = "district", _("District People's Committee")
        COMMUNE = "commune", _("Commune People's Committee")
        AGENCY = "agency", _("Other agency")
        UNIT = "unit", _("Unit")

    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
        verbose_name=_("parent"),
    )
    name = models.CharField(_("name"), max_length=255)
    short_name = models.CharField(
        _("abbreviation"), max_length=30,
        help_text=_("Used in document symbols, e.g. UBND, VPCP, BTC."),
    )
    code = models.CharField(
        _("identifier code (QCVN 102:2016)"), max_length=13, unique=True,
        help_text=_("13 characters, e.g. 000.00.00.G22."),
    )
    qd20_code = models.CharField(
        _("identifier code (QĐ 20/2020)"), max_length=35, null=True, blank=True, unique=True,
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    is_agency = models.BooleanField(
        _("is an agency"), default=False,
        help_text=_("Agencies keep their own registers and exchange documents."),
    )
    level = models.PositiveSmallIntegerField(_("level"), editable=False)
    # Materialised path of primary keys, "/1/7/42/": a subtree is one indexed prefix query.
    path = models.CharField(max_length=255, db_index=True, editable=False)
    agency = models.ForeignKey(
        "self", null=True, on_delete=models.PROTECT, related_name="+", editable=False,
        verbose_name=_("agency"),
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("telephone"), max_length=30, blank=True)
    is_external = models.BooleanField(
        _("served by another system"), default=False,
        help_text=_("An agency of another deployment, known for document exchange: "
                    "documents reach it through the national hub."))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["path"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.CheckConstraint(
                condition=Q(level__gte=1) & Q(level__lte=4), name="organisation_level_1_4"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """Every account: officials, citizens and businesses."""

    class Kind(models.TextChoices):
        OFFICIAL = "official", _("Official")
        CITIZEN = "citizen", _("Citizen")
        BUSINESS = "business", _("Business")

    kind = models.CharField(_("account kind"), max_length=16, choices=Kind.choices,
                            default=Kind.OFFICIAL)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    phone = models.CharField(_("telephone"), max_length=30, blank=True)
    personal_id = models.CharField(
        _("personal identification number"), max_length=12, null=True, blank=True,
        unique=True,
    )
    tax_code = models.CharField(_("enterprise code"), max_length=14, null=True, blank=True,
                                unique=True)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")

    def __str__(self) -> str:
        return self.full_name or self.username

    def get_full_name(self) -> str:
        return self.full_name or self.username


class Position(models.TextChoices):
    AGENCY_LEADER = "agency_leader", _("Agency leader")
    DEPUTY_LEADER = "deputy_leader", _("Deputy agency leader")
    UNIT_HEAD = "unit_head", _("Unit head")
    SPECIALIST = "specialist", _("Specialist")
    CLERK = "clerk", _("Records clerk")
    ONE_STOP_OFFICER = "one_stop_officer", _("One-stop officer")
    GOVERNMENT_MEMBER = "government_member", _("Government member")


class Post(models.Model):
    """An official's post in a unit: one primary post, any number of concurrent ones."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="posts",
                             verbose_name=_("official"))
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT,
                                     related_name="posts", verbose_name=_("unit"))
    position = models.CharField(_("position"), max_length=32, choices=Position.choices)
    title = models.CharField(_("job title"), max_length=150, blank=True,
                             help_text=_("As written on documents, e.g. Thứ trưởng."))
    is_primary = models.BooleanField(_("primary post"), default=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(is_primary=True, is_active=True),
                name="post_one_primary_per_user",
            ),
            models.UniqueConstraint(
                fields=["user", "organisation", "position"], condition=Q(is_active=True),
                name="post_unique_active",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_position_display()} — {self.organisation}"


class AuditEntry(models.Model):
    """One change of state. Rows are only ever inserted (database triggers refuse the rest).

    ``digest`` is the SHA-256 of the canonical content, computed when the row is written;
    the sealer later binds digests into the hash chain (``AuditLink``) in order.
    """

    created_at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False,
        related_name="+", verbose_name=_("actor"),
    )
    actor_label = models.CharField(_("actor"), max_length=200, blank=True)
    position = models.CharField(_("acting as"), max_length=32, blank=True)
    position_label = models.CharField(_("acting as"), max_length=300, blank=True)
    action = models.CharField(_("action"), max_length=100, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=255, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    digest = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            models.Index(fields=["actor", "created_at"], name="audit_actor_time"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.object_type}:{self.object_id}"


class AuditLink(models.Model):
    """Position ``seq`` of the hash chain: chain[seq] = H(chain[seq-1] | entry id | digest)."""

    seq = models.BigIntegerField(primary_key=True)
    entry = models.OneToOneField(
        AuditEntry, on_delete=models.DO_NOTHING, db_constraint=False, related_name="link",
    )
    chain = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("audit chain link")

    def __str__(self) -> str:
        return f"{self.seq}: {self.chain[:12]}"


class AuditSeal(models.Model):
    """A sealed batch: links ``first_seq``..``last_seq``, ending in ``head``."""

    first_seq = models.BigIntegerField()
    last_seq = models.BigIntegerField(unique=True)
    head = models.CharField(max_length=64)
    sealed_at = models.DateTimeField()

    class Meta:
        ordering = ["last_seq"]
        verbose_name = _("audit seal")

    def __str__(self) -> str:
        return f"{self.first_seq}–{self.last_seq}: {self.head[:12]}"


class CalendarDay(models.Model):
    """A day that an administrator made a day off or a working day for one year."""

    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar change")
        verbose_name_plural = _("calendar changes")

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.note}"


class Counter(models.Model):
    """The last number handed out in a series for a year (documents, receipts...)."""

    series = models.CharField(max_length=120)
    year = models.PositiveSmallIntegerField()
    value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["series", "year"], name="counter_series_year"),
        ]

    def __str__(self) -> str:
        return f"{self.series}/{self.year}: {self.value}"


class StoredFile(models.Model):
    """What every part keeps of an uploaded file beside its ``file`` field (which each
    part declares with its own upload path): name, type, size and SHA-256."""

    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name
