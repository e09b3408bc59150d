"""Tables of e-Cabinet: members by term, meetings with their agenda and papers, members'
notes, positions and requests to speak, outcomes and conclusions; ballots with signed
answers (every version kept).

No business logic here: rules in ``rules.py``, changes of state in ``actions.py``, what a
person may see in ``queries.py``. Papers and notes never leave the deployment.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from egov.core.models import Organisation, StoredFile

USER = settings.AUTH_USER_MODEL


class Membership(models.Model):
    """A Government member's term: from ``since`` until ``until`` (open while serving).

    A member replaced during a term keeps the meetings held while they served and loses
    those after ``until`` (README, "e-Cabinet")."""

    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="cabinet_terms",
                             verbose_name=_("member"))
    title = models.CharField(_("title"), max_length=200)
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        ordering = ["since", "id"]
        verbose_name = _("Government membership")

    def __str__(self) -> str:
        return f"{self.user} — {self.title}"


class Meeting(models.Model):
    class Kind(models.TextChoices):
        REGULAR = "regular", _("Regular monthly meeting")
        THEMATIC = "thematic", _("Thematic meeting")
        WORKING = "working", _("Working meeting of the Prime Minister")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        IN_SESSION = "in_session", _("In session")
        CLOSED = "closed", _("Closed")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=300)
    starts_at = models.DateTimeField(_("starts at"))
    place = models.CharField(_("place"), max_length=300, blank=True)
    online_url = models.URLField(_("online link"), blank=True)
    chair = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("chair"))
    secretary = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("secretary"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.SCHEDULED)
    conclusions_notice = models.ForeignKey(
        "documents.Document", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", verbose_name=_("conclusions notice"))
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at", "id"]
        verbose_name = _("meeting")

    def __str__(self) -> str:
        return self.title


class Attendee(models.Model):
    class Role(models.TextChoices):
        MEMBER = "member", _("Member")
        GUEST = "guest", _("Invited guest")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendees")
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role"), max_length=8, choices=Role.choices)
    remote = models.BooleanField(_("takes part remotely"), default=False)

    class Meta:
        ordering = ["role", "id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "user"],
                                               name="attendee_once")]

    def __str__(self) -> str:
        return f"{self.user} ({self.role})"


class Outcome(models.TextChoices):
    PENDING = "", _("Not decided yet")
    PASSED = "passed", _("Passed")
    PASSED_NO_OBJECTION = "no_objection", _("Passed without objection")
    AMEND = "amend", _("Passed subject to changes")
    DEFERRED = "deferred", _("Deferred")
    REJECTED = "rejected", _("Not passed")


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    order = models.PositiveSmallIntegerField(_("order"))
    title = models.CharField(_("title"), max_length=400)
    proposing_agency = models.ForeignKey(Organisation, on_delete=models.PROTECT,
                                         related_name="+", verbose_name=_("proposing agency"))
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices,
                               blank=True)
    conclusions = models.TextField(_("conclusions"), blank=True)
    recorded_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["meeting_id", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "order"],
                                               name="agenda_item_order")]

    def __str__(self) -> str:
        return f"{self.order}. {self.title}"


class Paper(models.Model):
    class Kind(models.TextChoices):
        SUBMISSION = "submission", _("Submission (tờ trình)")
        DRAFT = "draft", _("Draft")
        APPRAISAL = "appraisal", _("Appraisal report")
        EXPLANATION = "explanation", _("Explanation")

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting for the Office's check")
        PUBLISHED = "published", _("Published to members")
        RETURNED = "returned", _("Returned to the proposing agency")

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="papers")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=300)
    members_only = models.BooleanField(_("for members only"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.WAITING)
    check_note = models.TextField(_("note of the check"), blank=True)

    class Meta:
        ordering = ["item_id", "kind", "id"]

    def __str__(self) -> str:
        return self.title


class PaperVersion(StoredFile):
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    file = models.FileField(upload_to="cabinet/%Y/%m/")
    uploaded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["paper_id", "-version"]
        constraints = [models.UniqueConstraint(fields=["paper", "version"],
                                               name="paper_version_once")]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"


class Note(models.Model):
    """A member's private note on a paper: only its author ever reads it."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(_("note"))
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["paper", "author"], name="note_once")]

    def __str__(self) -> str:
        return f"note {self.pk} on paper {self.paper_id}"


class SpeakRequest(models.Model):
    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="speakers")
    member = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        constraints = [models.UniqueConstraint(fields=["item", "member"], name="speak_once")]

    def __str__(self) -> str:
        return f"{self.member} on item {self.item_id}"


class Stance(models.TextChoices):
    AGREE = "agree", _("Agree")
    AGREE_WITH_COMMENTS = "agree_comments", _("Agree with comments")
    DISAGREE = "disagree", _("Disagree")


class ItemPosition(models.Model):
    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="positions")
    member = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    stance = models.CharField(_("position"), max_length=16, choices=Stance.choices)
    text = models.TextField(_("comments"), blank=True)
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "member"],
                                               name="position_once")]

    def __str__(self) -> str:
        return f"{self.member}: {self.stance}"


class Conclusion(models.Model):
    """One conclusion of an item; one that assigns work becomes a task when the
    conclusions notice is issued."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="conclusion_rows")
    text = models.TextField(_("conclusion"))
    lead_agency = models.ForeignKey(Organisation, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("lead agency"))
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    task = models.ForeignKey("directives.Task", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")

    class Meta:
        ordering = ["item_id", "id"]

    def __str__(self) -> str:
        return self.text[:80]


class Ballot(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Being prepared")
        OPEN = "open", _("Open for answers")
        CLOSED = "closed", _("Closed")

    title = models.CharField(_("title"), max_length=300)
    question = models.TextField(_("question"))
    working_days = models.PositiveSmallIntegerField(_("deadline in working days"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices,
                              default=Status.DRAFT)
    opened_at = models.DateTimeField(null=True, blank=True)
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    answers_visible_before_close = models.BooleanField(
        _("members see each other's answers before closing"), default=False)
    tally = models.JSONField(default=dict, blank=True)
    summary_report = models.ForeignKey(
        "documents.Document", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", verbose_name=_("summary report"))
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class BallotMember(models.Model):
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ballot", "user"],
                                               name="ballot_member_once")]

    def __str__(self) -> str:
        return f"{self.user} in ballot {self.ballot_id}"


class BallotPaper(StoredFile):
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="papers")
    file = models.FileField(upload_to="cabinet/ballots/%Y/%m/")


class Choice(models.TextChoices):
    AGREE = "agree", _("Agree")
    DISAGREE = "disagree", _("Disagree")
    OTHER = "other", _("Other opinion")


class Answer(models.Model):
    """One signed version of a member's answer; the newest is ``is_current``.

    ``payload`` is the exact bytes that were signed (canonical JSON naming the ballot,
    the member, the version, the choice and the comment); ``signature`` a detached CMS
    signature over it with the member's personal certificate."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="answers")
    member = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField()
    choice = models.CharField(_("answer"), max_length=8, choices=Choice.choices)
    comment = models.TextField(_("comments"), blank=True)
    payload = models.BinaryField()
    signature = models.BinaryField()
    certificate_sha256 = models.CharField(max_length=64)
    signed_at = models.DateTimeField()
    is_current = models.BooleanField(default=True)

    class Meta:
        ordering = ["ballot_id", "member_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["ballot", "member", "version"],
                                    name="answer_version_once"),
            models.UniqueConstraint(fields=["ballot", "member"], condition=Q(is_current=True),
                                    name="answer_one_current"),
        ]

    def __str__(self) -> str:
        return f"{self.member} v{self.version}: {self.choice}"
