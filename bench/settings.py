"""Settings for the benchmark run: the project's production-mode settings on a database of its own.

The bench must never touch the development database or another engineer's test database, so the
database name is replaced (``BENCH_DB_NAME``, default ``billing_admin_bench``) on the same server:
the embedded one when DATABASE_URL is unset, otherwise the server DATABASE_URL points at.
Pages are measured with DEBUG off, as production serves them.
"""

import os

# Production mode, minus what only matters behind a real proxy (HTTPS redirects, host names).
os.environ["DEBUG"] = "false"
os.environ.setdefault("SECRET_KEY", "bench-only-" + "k" * 60)
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ["SECURE_SSL_REDIRECT"] = "false"

from billing_admin.settings import *  # noqa: E402,F403
from billing_admin.settings import DATABASES, LOGGING, STORAGES  # noqa: E402

BENCH_DB_NAME = os.environ.get("BENCH_DB_NAME", "billing_admin_bench")
DATABASES["default"]["NAME"] = BENCH_DB_NAME
DATABASES["default"].pop("TEST", None)

# The manifest storage needs collectstatic; the bench measures views, not static files.
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
# A 404 or 403 during a run is a harness failure, raised by the harness itself, not logged.
LOGGING["loggers"]["django.request"] = {"level": "ERROR"}
LOGGING["loggers"]["axes"] = {"level": "WARNING"}  # every force_login is logged at INFO
ROOT_URLCONF = "bench.urls"
# The load run talks plain HTTP to gunicorn on 127.0.0.1 (production has TLS in front): cookies
# marked Secure would never come back, so every login and form post would fail its CSRF check.
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
# The load run's simulated staff log in at its start, all at once: with the production hasher
# (deliberately slow) the first seconds would measure PBKDF2, not the pages staff use all day.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
