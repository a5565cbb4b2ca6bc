"""Staff under concurrent load: the app served as production serves it (gunicorn, DEBUG off) on
the bench database, driven by Locust (bench/locustfile.py) for a fixed time and user count.

Scenarios: 16 and 48 staff on 2 workers (the targets: no errors, p95 <= 150 ms and <= 300 ms),
and 16 staff on 1 and 4 workers. Staff who think between clicks ask for a fixed number of pages
a second, so those show how latency changes with the workers; how throughput scales is what 8
staff clicking without a pause get served on 1, 2 and 4 workers (the capacity scenarios). Each
reports requests/s, p50/p95/p99 per page and errors, and the peak RSS of the gunicorn workers
after the run.
"""

import csv
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
from django.conf import settings
from django.db import connection

from bench.harness import Result

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
SCENARIOS = [  # (staff, workers, p95 target in ms or None, think time between clicks)
    (16, 2, 150, True),
    (48, 2, 300, True),
    (16, 1, None, True),
    (16, 4, None, True),
    (8, 1, None, False),
    (8, 2, None, False),
    (8, 4, None, False),
]
STAFF_ACCOUNTS = 48
# Each scenario runs this much longer than its measured time: the logins and first clicks of
# staff arriving all at once are not the working day (bench/locustfile.py).
SETTLE_SECONDS = 10


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _staff_password() -> str:
    """The load accounts (superusers, as the clerks' worst case for permission checks)."""
    from django.contrib.auth import get_user_model

    password = secrets.token_urlsafe(16)
    users = get_user_model()
    for number in range(STAFF_ACCOUNTS):
        user, _ = users.objects.get_or_create(
            username=f"load{number}", defaults={"is_staff": True, "is_superuser": True}
        )
        user.set_password(password)
        user.save()
    return password


def _env(**extra) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "BENCH_DB_NAME": settings.DATABASES["default"]["NAME"],
        "ALLOWED_HOSTS": "127.0.0.1",
        **{key: str(value) for key, value in extra.items()},
    }


def _wait_until_up(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited before serving")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not start within 60 s")


def _stats(prefix: str) -> list[dict]:
    with open(f"{prefix}_stats.csv", newline="") as stats:
        return list(csv.DictReader(stats))


def run_scenario(
    *, staff: int, workers: int, think: bool, seconds: int, password: str, counts: dict
):
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "billing_admin.wsgi:application",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        env=_env(),
    )
    try:
        _wait_until_up(port, server)
        with tempfile.TemporaryDirectory() as directory:
            prefix = f"{directory}/load"
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "locust",
                    "-f",
                    str(LOCUSTFILE),
                    "--headless",
                    "-u",
                    str(staff),
                    "-r",
                    str(staff),
                    "-t",
                    f"{seconds + SETTLE_SECONDS}s",
                    "--host",
                    f"http://127.0.0.1:{port}",
                    "--csv",
                    prefix,
                    "--only-summary",
                    "--loglevel",
                    "WARNING",
                ],
                env=_env(
                    BENCH_STAFF=STAFF_ACCOUNTS,
                    BENCH_STAFF_PASSWORD=password,
                    BENCH_SETTLE_SECONDS=SETTLE_SECONDS,
                    BENCH_THINK_TIME="on" if think else "off",
                    **counts,
                ),
                check=False,
                stdout=subprocess.DEVNULL,
            )
            rows = _stats(prefix)
        worker_rss = [
            child.memory_info().rss / 2**20 for child in psutil.Process(server.pid).children()
        ]
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    return rows, worker_rss


PROFILED_REQUESTS = 5


def _page_urls(client_id: int, invoice_id: int) -> dict[str, str]:
    """The pages the load mix reads (bench/locustfile.py), for one client and one invoice."""
    client = f"/admin/clients/client/{client_id}"
    return {
        "client list": "/admin/clients/client/",
        "search": "/admin/clients/client/?q=Castillo",
        "summary": f"{client}/summary/",
        "manage credits": f"{client}/credits/?_popup=1",
        "add credit (form)": f"{client}/credits/add/?_popup=1",
        "profile (form)": f"{client}/change/",
        "invoice": f"/admin/invoices/invoice/{invoice_id}/change/",
    }


class _DatabaseTime:
    """An execute wrapper that adds up the queries a request sends and their time (Django's
    own query log keeps each time to the millisecond, too coarse for sub-millisecond queries)."""

    def __init__(self):
        self.queries = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.queries += 1


def page_costs(ctx, invoice_id: int) -> list[Result]:
    """Where one request's time goes, page by page, served in this process one at a time: its
    queries and their database time beside the rest (Python: view, template, middleware). The
    median of PROFILED_REQUESTS after one warm-up."""
    results = []
    for name, url in _page_urls(ctx.dataset.clients // 2, invoice_id).items():
        ctx.http.get(url)
        runs = []
        for _ in range(PROFILED_REQUESTS):
            database = _DatabaseTime()
            with connection.execute_wrapper(database):
                started = time.perf_counter()
                response = ctx.http.get(url)
                total_ms = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")
            runs.append((total_ms, database.seconds * 1000, database.queries))
        total_ms, sql_ms, queries = sorted(runs)[len(runs) // 2]
        result = Result(operation=f"page cost: {name}", target="report")
        result.ours_ms = [run[0] for run in runs]
        result.queries = queries
        result.figures.update(sql_ms=round(sql_ms, 1), python_ms=round(total_ms - sql_ms, 1))
        results.append(result)
    return results


def load_results(ctx, seconds: int) -> list[Result]:
    from invoices.models import Invoice

    password = _staff_password()
    counts = {
        "BENCH_CLIENTS": ctx.dataset.clients,
        "BENCH_INVOICES": Invoice.objects.order_by("-pk").values_list("pk", flat=True).first() or 1,
    }
    results = page_costs(ctx, counts["BENCH_INVOICES"])
    for staff, workers, p95_target, think in SCENARIOS:
        rows, worker_rss = run_scenario(
            staff=staff,
            workers=workers,
            think=think,
            seconds=seconds,
            password=password,
            counts=counts,
        )
        total = next(row for row in rows if row["Name"] == "Aggregated")
        if total["95%"] == "N/A":
            raise RuntimeError(f"no request answered in the {staff}-staff scenario")
        if p95_target:
            target = f"0 errors, p95 <= {p95_target} ms"
        else:
            target = "0 errors (scaling)" if think else "0 errors (capacity)"
        who = f"{staff} staff" if think else f"{staff} staff without pauses"
        result = Result(
            operation=f"load: {who}, {workers} gunicorn workers, {seconds} s", target=target
        )
        p95 = float(total["95%"])
        # The table's "ours" column is the median latency; a result without one never passes.
        result.ours_ms = [float(total["50%"])]
        result.figures.update(
            requests_per_s=round(float(total["Requests/s"]), 1),
            errors=int(total["Failure Count"]),
            p50_ms=float(total["50%"]),
            p95_ms=p95,
            p99_ms=float(total["99%"]),
            worker_peak_rss_mib=round(max(worker_rss, default=0), 1),
            pages={
                row["Name"]: {
                    "n": int(row["Request Count"]),
                    "p50": float(row["50%"]),
                    "p95": float(row["95%"]),
                    "p99": float(row["99%"]),
                }
                for row in rows
                # The logins answer before the measured time starts: their rows are empty.
                if row["Name"] != "Aggregated" and int(row["Request Count"])
            },
        )
        result.checks["no errors"] = int(total["Failure Count"]) == 0
        if p95_target:
            result.checks[f"p95 <= {p95_target} ms"] = p95 <= p95_target
        results.append(result)
    return results
