"""Which fields of an existing client need a permission beyond ``clients.change_client``.

The one rule the admin's Profile form (those fields are read-only without it) and the API's
UpdateClient (refused with 403 without it) both apply, so a credential never changes what its
owner could not change in the admin. Creating a client needs only ``clients.add_client``: the
initial values are part of adding it, in the admin and in AddClient alike.
"""

STATUS_PERMISSION = "clients.change_client_status"
BALANCE_PERMISSION = "clients.adjust_client_balance"
BILLING_PERMISSION = "clients.change_client_billing"

# Client field -> the permission needed to change it.
FIELD_PERMISSIONS = {
    "status": STATUS_PERMISSION,
    "credit_balance": BALANCE_PERMISSION,
    "currency": BILLING_PERMISSION,
    "group": BILLING_PERMISSION,
    "tax_exempt": BILLING_PERMISSION,
    "override_auto_close": BILLING_PERMISSION,
    "credit_policy": BILLING_PERMISSION,
}


def fields_not_changeable_by(user, fields=FIELD_PERMISSIONS) -> list[str]:
    """Those of ``fields`` the user may not change on an existing client, in the given order."""
    return [
        field
        for field in fields
        if field in FIELD_PERMISSIONS and not user.has_perm(FIELD_PERMISSIONS[field])
    ]
