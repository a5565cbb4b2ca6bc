"""The services (products) a client holds, and closing a client (WHMCS CloseClient)."""

from django.db import transaction
from django.utils import timezone

from billing_admin.money import parse_money_field
from clients.models import Client
from clients.services import client_set_status
from credits.services import lock_client
from invoices.models import ClientService, Invoice
from invoices.services.shared import (
    CANCELLABLE_STATUSES,
    CLIENT_NOT_FOUND,
    cancel_locked_invoices,
    not_found,
)

# Services a closed client stops holding (Terminated and Cancelled ones stay as they are).
CLOSABLE_SERVICE_STATUSES = (
    ClientService.Status.PENDING,
    ClientService.Status.ACTIVE,
    ClientService.Status.SUSPENDED,
)


@transaction.atomic
def client_close(*, client_id: int, actor) -> Client:
    """Close a client (WHMCS CloseClient): status Closed, its open invoices Cancelled (their
    applied credit returned), its live services Cancelled. Set-based, under the client's lock."""
    try:
        client = lock_client(client_id)
    except Client.DoesNotExist:
        raise not_found(CLIENT_NOT_FOUND) from None
    client_set_status(client_id=client_id, status=Client.Status.CLOSED, actor=actor)
    client.refresh_from_db()
    invoices = list(
        Invoice.objects.select_for_update()
        .filter(client_id=client_id, status__in=CANCELLABLE_STATUSES)
        .order_by("pk")
    )
    if invoices:
        cancel_locked_invoices(client=client, invoices=invoices, actor=actor)
    now = timezone.now()
    ClientService.objects.filter(
        client_id=client_id,
        status__in=CLOSABLE_SERVICE_STATUSES,
    ).update(status=ClientService.Status.CANCELLED, status_changed_at=now, updated_at=now)
    return client


SERVICE_FIELDS = (
    "product_name",
    "description",
    "status",
    "billing_cycle",
    "recurring_amount",
    "registration_date",
    "next_due_date",
)


def _check_service_fields(fields: dict) -> None:
    unknown = set(fields) - set(SERVICE_FIELDS)
    if unknown:
        raise TypeError(f"unexpected service fields: {', '.join(sorted(unknown))}")


@transaction.atomic
def client_service_create(*, client_id: int, actor, **fields) -> ClientService:
    """Give a client a service (``fields`` from SERVICE_FIELDS). ``actor`` for symmetry: services
    carry no audit columns yet."""
    _check_service_fields(fields)
    if "recurring_amount" in fields:
        fields["recurring_amount"] = parse_money_field(
            fields["recurring_amount"], field="recurring_amount"
        )
    service = ClientService(client_id=client_id, **fields)
    service.full_clean()
    service.save()
    return service


@transaction.atomic
def client_service_update(*, service_id: int, actor, **fields) -> ClientService:
    """Change a service; a status change stamps ``status_changed_at``."""
    _check_service_fields(fields)
    service = ClientService.objects.select_for_update().get(pk=service_id)
    if "recurring_amount" in fields:
        fields["recurring_amount"] = parse_money_field(
            fields["recurring_amount"], field="recurring_amount"
        )
    old_status = service.status
    for name, value in fields.items():
        setattr(service, name, value)
    if service.status != old_status:
        service.status_changed_at = timezone.now()
    service.full_clean()
    service.save()
    return service
