"""Merging one client (the source) into another (the target), as WHMCS's "Merge Clients" does.

One transaction: both clients locked in id order (so two merges against each other queue instead
of deadlocking), the checks made on the locked rows, the conflicts resolved in the target's
favour, the source's balance moved by the credits service, then every row that refers to the
source (found generically through Client's reverse foreign keys, so a new app's rows move too)
re-pointed at the target with one UPDATE per relation. The source then becomes a contact of the
target if asked, the merge is recorded, and the empty source is removed. Its id keeps resolving
through the ClientMerge record.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef

from billing_admin.actors import actor_fields
from clients.models import PERSON_FIELDS, Client, ClientEvent, Contact
from clients.services import client_has_money_history, contact_create
from credits.services import merge_balances
from customfields.models import CustomFieldValue
from merges.models import ClientMerge
from merges.selectors import client_relations, duplicate_contacts, merge_preview, merged_into
from statements.models import SentStatement

MSG_SAME_CLIENT = "A client cannot be merged into itself."
MSG_NOT_FOUND = "Client #%(client_id)s does not exist."
MSG_ALREADY_MERGED = "Client #%(client_id)s was merged into client #%(target_id)s already."
MSG_CURRENCIES = (
    "Client #%(source)s has amounts in %(source_currency)s and client #%(target)s in "
    "%(target_currency)s: merging would mix currencies without converting them."
)
MSG_CONFLICT = "The merge could not be completed: %(error)s. Nothing was changed."
MSG_ANONYMISED = "Client #%(client_id)s is anonymised: nothing can be merged into or out of it."


def _locked(client_id: int) -> Client:
    try:
        return Client.objects.select_for_update().get(pk=client_id)
    except Client.DoesNotExist:
        target_id = merged_into(client_id)
        if target_id is not None:
            raise ValidationError(
                MSG_ALREADY_MERGED % {"client_id": client_id, "target_id": target_id}
            ) from None
        raise ValidationError(MSG_NOT_FOUND % {"client_id": client_id}) from None


def _check_currencies(source: Client, target: Client, actor) -> None:
    """Different currencies are refused when both hold money; a target without money takes the
    source's currency (recorded), so the amounts that arrive keep their meaning."""
    if source.currency == target.currency or not client_has_money_history(source):
        return
    if client_has_money_history(target):
        raise ValidationError(
            MSG_CURRENCIES
            % {
                "source": source.pk,
                "source_currency": source.currency,
                "target": target.pk,
                "target_currency": target.currency,
            }
        )
    ClientEvent.objects.create(
        client=target,
        kind=ClientEvent.Kind.PROFILE_CHANGED,
        field="currency",
        old_value=target.currency,
        new_value=source.currency,
        **actor_fields(actor),
    )
    target.currency = source.currency
    target.save(update_fields=["currency", "updated_at"])


def _resolve_conflicts(source: Client, target: Client) -> None:
    """The target wins: duplicate contacts and custom field values it already has go, and the
    source's billing contact stops being one if the target has its own."""
    duplicate_contacts(source, target).delete()
    if Contact.objects.filter(client=target, is_billing_contact=True).exists():
        Contact.objects.filter(client=source, is_billing_contact=True).update(
            is_billing_contact=False
        )
    CustomFieldValue.objects.filter(
        client=source,
        field_id__in=CustomFieldValue.objects.filter(client=target).values("field_id"),
    ).delete()
    # A period both were sent a statement for stays recorded once, on the target.
    SentStatement.objects.filter(client=source).filter(
        Exists(
            SentStatement.objects.filter(
                client=target,
                period_start=OuterRef("period_start"),
                period_end=OuterRef("period_end"),
            )
        )
    ).delete()


@transaction.atomic
def client_merge(
    *, source_id: int, target_id: int, actor, source_as_contact: bool = True
) -> ClientMerge:
    """Merge client ``source_id`` into ``target_id`` (see the module docstring)."""
    if source_id == target_id:
        raise ValidationError(MSG_SAME_CLIENT)
    locked = {client_id: _locked(client_id) for client_id in sorted((source_id, target_id))}
    source, target = locked[source_id], locked[target_id]
    for client in (source, target):
        if getattr(client, "anonymised_at", None) is not None:
            raise ValidationError(MSG_ANONYMISED % {"client_id": client.pk})
    _check_currencies(source, target, actor)
    moved = merge_preview(source, target).counts
    try:
        with transaction.atomic():
            _resolve_conflicts(source, target)
            merge_balances(source=source, target=target)
            for relation in client_relations():
                relation.related_model._base_manager.filter(
                    **{relation.field.name: source.pk}
                ).update(**{relation.field.name: target.pk})
    except IntegrityError as error:
        raise ValidationError(MSG_CONFLICT % {"error": str(error).splitlines()[0]}) from None
    if (
        source_as_contact
        and source.email.lower() != target.email.lower()
        and not Contact.objects.filter(client=target, email__iexact=source.email).exists()
    ):
        contact_create(
            client_id=target.pk,
            actor=actor,
            **{name: getattr(source, name) for name in PERSON_FIELDS},
        )
    record = ClientMerge.objects.create(
        source_id=source.pk,
        source_name=str(source),
        source_email=source.email,
        target=target,
        moved_counts=moved,
        **actor_fields(actor),
    )
    ClientEvent.objects.create(
        client=target,
        kind=ClientEvent.Kind.MERGED,
        field="merged client",
        new_value=f"#{source.pk} {source} <{source.email}>",
        **actor_fields(actor),
    )
    source.delete()
    return record
