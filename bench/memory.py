"""Peak memory of the bulk commands: each runs in a process of its own against the bench
database, and its peak RSS (from the kernel, ``wait4``) is reported beside that of a process that
only starts Django. Run at 100,000 and at 1,000,000 clients: the 1M figure must stay within
1.25x of the 100k one (memory that does not grow with the data), docs/benchmarks.md compares.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings

from bench.harness import Result
from bench.operations import Context, guarded

COMMANDS = {
    "generate_invoices --dry-run": ["generate_invoices", "--dry-run"],
    "set_client_status --all (no change)": [
        "set_client_status",
        "Active",
        "--current-status",
        "Active",
        "--yes",
    ],
    "auto_update_client_status --dry-run": ["auto_update_client_status", "--dry-run"],
    "verify_credit": ["verify_credit"],
    "export_clients (every column)": ["export_clients", "--output", os.devnull],
}
RESULTS_DIR = Path(__file__).resolve().parent / "results"
MAX_GROWTH = 1.25
# The run a peak is compared with has at most this share of the clients (100k for 1M).
SMALLER_RUN_SHARE = 0.2
STARTUP = [sys.executable, "-c", "import django; django.setup(); import time; time.sleep(0.5)"]
SAMPLE_SECONDS = 0.02


def _high_water_mib(pid: int) -> float | None:
    """The process's peak RSS so far (VmHWM). Not ru_maxrss: a forked child starts with its
    parent's high-water mark, and exec keeps it, so small commands would all read the parent's."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _run(argv: list[str]) -> tuple[float, float]:
    """(seconds, peak RSS in MiB) of one process, sampled until it exits."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "BENCH_DB_NAME": settings.DATABASES["default"]["NAME"],
    }
    started = time.perf_counter()
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0.0
    while process.poll() is None:
        peak = max(peak, _high_water_mib(process.pid) or 0.0)
        time.sleep(SAMPLE_SECONDS)
    elapsed = time.perf_counter() - started
    if process.returncode not in (0, 1):  # verify_credit exits 1 on a mismatch
        raise RuntimeError(f"{' '.join(argv)} failed: {process.stderr.read().decode()[-500:]}")
    return elapsed, peak


def _smaller_run_peak(operation: str, clients: int) -> tuple[int, float] | None:
    """(clients, peak RSS in MiB) of ``operation`` in the newest saved run on at most a fifth of
    ``clients`` (bench/results/*.json), or None when there is none."""
    for path in sorted(RESULTS_DIR.glob("bench-*.json"), key=lambda p: p.stat().st_mtime)[::-1]:
        try:
            results = json.loads(path.read_text())["results"]
        except (OSError, ValueError, KeyError):
            continue
        for result in results:
            figures = result.get("figures", {})
            smaller = figures.get("clients", clients)
            if result["operation"] == operation and smaller <= clients * SMALLER_RUN_SHARE:
                return smaller, figures["peak_rss_mib"]
    return None


def _operation(label: str, command: list[str]):
    @guarded
    def operation(ctx: Context) -> Result:
        seconds, peak = _run([sys.executable, "manage.py", *command])
        _, floor = _run(STARTUP)
        result = Result(
            operation=f"peak RSS: {label}", target=f"<= {MAX_GROWTH}x a 10x smaller run"
        )
        result.ours_ms = [seconds * 1000]
        result.figures.update(
            clients=ctx.dataset.clients,
            peak_rss_mib=round(peak, 1),
            django_startup_rss_mib=round(floor, 1),
            above_startup_mib=round(peak - floor, 1),
        )
        smaller = _smaller_run_peak(result.operation, ctx.dataset.clients)
        if smaller is not None:
            clients, smaller_peak = smaller
            growth = peak / smaller_peak
            result.figures.update(compared_clients=clients, growth=round(growth, 3))
            result.checks[f"<= {MAX_GROWTH}x the {clients:,}-client peak"] = growth <= MAX_GROWTH
        return result

    operation.__doc__ = f"peak RSS: {label}"
    return operation


MEMORY_OPERATIONS = {
    f"memory-{command[0]}": _operation(label, command) for label, command in COMMANDS.items()
}
