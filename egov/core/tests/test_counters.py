"""Counters: one row per (series, year), locked in the caller's transaction; numbers run
1, 2, 3… without duplicates or gaps, also when many transactions ask at once."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, transaction

from egov.core.actions import next_number
from egov.core.models import Counter


def take(series: str, year: int) -> int:
    with transaction.atomic():
        return next_number(series, year)


def test_numbers_run_in_sequence_per_series_and_year(db: None) -> None:
    assert [take("VB-DEN", 2026) for _ in range(3)] == [1, 2, 3]
    assert [take("VB-DI", 2026) for _ in range(2)] == [1, 2]
    assert take("VB-DEN", 2027) == 1  # a new year starts again
    assert take("VB-DEN", 2026) == 4
    assert {(c.series, c.year): c.value for c in Counter.objects.all()} == {
        ("VB-DEN", 2026): 4, ("VB-DI", 2026): 2, ("VB-DEN", 2027): 1}


@pytest.mark.django_db(transaction=True)
def test_next_number_must_run_inside_a_transaction() -> None:
    with pytest.raises(RuntimeError):
        next_number("VB-DEN", 2026)
    assert not Counter.objects.exists()


def test_a_number_taken_in_a_rolled_back_transaction_is_given_again(db: None) -> None:
    assert take("BN", 2026) == 1
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        assert next_number("BN", 2026) == 2
        _ = 1 / 0
    assert take("BN", 2026) == 2  # no gap


def test_one_row_per_series_and_year(db: None) -> None:
    take("BN", 2026)
    with pytest.raises(IntegrityError), transaction.atomic():
        Counter.objects.create(series="BN", year=2026)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("fresh", [True, False], ids=["first-use", "existing-row"])
def test_concurrent_transactions_get_distinct_numbers_without_gaps(fresh: bool) -> None:
    """Eight threads, each in its own transactions, take 25 numbers each; half of the
    runs start on a series that has no row yet, so its creation races too."""
    series = "HS-1CUA"
    if not fresh:
        take(series, 2026)
    threads_n, per_thread = 8, 25
    start = threading.Barrier(threads_n)
    taken: list[list[int]] = [[] for _ in range(threads_n)]
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            start.wait(10)
            for _ in range(per_thread):
                taken[i].append(take(series, 2026))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    numbers = sorted(n for part in taken for n in part)
    first = 1 if fresh else 2
    assert numbers == list(range(first, first + threads_n * per_thread))
    assert Counter.objects.get(series=series, year=2026).value == numbers[-1]
    assert all(part == sorted(part) for part in taken)  # each thread sees them rise
