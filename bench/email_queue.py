"""``make bench-email``: queued client emails delivered to a local SMTP sink by 1, 2 and 4
``manage.py db_worker`` processes; messages per second and the scaling.

Runs on a database of its own (``BENCH_DB_NAME``, default ``billing_admin_bench_email``) with
the production settings and the database queue. Each round queues ``--emails`` messages (one
rendered through ``email_queue``, the rest copies of it with their own Message-ID, each with
its task, in one transaction), starts the workers with ``--batch`` (they exit when the queue is
empty) and checks that the sink received every message exactly once.
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "billing_admin_bench_email"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="make bench-email ARGS=...", description=__doc__)
    parser.add_argument("--emails", type=int, default=10_000, help="messages a round (10000)")
    parser.add_argument(
        "--workers", default="1,2,4", help="worker counts, one round each (default 1,2,4)"
    )
    parser.add_argument(
        "--queue-sample", type=int, default=500, help="email_queue calls timed (default 500)"
    )
    return parser.parse_args(argv)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def start_sink(port: int) -> subprocess.Popen:
    sink = subprocess.Popen(
        [sys.executable, "-m", "bench.smtp_sink", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert sink.stdout.readline().strip() == "ready"
    return sink


def stop_sink(sink: subprocess.Popen) -> tuple[int, int]:
    sink.terminate()
    messages, distinct = sink.stdout.readline().split()
    sink.wait(10)
    return int(messages), int(distinct)


def reset_queue() -> None:
    from django.db import connection
    from django_tasks_db.models import DBTaskResult

    from clients.models import EmailLog
    from emails.models import EmailAttachment
    from statements.models import SentStatement

    # Every table holding a reference to a message goes with the messages.
    queue = (SentStatement, EmailAttachment, EmailLog, DBTaskResult)
    tables = [model._meta.db_table for model in queue]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(map(connection.ops.quote_name, tables))}")


def time_email_queue(client, count: int) -> float:
    """email_queue calls per second, each its own transaction, as a page or a command makes
    them (render both templates, insert the message and its task)."""
    from emails.services import email_queue

    started = time.perf_counter()
    for _ in range(count):
        email_queue(
            client_id=client.pk,
            kind="statement",
            template="welcome",
            subject="Your statement",
            actor=None,
        )
    return count / (time.perf_counter() - started)


def queue_copies(client, count: int) -> None:
    from django.db import transaction

    from clients.models import EmailLog
    from emails.services import email_queue
    from emails.tasks import enqueue_send

    with transaction.atomic():
        first = email_queue(
            client_id=client.pk,
            kind="statement",
            template="welcome",
            subject="Your statement",
            actor=None,
        )
        fields = {
            field.attname: getattr(first, field.attname)
            for field in EmailLog._meta.concrete_fields
            if not field.primary_key
        }
        copies = EmailLog.objects.bulk_create(
            (
                EmailLog(**fields | {"message_id": f"<bench-{n}@example.com>"})
                for n in range(1, count)
            ),
            batch_size=2000,
        )
        for email_id in [first.pk, *(copy.pk for copy in copies)]:
            enqueue_send(email_id)


def run_round(workers: int, count: int, port: int, client) -> dict:
    from django.db.models import Max, Min

    from clients.models import EmailLog

    reset_queue()
    queue_copies(client, count)
    sink = start_sink(port)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "EMAIL_URL": f"smtp://127.0.0.1:{port}",
        "EMAIL_QUEUE": "database",
    }
    command = [
        sys.executable,
        "manage.py",
        "db_worker",
        "--batch",
        "--no-reload",
        "--no-startup-delay",
        "--verbosity",
        "0",
    ]
    started = time.perf_counter()
    processes = [
        subprocess.Popen([*command, "--worker-id", f"bench-{n}"], cwd=ROOT, env=env)
        for n in range(workers)
    ]
    for process in processes:
        process.wait()
    wall = time.perf_counter() - started
    messages, distinct = stop_sink(sink)
    sent = EmailLog.objects.filter(status="sent", attempts=1)
    span = sent.aggregate(first=Min("last_attempt_at"), last=Max("sent_at"))
    sending_seconds = (span["last"] - span["first"]).total_seconds()
    return {
        "workers": workers,
        "sent": sent.count(),
        "received": messages,
        "distinct": distinct,
        "seconds": sending_seconds,
        "per_second": count / sending_seconds,
        "wall_seconds": wall,
    }


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    os.environ.setdefault("BENCH_DB_NAME", DEFAULT_DB)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["EMAIL_QUEUE"] = "database"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench.run import ensure_database
    from clients.tests.factories import ClientFactory
    from emails.tests.smtp import free_port

    ensure_database(connection.settings_dict["NAME"])
    log(f"database {connection.settings_dict['NAME']}: migrating")
    call_command("migrate", verbosity=0, interactive=False)
    reset_queue()
    client = ClientFactory(email=f"bench-{time.time_ns()}@example.com")
    queued_per_second = time_email_queue(client, args.queue_sample)
    log(f"email_queue: {queued_per_second:,.0f} calls/s")
    port = free_port()
    rounds = []
    for workers in [int(n) for n in args.workers.split(",")]:
        log(f"{args.emails:,} emails, {workers} worker(s) ...")
        result = run_round(workers, args.emails, port, client)
        log(
            f"  {result['per_second']:,.0f} messages/s ({result['seconds']:.1f} s sending, "
            f"{result['wall_seconds']:.1f} s with process start-up); sink got "
            f"{result['received']:,} ({result['distinct']:,} distinct)"
        )
        rounds.append(result)
    reset_queue()
    base = rounds[0]["per_second"]
    print(f"\nemail_queue: {queued_per_second:,.0f} calls/s ({args.queue_sample} calls)\n")
    print("| workers | messages | sending (s) | messages/s | scaling | received once |")
    print("|---:|---:|---:|---:|---:|---|")
    for result in rounds:
        once = result["received"] == result["distinct"] == result["sent"] == args.emails
        print(
            f"| {result['workers']} | {args.emails:,} | {result['seconds']:.1f} | "
            f"{result['per_second']:,.0f} | {result['per_second'] / base:.2f}x | "
            f"{'yes' if once else 'NO'} |"
        )
    ok = all(r["received"] == r["distinct"] == r["sent"] == args.emails for r in rounds)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
