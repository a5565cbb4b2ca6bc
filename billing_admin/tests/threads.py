"""The thread harness of the concurrency tests: each worker in its own thread with its own
database connection, released together, every outcome handed back to the test."""

import threading
from collections.abc import Callable

from django.db import connection


def run_at_once(*workers: Callable[[], object], timeout: float = 60) -> list[object]:
    """Run each worker in its own thread and connection, all released together by a barrier.

    Returns each worker's result, or the exception it raised, in the workers' order; a worker
    still running after ``timeout`` seconds fails the test (a deadlock or a missed lock).
    Requires ``django_db(transaction=True)``: the threads' connections see only committed rows.
    """
    barrier = threading.Barrier(len(workers))
    results: list[object] = [None] * len(workers)

    def run(index: int, work: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results[index] = work()
        except Exception as exc:  # the test asserts on what each worker got
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "a worker hung (deadlock?)"
    return results


def run_at_once_or_raise(*workers: Callable[[], object], timeout: float = 60) -> list[object]:
    """run_at_once, re-raising the first exception a worker raised."""
    results = run_at_once(*workers, timeout=timeout)
    for result in results:
        if isinstance(result, Exception):
            raise result
    return results
