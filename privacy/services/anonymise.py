"""Anonymising clients: their personal data erased, their books kept.

Anonymising closes the client as Close Client does (open invoices cancelled, live services
ended), refuses while it holds credit, erases every personal value the registry declares
(``billing_admin.personal_data``) except invoice and transaction snapshots still inside their
legal retention, and records who did it in the history, without personal data. One transaction
per client; a second run finds ``anonymised_at`` set and changes nothing.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from billing_admin.actors import actor_fields
from billing_admin.money import ZERO, format_money
from clients.models import Client, ClientEvent
from clients.services import set_status_for_batch
from credits.services import lock_client
from invoices.services import client_close
from privacy.selectors import retention_cutoff
from privacy.services.erasure import erase_personal_data

MSG_NOT_FOUND = "Client #{client_id} does not exist."
MSG_ALREADY = "Client #{client_id} was already anonymised on {date}; nothing was changed."
MSG_CREDIT = (
    "Client #{client_id} holds {balance} {currency} of credit (counting credit its cancelled "
    "invoices would return). Refund or remove it before anonymising; nothing was changed."
)


def _erase_locked(client_ids: list[int], *, actor) -> list[ClientEvent]:
    """Erase the locked clients' personal data, mark them and record it: the step anonymising one
    client and the retention run's batches share."""
    now = timezone.now()
    erase_personal_data(client_ids=client_ids, cutoff=retention_cutoff())
    Client.objects.filter(pk__in=client_ids).update(anonymised_at=now, updated_at=now)
    audit = actor_fields(actor)
    return ClientEvent.objects.bulk_create(
        ClientEvent(client_id=client_id, kind=ClientEvent.Kind.ANONYMISED, **audit)
        for client_id in client_ids
    )


@transaction.atomic
def client_anonymise(*, client_id: int, actor) -> ClientEvent:
    """Close the client and erase its personal data; returns the history entry recording it.

    Raises ValidationError, with nothing written, for an unknown client, one already anonymised,
    or one holding credit (after its open invoices returned theirs).
    """
    try:
        client = lock_client(client_id)
    except Client.DoesNotExist:
        raise ValidationError(MSG_NOT_FOUND.format(client_id=client_id), code="not_found") from None
    if client.anonymised_at is not None:
        raise ValidationError(
            MSG_ALREADY.format(client_id=client_id, date=client.anonymised_at.date()),
            code="already_anonymised",
        )
    client = client_close(client_id=client_id, actor=actor)
    if client.credit_balance != ZERO:
        # Raising rolls the close back too: the client is left exactly as it was.
        raise ValidationError(
            MSG_CREDIT.format(
                client_id=client_id,
                balance=format_money(client.credit_balance),
                currency=client.currency,
            ),
            code="has_credit",
        )
    return _erase_locked([client_id], actor=actor)[0]


def clients_anonymise_locked(client_ids: list[int], *, actor) -> list[ClientEvent]:
    """Anonymise clients already locked by the caller and known to need no closing work (no
    open invoices, no live services, no credit): set Closed, then erase. The retention run's
    batch step, set-based."""
    set_status_for_batch(client_ids, status=Client.Status.CLOSED, actor=actor)
    return _erase_locked(client_ids, actor=actor)
