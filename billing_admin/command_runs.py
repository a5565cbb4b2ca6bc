"""How a long, batched management command ends when it is stopped half-way: by Ctrl-C or by a
database failure (server down, connection cut). One clear line on how far it got and that a
rerun finishes the rest, and a non-zero exit status; never a Python traceback. Every batch the
commands run is its own transaction, so what is reported done is done whole."""

from django.core.management.base import CommandError
from django.db import DatabaseError

# Exit status of a run stopped with Ctrl-C, as shells report SIGINT.
INTERRUPTED_EXIT_STATUS = 130
DATABASE_FAILED_EXIT_STATUS = 1
# What stops a run half-way without being a bug in it.
STOPPING_ERRORS = (KeyboardInterrupt, DatabaseError)


def run_stopped(exc: BaseException, *, progress: str | None) -> CommandError:
    """The CommandError for a run stopped by ``exc``; ``progress`` says what the committed
    batches did ("changed 4,000 of 30,000 clients in 4 whole batches"), None before the first
    batch committed."""
    if isinstance(exc, KeyboardInterrupt):
        cause, returncode = "Interrupted", INTERRUPTED_EXIT_STATUS
    else:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        cause, returncode = f"Stopped by a database error ({reason})", DATABASE_FAILED_EXIT_STATUS
    if progress is None:
        return CommandError(
            f"{cause} before the first batch committed: nothing changed.", returncode=returncode
        )
    return CommandError(
        f"{cause}: {progress}; every committed batch is complete, rerun the same command to "
        "finish.",
        returncode=returncode,
    )
