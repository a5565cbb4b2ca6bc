"""Every API action by its WHMCS name, with the Django permissions its credential's owner
must hold: a credential never does more than its owner may do in the admin.

A leaf module: handlers are named by their dotted path under ``api.actions`` and imported the
first time they are called, so the credential services (which validate action names) and the
action handlers (which authenticate through those services) never import each other. Each
handler is ``handler(params, *, actor) -> dict``: it parses, calls a service or selector, and
returns the action-specific response keys.
"""

from functools import cache
from importlib import import_module
from typing import NamedTuple


class Action(NamedTuple):
    name: str
    # "module.function" under api.actions.
    handler_path: str
    permissions: tuple[str, ...]

    @property
    def handler(self):
        return _handler(self.handler_path)


@cache
def _handler(handler_path: str):
    module_name, _, function_name = handler_path.rpartition(".")
    return getattr(import_module(f"api.actions.{module_name}"), function_name)


ACTIONS = {
    action.name: action
    for action in (
        Action("AddClient", "clients.add_client", ("clients.add_client",)),
        Action("UpdateClient", "clients.update_client", ("clients.change_client",)),
        Action("GetClients", "clients.get_clients", ("clients.view_client",)),
        Action("GetClientsDetails", "clients.get_clients_details", ("clients.view_client",)),
        Action(
            "CloseClient",
            "clients.close_client",
            ("clients.change_client_status", "invoices.cancel_invoice"),
        ),
        Action("DeleteClient", "clients.delete_client", ("clients.delete_client",)),
        Action("AddContact", "contacts.add_contact", ("clients.add_contact",)),
        Action("UpdateContact", "contacts.update_contact", ("clients.change_contact",)),
        Action("DeleteContact", "contacts.delete_contact", ("clients.delete_contact",)),
        Action("GetContacts", "contacts.get_contacts", ("clients.view_contact",)),
        Action("AddClientNote", "contacts.add_client_note", ("clients.add_clientnote",)),
        Action("AddCredit", "credits.add_credit", ("clients.manage_client_credit",)),
        Action("GetCredits", "credits.get_credits", ("credits.view_creditentry",)),
        Action("ApplyCredit", "credits.apply_credit", ("invoices.apply_invoice_credit",)),
        Action("AddTransaction", "transactions.add_transaction", ("transactions.add_transaction",)),
        Action(
            "GetTransactions", "transactions.get_transactions", ("transactions.view_transaction",)
        ),
        Action(
            "UpdateTransaction",
            "transactions.update_transaction",
            ("transactions.change_transaction",),
        ),
        Action("CreateInvoice", "invoices.create_invoice", ("invoices.add_invoice",)),
        Action("GetInvoice", "invoices.get_invoice", ("invoices.view_invoice",)),
        Action("GetInvoices", "invoices.get_invoices", ("invoices.view_invoice",)),
        # Cancelling and setting the credit need their own permissions too (see the handler).
        Action("UpdateInvoice", "invoices.update_invoice", ("invoices.change_invoice",)),
        Action(
            "AddInvoicePayment",
            "invoices.add_invoice_payment",
            ("invoices.record_invoice_payment",),
        ),
        Action("GetClientGroups", "lookups.get_client_groups", ("clients.view_clientgroup",)),
        Action("GetCurrencies", "lookups.get_currencies", ()),
        Action("GetPaymentMethods", "lookups.get_payment_methods", ()),
    )
}
ACTION_NAMES = tuple(ACTIONS)
_BY_LOWER_NAME = {name.lower(): action for name, action in ACTIONS.items()}


def find_action(sent_as: str) -> Action | None:
    """The action for a name in any letter case; None if there is none."""
    return _BY_LOWER_NAME.get(sent_as.lower())
