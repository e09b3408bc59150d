"""Set-up and inspection run inside one deployment of the end-to-end test
(test_end_to_end.py), as ``python -m egov.exchange.tests.e2e_world COMMAND …`` with that
deployment's environment. Each command prints one JSON line."""

from __future__ import annotations

import json
import sys
from typing import Any


def _setup() -> None:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "egov.settings")
    django.setup()


def deployment(code: str, name: str, other_code: str, other_name: str, seal_path: str
               ) -> dict[str, Any]:
    """An agency with its office (clerk), a unit (head, specialist), its leader; the
    agency of the other deployment as an external organisation; the leader's certificate
    and the agency's seal from this deployment's platform CA; a token per person."""
    from egov.core import actions as core_actions
    from egov.core.models import Organisation, User
    from egov.core.tests import factories
    from egov.identity.tokens import do_create_token
    from egov.signing import actions as signing
    from egov.signing import store
    from egov.signing.models import Certificate

    suffix = code.rsplit(".", 1)[1]
    agency = factories.ministry(code, name, "CQ")
    office = factories.unit(agency, f"000.00.01.{suffix}", f"Văn phòng {name}", "VP")
    unit = factories.unit(agency, f"000.00.02.{suffix}", "Phòng Tổng hợp", "TH")
    people = {
        "clerk": factories.official(office, "clerk", username="vanthu", full_name="Lê Thị Thư"),
        "leader": factories.official(agency, "agency_leader", username="lanhdao",
                                     full_name="Phạm Minh Lãnh", title="Thủ trưởng"),
        "head": factories.official(unit, "unit_head", username="truongphong",
                                   full_name="Đỗ Văn Trưởng"),
        "specialist": factories.official(unit, "specialist", username="chuyenvien",
                                         full_name="Hoàng Thị Chuyên"),
    }
    other = core_actions.do_create_organisation(
        acting_user=None, name=other_name, short_name="CQ", code=other_code,
        kind=Organisation.Kind.MINISTRY, is_agency=True, is_external=True)
    admin = User.objects.create_superuser("quantri", "quantri@example.vn", "x-" * 8)
    signing.do_issue_certificate(acting_user=admin, kind=Certificate.Kind.PERSONAL,
                                 user=people["leader"])
    seal = signing.do_issue_certificate(acting_user=admin, kind=Certificate.Kind.SEAL,
                                        organisation=agency)
    with open(seal_path, "w") as handle:
        handle.write(seal.certificate_pem)
    # The hub trusts the CA that issues the seals (in production: the national CA).
    with open(seal_path.replace("seal.pem", "ca.pem"), "w") as handle:
        handle.write(store.platform_authority().certificate_pem)
    tokens = {role: do_create_token(acting_user=user, name="e2e")[1]
              for role, user in people.items()}
    return {"tokens": tokens, "agency": agency.pk, "unit": unit.pk, "other": other.pk}


def office(seal_path: str) -> dict[str, Any]:
    """The Government Office as a second agency of this deployment (it assigns tasks), with
    a specialist and the Office's seal from this deployment's platform CA."""
    from egov.core import actions as core_actions
    from egov.core.models import Organisation, User
    from egov.core.tests import factories
    from egov.identity.tokens import do_create_token
    from egov.signing import actions as signing
    from egov.signing.models import Certificate

    agency = core_actions.do_create_organisation(
        acting_user=None, name="Văn phòng Chính phủ", short_name="VPCP", code="000.00.00.G22",
        kind=Organisation.Kind.GOVERNMENT_OFFICE, is_agency=True)
    unit = factories.unit(agency, "000.00.02.G22", "Vụ Tổng hợp", "TH")
    specialist = factories.official(unit, "specialist", username="vpcp_cv",
                                    full_name="Trần Thu Trang")
    admin = User.objects.get(username="quantri")
    seal = signing.do_issue_certificate(acting_user=admin, kind=Certificate.Kind.SEAL,
                                        organisation=agency)
    with open(seal_path, "w") as handle:
        handle.write(seal.certificate_pem)
    return {"token": do_create_token(acting_user=specialist, name="e2e")[1],
            "agency": agency.pk}


def task(pk: int) -> dict[str, Any]:
    """A task as this deployment holds it, with its progress reports."""
    from egov.directives.models import Task

    row = Task.objects.get(pk=pk)
    return {"progress": row.progress, "done_on": str(row.done_on or ""),
            "done_note": row.done_note,
            "reports": [{"agency": r.agency.code, "percent": r.percent, "by_name": r.by_name,
                         "files": [f.name for f in r.files.all()]}
                        for r in row.reports.order_by("at")]}


def burst(count: int, recipient_code: str) -> dict[str, Any]:
    """``count`` issued documents to the external agency, each with its outbound package
    queued (as ``do_issue`` leaves them), written at once: the burst is about the
    exchange, not the approval workflow."""
    import datetime as dt

    from django.db import transaction
    from django.utils import timezone

    from egov.core.models import Organisation
    from egov.documents.models import Direction, Document, Recipient, Status
    from egov.exchange import connector_packages, connector_tasks
    from egov.exchange.models import OutboundPackage

    recipient = Organisation.objects.get(code=recipient_code)
    agency = Organisation.objects.get(is_external=False, parent__isnull=True,
                                      kind=Organisation.Kind.MINISTRY)
    today = timezone.localdate()
    rows = []
    with transaction.atomic():
        for n in range(1, count + 1):
            document = Document.objects.create(
                direction=Direction.OUTGOING, agency=agency, unit=agency, year=today.year,
                number=10000 + n, symbol=f"{10000 + n}/CV-CQ", doc_type="official_letter",
                subject=f"Công văn số {n} của đợt gửi liên tục", issue_date=today,
                status=Status.ISSUED, signer_name="Phạm Minh Lãnh")
            Recipient.objects.create(document=document, organisation=recipient,
                                     is_internal=False, dispatch=Recipient.Dispatch.WAITING)
            rows.append(OutboundPackage(
                document=document, agency=agency, recipients=[recipient_code],
                edxml_id=connector_packages.edxml_id(document, agency),
                next_attempt_at=timezone.now() - dt.timedelta(seconds=1)))
        OutboundPackage.objects.bulk_create(rows)
        ids = list(OutboundPackage.objects.filter(
            document__number__gt=10000).values_list("pk", flat=True))
    for pk in ids:
        connector_tasks.enqueue_send_package(pk)
    return {"queued": len(ids)}


def counts() -> dict[str, Any]:
    """What this deployment holds: outbound packages by state, received packages (and
    whether any DocumentId came twice), hub packages if it runs the hub."""
    from django.db.models import Count

    from egov.exchange.models import HubPackage, InboundPackage, OutboundPackage

    outbound = dict(OutboundPackage.objects.values_list("state").annotate(n=Count("id")))
    inbound = InboundPackage.objects.count()
    inbound_ids = InboundPackage.objects.values("edxml_id").distinct().count()
    hub = HubPackage.objects.filter(kind="document")
    return {"outbound": outbound, "inbound": inbound, "inbound_distinct": inbound_ids,
            "hub_documents": hub.count(),
            "hub_distinct": hub.values("sender_code", "document_id").distinct().count()}


def main(argv: list[str]) -> None:
    _setup()
    command, *args = argv
    if command == "deployment":
        result = deployment(*args)
    elif command == "burst":
        result = burst(int(args[0]), args[1])
    elif command == "counts":
        result = counts()
    elif command == "office":
        result = office(*args)
    elif command == "task":
        result = task(int(args[0]))
    else:
        raise SystemExit(f"unknown command {command}")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
