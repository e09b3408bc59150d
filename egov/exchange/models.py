"""Tables of the national document exchange hub (trục liên thông văn bản quốc gia).

The registry: the connected systems (each a deployment, known by the SHA-256 of its API
token), the agencies each one speaks for (QCVN 102:2016 identifier codes) and the
certificates allowed to sign for each agency. The store: every accepted package byte for
byte, one delivery row per recipient (the recipients' inboxes), the refusals and the
failed push notifications. The hub's own key and certificate (it signs receipts) sit in
``HubIdentity``.

No logic here: the actions are in ``hub_actions.py``, what a system may see in
``hub_queries.py``.
"""

from __future__ import annotations

from functools import cached_property

from cryptography import x509
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from egov.signing.crypto.common import load_certificate, load_certificates


class HubSystem(models.Model):
    """A connected system: one deployment (a ministry's or a province's document system)
    that sends and pulls through the hub. It proves itself with an API token, of which
    only the SHA-256 is kept; ``push_url``, if set, is called when it has new items."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    token_sha256 = models.CharField(max_length=64, unique=True, editable=False)
    token_prefix = models.CharField(_("token prefix"), max_length=16, editable=False,
                                    help_text=_("The start of the token, to tell tokens "
                                                "apart; the token itself is not kept."))
    push_url = models.URLField(_("push URL"), max_length=500, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    last_pushed_at = models.DateTimeField(_("last successful push"), null=True, blank=True)
    # When the push already enqueued for this system will run (null: none waits). Every
    # web process reads it, so one notification covers the packages of all of them.
    push_due_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("connected system")
        verbose_name_plural = _("connected systems")
        permissions = [("view_hub", _("View the administration pages of the exchange hub"))]

    def __str__(self) -> str:
        return self.name


class HubAgency(models.Model):
    """An agency that a system speaks for, by its QCVN 102:2016 identifier code (the code
    in From/OrganId and To/OrganId of the packages)."""

    code = models.CharField(_("identifier code"), max_length=13, unique=True)
    name = models.CharField(_("name"), max_length=255, blank=True)
    system = models.ForeignKey(HubSystem, on_delete=models.PROTECT, related_name="agencies",
                               verbose_name=_("system"))
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("agency on the hub")
        verbose_name_plural = _("agencies on the hub")

    def __str__(self) -> str:
        return f"{self.code} {self.name}".strip()


class HubCertificate(models.Model):
    """A certificate allowed to sign packages for an agency (its seal, usually). A package
    whose signature was made with any other certificate is refused, even one that chains
    to a trusted root."""

    agency = models.ForeignKey(HubAgency, on_delete=models.PROTECT,
                               related_name="certificates", verbose_name=_("agency"))
    certificate_pem = models.TextField()
    sha256 = models.CharField(_("fingerprint (SHA-256)"), max_length=64, unique=True)
    subject = models.CharField(_("subject"), max_length=500)
    not_after = models.DateTimeField(_("valid until"))
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)

    class Meta:
        ordering = ["agency", "-not_after"]
        verbose_name = _("certificate on the hub")
        verbose_name_plural = _("certificates on the hub")

    def __str__(self) -> str:
        return self.subject

    @cached_property
    def certificate(self) -> x509.Certificate:
        return load_certificate(self.certificate_pem.encode())


class HubPackage(models.Model):
    """A package the hub accepted, byte for byte as it was sent (``data``).

    A document package is unique per sender agency and DocumentId: a second send of the
    same document is answered with the first one's id. A status package is about a
    document package (``about``) and is unique per sending system and content (a replay of
    the same bytes is answered with the first one's id). The receipt is the hub's detached
    CMS signature over the canonical JSON of (id, sha256, acceptance time)."""

    class Kind(models.TextChoices):
        DOCUMENT = "document", _("Document")
        STATUS = "status", _("Status")

    id = models.BigAutoField(primary_key=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    sender_system = models.ForeignKey(HubSystem, on_delete=models.PROTECT,
                                      related_name="sent_packages",
                                      verbose_name=_("sending system"))
    sender_code = models.CharField(_("sender"), max_length=13)
    document_id = models.CharField(_("document id"), max_length=500)
    # DocumentType/Type of a document package (statistics per type); null for a status.
    document_type = models.PositiveSmallIntegerField(_("document type"), null=True,
                                                     blank=True)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField(_("size"))
    data = models.BinaryField(editable=False)
    # The certificate that signed it (verified against the sender's registered ones).
    signer_sha256 = models.CharField(max_length=64, blank=True)
    received_at = models.DateTimeField(_("accepted"))
    receipt = models.BinaryField(null=True, blank=True, editable=False)
    about = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="statuses", verbose_name=_("about"))
    status_code = models.CharField(_("status code"), max_length=2, blank=True)
    status_description = models.TextField(_("description"), blank=True)
    status_timestamp = models.DateTimeField(_("status time"), null=True, blank=True)

    class Meta:
        verbose_name = _("package")
        verbose_name_plural = _("packages")
        constraints = [
            models.UniqueConstraint(fields=["sender_code", "document_id"],
                                    condition=Q(kind="document"),
                                    name="hub_package_unique_document"),
            models.UniqueConstraint(fields=["sender_system", "sha256"],
                                    condition=Q(kind="status"),
                                    name="hub_package_unique_status"),
            models.CheckConstraint(
                condition=Q(kind="document", about__isnull=True, status_code="")
                | (Q(kind="status", about__isnull=False) & ~Q(status_code="")),
                name="hub_package_kind_fields"),
        ]
        indexes = [
            models.Index(fields=["sender_code", "received_at"], name="hub_package_sent"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk} {self.document_id}"


class HubDelivery(models.Model):
    """One package waiting for (then acknowledged by) one recipient agency: the rows of
    the inboxes. ``system`` is the recipient's system when the package was accepted; the
    inbox of a system is its rows without ``acked_at``, in id order (a partial index keeps
    that look small however many rows were acknowledged)."""

    package = models.ForeignKey(HubPackage, on_delete=models.PROTECT,
                                related_name="deliveries")
    recipient_code = models.CharField(_("recipient"), max_length=13)
    system = models.ForeignKey(HubSystem, on_delete=models.PROTECT,
                               related_name="deliveries")
    created_at = models.DateTimeField(_("delivered to the inbox"))
    acked_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["package", "recipient_code"],
                                    name="hub_delivery_unique_recipient"),
        ]
        indexes = [
            models.Index(fields=["system", "id"], condition=Q(acked_at__isnull=True),
                         name="hub_inbox"),
            models.Index(fields=["recipient_code", "created_at"], name="hub_delivery_received"),
        ]

    def __str__(self) -> str:
        return f"{self.package_id} → {self.recipient_code}"


class HubRefusal(models.Model):
    """A request the hub refused, with the machine-readable code and the message it
    answered (for the administrators: which system sends what wrong)."""

    system = models.ForeignKey(HubSystem, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="refusals", verbose_name=_("system"))
    endpoint = models.CharField(_("endpoint"), max_length=100)
    code = models.CharField(_("code"), max_length=40)
    message = models.TextField(_("message"))
    sender_code = models.CharField(_("sender"), max_length=13, blank=True)
    document_id = models.CharField(_("document id"), max_length=500, blank=True)
    size = models.PositiveIntegerField(_("size"), null=True, blank=True)
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("refusal")
        verbose_name_plural = _("refusals")

    def __str__(self) -> str:
        return f"{self.code}: {self.message[:80]}"


class HubPushFailure(models.Model):
    """A push notification to a system's URL that failed; ``gave_up`` marks the last
    attempt (the system still finds its items by pulling)."""

    system = models.ForeignKey(HubSystem, on_delete=models.CASCADE,
                               related_name="push_failures", verbose_name=_("system"))
    url = models.URLField(_("URL"), max_length=500)
    attempt = models.PositiveSmallIntegerField(_("attempt"))
    error = models.TextField(_("error"))
    gave_up = models.BooleanField(_("gave up"), default=False)
    at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("failed push")
        verbose_name_plural = _("failed pushes")

    def __str__(self) -> str:
        return f"{self.system_id} #{self.attempt}: {self.error[:80]}"


class HubIdentity(models.Model):
    """The hub's own key and certificate (issued by the platform CA on first use), with
    which it signs receipts. The key is sealed under EGOV_SIGNING_KEY (signing.store)."""

    code = models.CharField(_("identifier code"), max_length=13, unique=True)
    name = models.CharField(_("name"), max_length=255)
    certificate_pem = models.TextField()
    chain_pem = models.TextField(blank=True)
    key_blob = models.BinaryField(editable=False)
    sha256 = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("hub identity")
        verbose_name_plural = _("hub identities")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @cached_property
    def certificate(self) -> x509.Certificate:
        return load_certificate(self.certificate_pem.encode())

    @cached_property
    def chain(self) -> tuple[x509.Certificate, ...]:
        return tuple(load_certificates(self.chain_pem.encode())) if self.chain_pem else ()


# --- the connector (every deployment) ------------------------------------------------------


class HubConnection(models.Model):
    """How this deployment reaches the national hub: its address and this system's token
    (``egov exchange_connect``). One row; none means the deployment is not connected and
    documents for external agencies wait."""

    hub_url = models.URLField(_("hub address"), max_length=500,
                              help_text=_("The hub's API root, e.g. https://hub.example.vn/hub/v1"))
    token = models.CharField(_("token"), max_length=200)
    route_between_agencies = models.BooleanField(
        _("send between this system's agencies through the hub"), default=False,
        help_text=_("Off: a document for another agency of this system is delivered at "
                    "once. On: it travels through the hub like any other (the demo)."))
    pull_interval_seconds = models.PositiveIntegerField(_("pull every (seconds)"), default=60)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("hub connection")
        verbose_name_plural = _("hub connections")

    def __str__(self) -> str:
        return self.hub_url


class Delivery(models.TextChoices):
    """Where a package or status of this deployment stands on its way to the hub."""

    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Accepted by the hub")
    FAILED = "failed", _("Refused by the hub")


class OutboundPackage(models.Model):
    """An issued document on its way to its external recipients: written in the issue's
    own transaction (so it cannot be lost), sent by a task, retried with backoff."""

    document = models.OneToOneField("documents.Document", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="outbound_package")
    # A task for an agency of another deployment (document empty), or — with ``payload``
    # naming the report — a progress report or "done" about a task received over the hub.
    task = models.ForeignKey("directives.Task", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="outbound_packages")
    payload = models.JSONField(default=dict, blank=True)
    agency = models.ForeignKey("core.Organisation", on_delete=models.PROTECT, related_name="+")
    recipients = models.JSONField(_("recipients"), default=list)  # identifier codes
    edxml_id = models.CharField(_("document id"), max_length=500)
    state = models.CharField(_("state"), max_length=8, choices=Delivery.choices,
                             default=Delivery.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    error_code = models.CharField(_("error code"), max_length=40, blank=True)
    hub_id = models.BigIntegerField(_("hub package id"), null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    receipt = models.BinaryField(null=True, blank=True, editable=False)
    accepted_at = models.DateTimeField(_("accepted by the hub"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("outgoing package")
        verbose_name_plural = _("outgoing packages")
        constraints = [models.UniqueConstraint(fields=["agency", "edxml_id"],
                                               name="outbound_document_id_once")]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="outbound_due")]

    def __str__(self) -> str:
        return self.edxml_id


class InboundPackage(models.Model):
    """A document package the hub delivered to one of this deployment's agencies, kept
    byte for byte (the signed original) until a records clerk registers or refuses it."""

    class State(models.TextChoices):
        RECEIVED = "received", _("Waiting for registration")
        REGISTERED = "registered", _("Entered in the register")
        REFUSED = "refused", _("Refused")

    hub_id = models.BigIntegerField(_("hub package id"))
    agency = models.ForeignKey("core.Organisation", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("recipient"))
    sender_code = models.CharField(_("sender"), max_length=13)
    sender_name = models.CharField(_("sender"), max_length=255, blank=True)
    edxml_id = models.CharField(_("document id"), max_length=500)
    symbol = models.CharField(_("number and symbol"), max_length=80, blank=True)
    subject = models.TextField(_("subject"))
    issue_date = models.DateField(_("issue date"))
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField(_("size"))
    data = models.BinaryField(editable=False)
    received_at = models.DateTimeField(_("received"))
    state = models.CharField(_("state"), max_length=12, choices=State.choices,
                             default=State.RECEIVED)
    document = models.OneToOneField("documents.Document", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="inbound_package")
    # The task this package brought (registered as a task of the recipient agency), or the
    # task of ours a received progress report was recorded on.
    task = models.ForeignKey("directives.Task", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="inbound_packages")
    # A request for a new deadline this package brought (the Office's side), to answer.
    deadline_request = models.ForeignKey("directives.DeadlineRequest", null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="+")
    refusal_reason = models.TextField(_("reason for refusal"), blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("received package")
        verbose_name_plural = _("received packages")
        constraints = [models.UniqueConstraint(fields=["hub_id", "agency"],
                                               name="inbound_once_per_agency")]
        indexes = [models.Index(fields=["agency", "state"], name="inbound_agency_state")]

    def __str__(self) -> str:
        return self.edxml_id


class OutboundStatus(models.Model):
    """A status this deployment owes the sender of a received package (01 arrived, 02
    refused, 03 registered, 04 assigned, 06 done): once per code, sent like a package."""

    inbound = models.ForeignKey(InboundPackage, on_delete=models.PROTECT,
                                related_name="statuses")
    code = models.CharField(_("status code"), max_length=2)
    description = models.TextField(_("description"), blank=True)
    at = models.DateTimeField(_("time"))
    staff = models.CharField(_("staff"), max_length=150, blank=True)
    state = models.CharField(_("state"), max_length=8, choices=Delivery.choices,
                             default=Delivery.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    hub_id = models.BigIntegerField(_("hub package id"), null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("status sent")
        verbose_name_plural = _("statuses sent")
        constraints = [models.UniqueConstraint(fields=["inbound", "code"],
                                               name="outbound_status_once")]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="status_due")]

    def __str__(self) -> str:
        return f"{self.inbound_id}: {self.code}"


class InboundStatus(models.Model):
    """A status a recipient sent back about one of this deployment's packages."""

    hub_id = models.BigIntegerField(_("hub package id"), unique=True)
    outbound = models.ForeignKey(OutboundPackage, on_delete=models.PROTECT,
                                 related_name="statuses")
    recipient_code = models.CharField(_("from"), max_length=13)
    code = models.CharField(_("status code"), max_length=2)
    description = models.TextField(_("description"), blank=True)
    timestamp = models.DateTimeField(_("time"))
    staff = models.CharField(_("staff"), max_length=150, blank=True)
    received_at = models.DateTimeField(_("received"))

    class Meta:
        ordering = ["timestamp", "id"]
        verbose_name = _("status received")
        verbose_name_plural = _("statuses received")

    def __str__(self) -> str:
        return f"{self.outbound_id}: {self.recipient_code} {self.code}"
