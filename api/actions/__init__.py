"""Every API action by its WHMCS name. Each handler is ``handler(params, *, actor) -> dict``:
it parses, calls a service or selector, and returns the action-specific response keys."""

from api.actions import clients, credits, invoices, lookups, transactions

ACTIONS = {
    "AddClient": clients.add_client,
    "UpdateClient": clients.update_client,
    "GetClients": clients.get_clients,
    "GetClientsDetails": clients.get_clients_details,
    "CloseClient": clients.close_client,
    "DeleteClient": clients.delete_client,
    "AddCredit": credits.add_credit,
    "GetCredits": credits.get_credits,
    "ApplyCredit": credits.apply_credit,
    "AddTransaction": transactions.add_transaction,
    "GetTransactions": transactions.get_transactions,
    "CreateInvoice": invoices.create_invoice,
    "GetInvoice": invoices.get_invoice,
    "GetInvoices": invoices.get_invoices,
    "UpdateInvoice": invoices.update_invoice,
    "AddInvoicePayment": invoices.add_invoice_payment,
    "GetClientGroups": lookups.get_client_groups,
    "GetCurrencies": lookups.get_currencies,
    "GetPaymentMethods": lookups.get_payment_methods,
}
ACTION_NAMES = tuple(ACTIONS)
_BY_LOWER_NAME = {name.lower(): (name, handler) for name, handler in ACTIONS.items()}


def find_action(sent_as: str):
    """(canonical name, handler) for an action name in any letter case; (None, None) if none."""
    return _BY_LOWER_NAME.get(sent_as.lower(), (None, None))
