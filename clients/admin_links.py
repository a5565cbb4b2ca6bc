"""The Client Summary's Quick Links box, which other apps' admin mixins extend.

A mixin adds a link by overriding ``get_quick_links(self, request, client)``, calling ``super()``
and appending a ``QuickLink`` only when the user may use it (the provider checks the permission,
so the box never shows a link that would answer 403). The page sorts the links by ``order``.
"""

from dataclasses import dataclass

from django.utils.html import format_html

from billing_admin.money import format_money
from billing_admin.object_urls import object_url

# Where the standard links sit; a mixin picks its slot from these.
ORDER_EDIT_PROFILE = 10
ORDER_MANAGE_CREDITS = 20
ORDER_WELCOME_EMAIL = 30
ORDER_DEFAULT = 50
ORDER_DELETE_CLIENT = 90


@dataclass(frozen=True)
class QuickLink:
    label: str
    url: str
    # A CSS class for the link: "danger" (red) for what cannot be undone, "caution" (amber) for
    # what changes a lot but can be reversed.
    css_class: str = ""
    # Opens in a Django admin popup window (``_popup=1``), like related-object popups.
    is_popup: bool = False
    # Sends a POST (a small form with a CSRF token) instead of following the link: for links
    # that change state directly, since a GET never does.
    is_post: bool = False
    order: int = ORDER_DEFAULT
    # Shown on its own below the others, past a rule, so it is not clicked for a neighbour.
    set_apart: bool = False


def client_summary_link(client) -> str:
    """The client's name linking to its Summary, as every list that names a client shows it."""
    url = object_url("admin:clients_client_summary", client.pk)
    return format_html('<a href="{}">{}</a>', url, client)


def balance_text(client) -> str:
    """The credit balance as the client list, Summary and Manage Credits show it ("12.50 USD")."""
    return f"{format_money(client.credit_balance)} {client.currency}"
