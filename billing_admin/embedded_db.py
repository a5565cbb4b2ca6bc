"""Embedded PostgreSQL for machines where DATABASE_URL is unset.

pgserver ships PostgreSQL 16 binaries inside a wheel, so a fresh machine needs nothing installed.
The cluster lives in ``.pgdata/`` (git-ignored) and keeps running after the process that started it
exits (``cleanup_mode=None``): ``make run``, the autoreloader's child and every test run reuse one
server instead of paying a start-up each time.
"""

import warnings
from functools import cache
from pathlib import Path

DATABASE_NAME = "billing_admin"


@cache
def embedded_database_settings(data_dir: Path) -> dict:
    """Start (or reuse) the embedded server and return a Django DATABASES entry for it."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (root shells, CI); pgserver copes.
        warnings.simplefilter("ignore")
        import pgserver  # imported lazily: a deployment with DATABASE_URL never needs it

    server = pgserver.get_server(data_dir, cleanup_mode=None)
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
