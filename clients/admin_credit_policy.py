"""Bulk credit policy actions on the client list: "Set credit policy: <policy>".

Each action calls ``clients_bulk_set_credit_policy`` on the selection (the queryset Django hands
the action: the ticked rows, or every row the filtered list shows after "select all"). Nothing is
lost or moved by it and every change is in the history, so there is no confirmation page.
"""

from django.contrib import messages
from django.db import DatabaseError

from clients.models import Client
from clients.services import clients_bulk_set_credit_policy

BILLING_PERMISSION = "clients.change_client_billing"


def _set_policy_action(policy: str, label: str):
    def set_credit_policy_selected(modeladmin, request, queryset):
        # A subquery keeps the list's joins and ordering out of the locking update.
        selection = Client.objects.filter(pk__in=queryset.values("pk"))
        batches_done = []
        try:
            result = clients_bulk_set_credit_policy(
                clients=selection, policy=policy, actor=request.user, on_batch=batches_done.append
            )
        except DatabaseError as exc:
            # Batches commit on their own: say how far it got, as "Mark selected clients" does.
            return modeladmin.bulk_run_stopped(exc, policy, batches_done[-1:], what="credit policy")
        modeladmin.message_user(
            request,
            f"Credit policy set to “{label}” on {result.changed} clients "
            f"({result.already} already had it).",
            messages.SUCCESS,
        )

    name = f"set_credit_policy_{policy}_selected"
    set_credit_policy_selected.__name__ = name
    return set_credit_policy_selected, name, f"Set credit policy: {label}"


class CreditPolicyAdminMixin:
    """For ClientAdmin: one action per policy, for users who may change billing settings."""

    def get_actions(self, request):
        actions = super().get_actions(request)
        if request.user.has_perm(BILLING_PERMISSION):
            for policy, label in Client.CreditPolicy.choices:
                action = _set_policy_action(policy, label)
                actions[action[1]] = action
        return actions
