"""``{% sticky_notes client %}``: the client's sticky notes as a warning banner.

``admin/billing_page.html`` shows it on every custom page whose context names a ``client`` (the
Summary, Manage Credits, the delete and close confirmations, the invoice pages); the Profile's
template includes it itself. One query (the partial index on sticky notes).
"""

from django import template

from clients.selectors import client_sticky_notes

register = template.Library()


@register.inclusion_tag("admin/clients/client/includes/sticky_notes.html")
def sticky_notes(client) -> dict:
    if not getattr(client, "pk", None):
        return {"notes": []}
    return {"notes": list(client_sticky_notes(client))}
