"""Embedded PostgreSQL for machines where DATABASE_URL is unset.

pgserver ships PostgreSQL 16 binaries inside a wheel, so a fresh machine needs nothing installed.
The cluster lives in ``.pgdata/`` (git-ignored) and keeps running after the process that started it
exits (``cleanup_mode=None``): ``make run``, the autoreloader's child and every test run reuse one
server instead of paying a start-up each time. ``python -m billing_admin.embedded_db stop`` (``make
stop-db``, and ``make run`` when the development server exits) stops it.
"""

import os
import subprocess
import sys
import warnings
from functools import cache
from pathlib import Path

DATABASE_NAME = "billing_admin"
DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / ".pgdata"
# pgserver runs PostgreSQL as this system user when started by root (PostgreSQL refuses root).
ROOT_RUNS_AS = "pgserver"


@cache
def embedded_database_settings(data_dir: Path) -> dict:
    """Start (or reuse) the embedded server and return a Django DATABASES entry for it."""
    server = _import_pgserver().get_server(data_dir, cleanup_mode=None)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    info = server.get_postmaster_info()
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        "PASSWORD": "",
        # A Unix socket directory: no TCP port to collide with other servers on the machine.
        "HOST": str(info.socket_dir) if info.socket_dir else info.hostname,
        "PORT": str(info.port or ""),
    }


def _import_pgserver():
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (root shells, CI); pgserver copes.
        warnings.simplefilter("ignore")
        import pgserver  # imported lazily: a deployment with DATABASE_URL never needs it
    return pgserver


def stop_embedded_database(data_dir: Path = DEFAULT_DATA_DIR) -> bool:
    """Stop the embedded server kept in ``data_dir``; False when none was running there.

    pg_ctl itself, not pgserver's handle counting: a process that was killed never removes
    its handle, and pgserver would then never stop the server.
    """
    if not (data_dir / "postmaster.pid").exists():
        return False
    pg_ctl = Path(_import_pgserver().__file__).parent / "pginstall" / "bin" / "pg_ctl"
    user = ROOT_RUNS_AS if os.name == "posix" and os.geteuid() == 0 else None
    # A stale postmaster.pid (the server crashed) makes pg_ctl fail: nothing was running.
    stopped = subprocess.run(
        [str(pg_ctl), "-D", str(data_dir), "-w", "-m", "fast", "stop"],
        user=user,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return stopped.returncode == 0


if __name__ == "__main__":
    if sys.argv[1:] != ["stop"]:
        sys.exit("usage: python -m billing_admin.embedded_db stop")
    stopped = stop_embedded_database()
    print(
        "Stopped the embedded PostgreSQL." if stopped else "The embedded PostgreSQL is not running."
    )
