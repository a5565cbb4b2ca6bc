"""Settings for the test suite: the real settings, in development mode, with a per-run database."""

import os

os.environ.setdefault("DEBUG", "true")

from billing_admin.settings import *  # noqa: E402,F403
from billing_admin.settings import DATABASES  # noqa: E402

# A name of our own per run, so several suites can share one server at once (CI, parallel
# developers); pytest-xdist adds its own _gwN suffix per worker on top.
DATABASES["default"]["TEST"] = {"NAME": f"test_billing_admin_{os.getpid()}"}
DATABASES["default"]["CONN_MAX_AGE"] = 0

EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Queued email is sent right after commit, in-process; the worker tests switch to the database.
TASKS = {"default": {"BACKEND": TASK_BACKENDS["immediate"]}}  # noqa: F405
# Hashing cost is not under test; a fast hasher keeps logins in tests cheap.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
