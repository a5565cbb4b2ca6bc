"""What several ``clients.services`` modules share."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction


@contextmanager
def unique_violation_as(constraint: str, errors: dict) -> Iterator[None]:
    """Run the block in a savepoint, turning a violation of the unique index ``constraint`` into
    ``errors``: a write that lost a race against the check before it (two saves of one email)
    gets the same field error the check gives, and the caller's transaction stays usable."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        if constraint in str(exc):
            raise ValidationError(errors) from exc
        raise
