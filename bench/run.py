"""``make bench ARGS="--clients 1000000"``: build the dataset, time every operation, report.

Runs on its own database (``bench.settings``: ``billing_admin_bench`` on the same server), which
it creates and migrates; the dataset is rebuilt unless ``--reuse`` finds one of the same size.
"""

import argparse
import os
import platform
import sys
import time
import warnings
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"
RUN_LOCK_KEY = 0x62656E6368  # "bench"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="make bench ARGS=...", description=__doc__)
    parser.add_argument(
        "--clients", type=int, default=20_000, help="regular clients (default 20000)"
    )
    parser.add_argument("--repeat", type=int, default=7, help="timed runs of each page (default 7)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed runs first (default 2)")
    parser.add_argument(
        "--heavy-repeat", type=int, default=3, help="timed runs of each bulk operation (default 3)"
    )
    parser.add_argument("--workers", type=int, default=8, help="add_credit processes (default 8)")
    parser.add_argument("--credit-ops", type=int, default=10_000, help="add_credit operations")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the dataset when it already has this size"
    )
    parser.add_argument(
        "--explain", action="store_true", help="also write EXPLAIN ANALYZE of the list/search"
    )
    parser.add_argument("--only", help="comma-separated operations to run (default: all)")
    parser.add_argument(
        "--stock", action="store_true", help="our client list beside the stock Django admin's"
    )
    parser.add_argument("--api", action="store_true", help="WHMCS API reads, full sync, callers")
    parser.add_argument(
        "--memory", action="store_true", help="peak RSS of the bulk commands (subprocesses)"
    )
    parser.add_argument(
        "--load", action="store_true", help="staff under concurrent load (gunicorn + Locust)"
    )
    parser.add_argument(
        "--load-seconds", type=int, default=60, help="length of each load scenario (default 60)"
    )
    args = parser.parse_args(argv)
    if args.clients < 100 or args.repeat < 1 or args.heavy_repeat < 1 or args.workers < 1:
        parser.error("--clients must be >= 100; --repeat, --heavy-repeat, --workers >= 1")
    return args


def _connect(dbname: str):
    import psycopg2
    from django.conf import settings

    db = settings.DATABASES["default"]
    params = {"dbname": dbname, "user": db["USER"], "password": db["PASSWORD"]}
    params.update({k.lower(): db[k] for k in ("HOST", "PORT") if db.get(k)})
    conn = psycopg2.connect(**params)
    conn.autocommit = True
    return conn


def ensure_database(name: str) -> None:
    """Create the bench database next to the project's (a maintenance connection, autocommit)."""
    conn = _connect("postgres")
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def claim_database(name: str):
    """A session advisory lock held for the whole run, on a connection of its own (Django's may
    be recycled between requests): two runs on one database would truncate each other's data.
    Returns the connection holding the lock, or None when another run holds it."""
    conn = _connect(name)
    with conn.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [RUN_LOCK_KEY])
        if cursor.fetchone()[0]:
            return conn
    conn.close()
    return None


def server_facts() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT version(), current_setting('shared_buffers'), current_setting('work_mem'), "
            "current_setting('max_parallel_workers_per_gather'), current_setting('jit')"
        )
        version, shared_buffers, work_mem, parallel, jit = cursor.fetchone()
    return {
        "postgres": version.split(" on ")[0],
        "shared_buffers": shared_buffers,
        "work_mem": work_mem,
        "max_parallel_workers_per_gather": parallel,
        "jit": jit,
    }


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    # WhiteNoise warns that STATIC_ROOT is missing: the bench serves no static files.
    warnings.filterwarnings("ignore", message="No directory at")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client as HttpClient
    from django.utils import timezone

    from bench import dataset as data
    from bench.api_operations import API_OPERATIONS
    from bench.csv_operations import CSV_OPERATIONS
    from bench.harness import Timer, markdown_table, table, write_json
    from bench.memory import MEMORY_OPERATIONS
    from bench.operations import OPERATIONS, Context, explain_pages
    from bench.privacy_operations import PRIVACY_OPERATIONS
    from bench.stock_operations import STOCK_OPERATIONS

    groups = {"stock": STOCK_OPERATIONS, "api": API_OPERATIONS, "memory": MEMORY_OPERATIONS}
    operations = {
        **OPERATIONS,
        **CSV_OPERATIONS,
        **PRIVACY_OPERATIONS,
        **STOCK_OPERATIONS,
        **API_OPERATIONS,
        **MEMORY_OPERATIONS,
    }

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    name = connection.settings_dict["NAME"]
    ensure_database(name)
    run_lock = claim_database(name)
    if run_lock is None:
        log(f"another bench run is using {name}; wait for it, or run on another database:")
        log(f"  BENCH_DB_NAME={name}_2 make bench ARGS='...'")
        return 3
    log(f"database {connection.settings_dict['NAME']}: migrating")
    call_command("migrate", verbosity=0, interactive=False)

    today = timezone.localdate()
    built = data.existing(args.clients, today) if args.reuse else None
    build_seconds = None
    if built is None:
        log(f"building {args.clients:,} clients (+ the large client) ...")
        started = time.perf_counter()
        built = data.build(args.clients, today, log)
        build_seconds = time.perf_counter() - started
        log(f"dataset built in {build_seconds:.0f} s")
    else:
        log("reusing the dataset already in the database")

    user_model = get_user_model()
    superuser = user_model.objects.filter(username="bench").first()
    if superuser is None:
        superuser = user_model.objects.create_superuser("bench", "bench@example.com", None)
    http = HttpClient()
    http.force_login(superuser)

    ctx = Context(
        dataset=built,
        timer=Timer(repeat=args.repeat, warmup=args.warmup),
        heavy_timer=Timer(repeat=args.heavy_repeat, warmup=1),
        http=http,
        workers=args.workers,
        credit_ops=args.credit_ops,
    )
    chosen_groups = [group for name, group in groups.items() if getattr(args, name)]
    if args.only:
        selected = args.only.split(",")
    elif chosen_groups or args.load:
        selected = [name for group in chosen_groups for name in group]
    else:
        selected = list(operations)
    unknown = set(selected) - set(operations)
    if unknown:
        log(f"unknown operations: {', '.join(sorted(unknown))}; known: {', '.join(operations)}")
        return 2
    results = []
    if args.load:
        from bench.load import load_results

        log("load: gunicorn + Locust scenarios ...")
        results += load_results(ctx, args.load_seconds)
    for name in selected:
        log(f"timing {name} ...")
        started = time.perf_counter()
        results.append(operations[name](ctx))
        log(f"  {time.perf_counter() - started:.0f} s")

    meta = {
        "clients": args.clients,
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "build_seconds": build_seconds,
        "repeat": args.repeat,
        "heavy_repeat": args.heavy_repeat,
        "workers": args.workers,
        "credit_ops": args.credit_ops,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        **server_facts(),
    }
    print(table(results))
    for result in results:
        if result.error:
            print(f"ERROR {result.operation}: {result.error}")
        failed = [name for name, ok in result.checks.items() if not ok]
        if failed:
            print(f"FAILED CHECKS {result.operation}: {', '.join(failed)}")
        if result.figures:
            print(f"  {result.operation}: {result.figures}")
    path = write_json(results, meta, RESULTS_DIR)
    if args.explain:
        plans = RESULTS_DIR / f"plans-{args.clients}.md"
        plans.write_text(explain_pages(ctx))
        print(f"plans: {plans}")
    (RESULTS_DIR / "latest.md").write_text(markdown_table(results) + "\n")
    print(f"\nJSON: {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    run_lock.close()
    return 0 if all(result.passed for result in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
