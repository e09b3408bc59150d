"""Numbers without races: clerks issuing at the same instant, each in a thread with its
own database connection, released together by a barrier.

On PostgreSQL the transactions really overlap (the counter row lock and the unique
constraint decide); on SQLite they queue behind the write lock (IMMEDIATE transactions).
Either way: no two documents get the same number, none is skipped, and a document issued
twice at once is issued once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone, translation

from egov.core.models import AuditEntry, Counter, User
from egov.core.tests import factories
from egov.documents import actions
from egov.documents.models import Document, Recipient, Status

from .conftest import PDF, Agency, make_agency

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def btc(transactional_db: None) -> Agency:
    return make_agency("G12", "Bộ Tài chính", "BTC", "btc")


def approved(a: Agency, n: int) -> Document:
    """An approved công văn of the legal unit, sent to the office (internal)."""
    draft = actions.do_create_draft(
        acting_user=a.specialist, doc_type="official_letter",
        subject=f"Công văn số {n} về việc rà soát văn bản quy phạm pháp luật",
        recipients=[a.office], uploads=[(f"du-thao-{n}.pdf", PDF + str(n).encode())])
    actions.do_submit_for_review(draft, acting_user=a.specialist)
    actions.do_review(draft, acting_user=a.head, approve=True)
    return actions.do_approve(draft, acting_user=a.leader)


def run_together(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Run each job in its own thread (its own connection), all released at once; the
    result of each job, or the exception it raised."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def worker(i: int) -> None:
        try:
            with translation.override("en"):
                barrier.wait(timeout=30)
                results[i] = jobs[i]()
        except Exception as exc:  # reported to the test below
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a clerk is still waiting"
    return results


def issue_job(document_id: int, clerk_id: int) -> Callable[[], Document]:
    def job() -> Document:
        # Loaded in the thread, before the barrier: every clerk sees "approved".
        document = Document.objects.get(pk=document_id)
        clerk = User.objects.get(pk=clerk_id)
        return actions.do_issue(document, acting_user=clerk)
    return job


@pytest.mark.parametrize("clerks", [2, 8])
def test_clerks_issuing_at_once_get_consecutive_distinct_numbers(btc: Agency,
                                                                 clerks: int) -> None:
    people = [btc.clerk] + [
        factories.official(btc.office, "clerk", username=f"vanthu{i}",
                           full_name=f"Văn Thư Số {i}") for i in range(1, clerks)]
    documents = [approved(btc, n) for n in range(clerks)]
    results = run_together([issue_job(d.pk, p.pk) for d, p in zip(documents, people,
                                                                  strict=True)])
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors

    issued = list(Document.objects.filter(direction="outgoing", status=Status.ISSUED))
    assert len(issued) == clerks
    assert sorted(d.number or 0 for d in issued) == list(range(1, clerks + 1))  # none skipped
    symbols = [d.symbol for d in issued]
    assert len(set(symbols)) == clerks
    assert set(symbols) == {f"{n:02d}/BTC-PC" for n in range(1, clerks + 1)}
    register_ids = {d.register_id for d in issued}
    assert len(register_ids) == 1  # one series, one register, created once
    year = timezone.localdate().year
    series = issued[0].register.series  # type: ignore[union-attr]
    assert Counter.objects.get(series=series, year=year).value == clerks
    # Each delivered copy took its own incoming number of the office's agency.
    copies = list(Document.objects.filter(direction="incoming", source="internal"))
    assert sorted(c.number or 0 for c in copies) == list(range(1, clerks + 1))
    assert set(Recipient.objects.values_list("dispatch", flat=True)) == {"delivered"}


def test_two_clerks_issuing_the_same_document_issue_it_once(btc: Agency) -> None:
    second = factories.official(btc.office, "clerk", username="vanthu2",
                                full_name="Trần Văn Thư")
    document = approved(btc, 1)
    results = run_together([issue_job(document.pk, btc.clerk.pk),
                            issue_job(document.pk, second.pk)])
    done = [r for r in results if isinstance(r, Document)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(done) == 1 and len(refused) == 1, results
    assert "already issued" in refused[0].message_dict["status"][0]

    document.refresh_from_db()
    assert document.status == Status.ISSUED and document.number == 1
    assert document.symbol == "01/BTC-PC"
    series = document.register.series  # type: ignore[union-attr]
    assert Counter.objects.get(series=series, year=document.year or 0).value == 1  # no gap
    assert document.history.filter(status=Status.ISSUED).count() == 1
    assert AuditEntry.objects.filter(action="documents.issue").count() == 1
    assert Document.objects.filter(origin=document).count() == 1  # delivered once
