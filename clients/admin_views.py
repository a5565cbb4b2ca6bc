"""Loading the client of a custom ClientAdmin view: one way for every mixin.

``@client_view(allowed)`` wraps a view ``view(self, request, client, ...)`` registered under
``<path:object_id>/...``: it gets the client as the admin's own change page does
(``get_object``), refuses with 403 unless ``allowed(self, request, client)`` (``client`` is None
for an id that names no client, so a user without the permission learns nothing), and sends a
missing client's URL back to the client list with Django's "doesn't exist" message, as the
admin's change page does for a stale link.
"""

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse

MSG_CLIENT_MISSING = "Client with ID “%(key)s” doesn’t exist. Perhaps it was deleted?"


def client_view(allowed: Callable):
    def decorate(view):
        @wraps(view)
        def wrapper(self, request, object_id, *args, **kwargs):
            client = self.get_object(request, unquote(object_id))
            if not allowed(self, request, client):
                raise PermissionDenied
            if client is None:
                self.message_user(
                    request, MSG_CLIENT_MISSING % {"key": object_id}, messages.WARNING
                )
                return HttpResponseRedirect(reverse("admin:clients_client_changelist"))
            return view(self, request, client, *args, **kwargs)

        return wrapper

    return decorate
