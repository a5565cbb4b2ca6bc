"""add_credit from several processes at once, each with its own database connection.

Processes rather than threads: the question is how fast the service and the database go under
contention, not how fast one Python interpreter can switch threads. Workers are spawned (not
forked) so no connection or lock state leaks from the parent; they all wait on a barrier so the
timed window starts when every worker is connected and ready.
"""

import multiprocessing
import os
import queue
import time

RAW_ADD_CREDIT = (
    # The same work as credits.services.add_credit: lock, append the ledger row, move the balance.
    "SELECT credit_balance FROM clients_client WHERE id = %s FOR UPDATE",
    "INSERT INTO credits_creditentry (actor_user_id, actor_label, created_at, client_id, date, "
    "description, amount, kind, invoice_id) VALUES (NULL, 'system', now(), %s, current_date, "
    "'Bench credit', 1.00, 'added', NULL)",
    "UPDATE clients_client SET credit_balance = credit_balance + 1.00, updated_at = now() "
    "WHERE id = %s",
)


def _worker(mode: str, worker: int, ops: int, client_ids: list[int], barrier, results) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from django.db import connection, transaction

    from credits.services import add_credit

    connection.ensure_connection()
    barrier.wait()
    started = time.monotonic()
    for k in range(ops):
        client_id = client_ids[(worker + k * 7) % len(client_ids)]
        if mode == "ours":
            add_credit(client_id=client_id, amount="1.00", description="Bench credit", actor=None)
        else:
            with transaction.atomic(), connection.cursor() as cursor:
                for sql in RAW_ADD_CREDIT:
                    cursor.execute(sql, [client_id])
    finished = time.monotonic()
    connection.close()
    results.put((started, finished, ops))


def run_concurrently(mode: str, *, workers: int, total_ops: int, client_ids: list[int]) -> float:
    """Run ``total_ops`` credit additions split over ``workers`` processes; wall seconds."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(workers)
    results = context.Queue()
    per_worker = [total_ops // workers + (w < total_ops % workers) for w in range(workers)]
    processes = [
        context.Process(target=_worker, args=(mode, w, n, client_ids, barrier, results))
        for w, n in enumerate(per_worker)
    ]
    for process in processes:
        process.start()
    spans = []
    while len(spans) < workers:
        try:
            spans.append(results.get(timeout=1))
        except queue.Empty:
            failed = [p.exitcode for p in processes if p.exitcode not in (None, 0)]
            if failed:
                # The others would wait on the barrier (or their locks) for ever.
                for process in processes:
                    process.terminate()
                raise RuntimeError(f"an add_credit worker failed (exit code {failed[0]})") from None
    for process in processes:
        process.join()
    if sum(ops for _, _, ops in spans) != total_ops:
        raise RuntimeError("the workers did not all finish their operations")
    return max(end for _, end, _ in spans) - min(start for start, _, _ in spans)
