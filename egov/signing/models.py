"""Certificate records: the platform's own CA, trusted anchors, the certificates of officials
(personal) and agencies (seal), their private keys sealed under the master key.

The cryptography lives in ``egov.signing.crypto`` (no Django); these rows only store what it
needs: certificates as PEM, private keys as sealed blobs (crypto/keys.py), revocations."""

from __future__ import annotations

import datetime as dt
from functools import cached_property

from cryptography import x509
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .crypto.common import load_certificate, load_certificates


class Authority(models.Model):
    """A certificate authority egov knows: its own demo CA (with a sealed key, so it can
    issue and publish CRLs), or an imported trust anchor (certificate only)."""

    name = models.CharField(_("name"), max_length=255)
    certificate_pem = models.TextField()
    key_blob = models.BinaryField(null=True, blank=True, editable=False)
    chain_pem = models.TextField(blank=True)
    is_anchor = models.BooleanField(_("trust anchor"), default=False)
    is_timestamping = models.BooleanField(_("timestamping authority"), default=False)
    crl_number = models.PositiveIntegerField(default=1)
    sha256 = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("certificate authority")
        verbose_name_plural = _("certificate authorities")

    def __str__(self) -> str:
        return self.name

    @cached_property
    def certificate(self) -> x509.Certificate:
        return load_certificate(self.certificate_pem.encode())

    @cached_property
    def chain(self) -> tuple[x509.Certificate, ...]:
        return tuple(load_certificates(self.chain_pem.encode())) if self.chain_pem else ()


class Certificate(models.Model):
    """A signing certificate: an official's personal one, or an agency's seal."""

    class Kind(models.TextChoices):
        PERSONAL = "personal", _("Personal")
        SEAL = "seal", _("Agency seal")

    class Source(models.TextChoices):
        ISSUED = "issued", _("Issued by the platform CA")
        IMPORTED = "imported", _("Imported (PKCS#12)")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.PROTECT, related_name="certificates",
                             verbose_name=_("holder"))
    organisation = models.ForeignKey("core.Organisation", on_delete=models.PROTECT,
                                     related_name="certificates",
                                     verbose_name=_("agency"))
    authority = models.ForeignKey(Authority, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="issued")
    subject_name = models.CharField(_("subject"), max_length=255)
    issuer_name = models.CharField(_("issuer"), max_length=255)
    serial = models.CharField(_("serial number"), max_length=64)
    sha256 = models.CharField(_("fingerprint (SHA-256)"), max_length=64, unique=True)
    not_before = models.DateTimeField(_("valid from"))
    not_after = models.DateTimeField(_("valid until"))
    certificate_pem = models.TextField()
    chain_pem = models.TextField(blank=True)
    # The private key: sealed here (store.seal_key), or on the PKCS#11 token of
    # EGOV_PKCS11_* under this label, in which case key_blob stays empty.
    key_blob = models.BinaryField(editable=False, default=b"", blank=True)
    token_key_label = models.CharField(_("key label on the hardware token"), max_length=100,
                                       blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revocation_reason = models.CharField(_("reason for revocation"), max_length=200,
                                         blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-not_after", "-id"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        permissions = [("manage_certificates", _("Manage the certificates of every agency"))]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="seal", user__isnull=True)
                | models.Q(kind="personal", user__isnull=False),
                name="certificate_holder_matches_kind"),
        ]
        indexes = [models.Index(fields=["user", "kind"], name="cert_user_kind"),
                   models.Index(fields=["organisation", "kind"], name="cert_org_kind")]

    def __str__(self) -> str:
        return f"{self.subject_name} ({self.serial})"

    @cached_property
    def certificate(self) -> x509.Certificate:
        return load_certificate(self.certificate_pem.encode())

    @cached_property
    def chain(self) -> tuple[x509.Certificate, ...]:
        return tuple(load_certificates(self.chain_pem.encode())) if self.chain_pem else ()

    def status_at(self, when: dt.datetime | None = None) -> str:
        when = when or timezone.now()
        if self.revoked_at is not None and self.revoked_at <= when:
            return "revoked"
        if when < self.not_before:
            return "not_yet_valid"
        if when > self.not_after:
            return "expired"
        return "valid"

    @property
    def status(self) -> str:
        return self.status_at()

    @property
    def expires_soon(self) -> bool:
        days = settings.EGOV_CERTIFICATE_WARNING_DAYS
        return self.status == "valid" and (
            self.not_after - timezone.now() <= dt.timedelta(days=days))


STATUS_LABELS = {
    "valid": _("Valid"),
    "revoked": _("Revoked"),
    "expired": _("Expired"),
    "not_yet_valid": _("Not yet valid"),
}
