"""Staff under concurrent load: the app served as production serves it (gunicorn, DEBUG off) on
the bench database, driven by Locust (bench/locustfile.py) for a fixed time and user count.

Scenarios: 16 and 48 staff on 2 workers (the targets: no errors, p95 <= 150 ms and <= 300 ms),
and 16 staff on 1 and 4 workers for how throughput scales. Each reports requests/s, p50/p95/p99
per page and errors, and the peak RSS of the gunicorn workers after the run.
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

from bench.harness import Result

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
SCENARIOS = [  # (staff, workers, p95 target in ms or None)
    (16, 2, 150),
    (48, 2, 300),
    (16, 1, None),
    (16, 4, None),
]
STAFF_ACCOUNTS = 48


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


def run_scenario(*, staff: int, workers: int, seconds: int, password: str, counts: dict):
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
                    f"{seconds}s",
                    "--host",
                    f"http://127.0.0.1:{port}",
                    "--csv",
                    prefix,
                    "--only-summary",
                    # Measure the working day, not the logins while the staff arrive.
                    "--reset-stats",
                    "--loglevel",
                    "WARNING",
                ],
                env=_env(BENCH_STAFF=STAFF_ACCOUNTS, BENCH_STAFF_PASSWORD=password, **counts),
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


def load_results(ctx, seconds: int) -> list[Result]:
    from invoices.models import Invoice

    password = _staff_password()
    counts = {
        "BENCH_CLIENTS": ctx.dataset.clients,
        "BENCH_INVOICES": Invoice.objects.order_by("-pk").values_list("pk", flat=True).first() or 1,
    }
    results = []
    for staff, workers, p95_target in SCENARIOS:
        rows, worker_rss = run_scenario(
            staff=staff, workers=workers, seconds=seconds, password=password, counts=counts
        )
        total = next(row for row in rows if row["Name"] == "Aggregated")
        if total["95%"] == "N/A":
            raise RuntimeError(f"no request answered in the {staff}-staff scenario")
        target = f"0 errors, p95 <= {p95_target} ms" if p95_target else "0 errors (scaling)"
        result = Result(
            operation=f"load: {staff} staff, {workers} gunicorn workers, {seconds} s",
            target=target,
        )
        p95 = float(total["95%"])
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
                if row["Name"] != "Aggregated"
            },
        )
        result.checks["no errors"] = int(total["Failure Count"]) == 0
        if p95_target:
            result.checks[f"p95 <= {p95_target} ms"] = p95 <= p95_target
        results.append(result)
    return results
