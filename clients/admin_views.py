"""Loading the client of a custom ClientAdmin view: one way for every mixin.

``@client_view(allowed)`` wraps a view ``view(self, request, client, ...)`` registered under
``<path:object_id>/...``: it gets the client as the admin's own change page does
(``get_object``), refuses with 403 unless ``allowed(self, request, client)`` (``client`` is None
for an id that names no client, so a user without the permission learns nothing), and answers a
missing client's URL with ``self.client_not_found(request, object_id)``: by default the client
list with Django's "doesn't exist" message, as the admin's change page does for a stale link
(a mixin may know better: a merged client's id leads to the client it went into).
"""

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.urls import reverse

MSG_CLIENT_MISSING = "Client with ID “%(key)s” doesn’t exist. Perhaps it was deleted?"


def client_not_found(modeladmin, request, object_id) -> HttpResponseRedirect:
    modeladmin.message_user(request, MSG_CLIENT_MISSING % {"key": object_id}, messages.WARNING)
    return HttpResponseRedirect(reverse("admin:clients_client_changelist"))


def client_view(allowed: Callable):
    def decorate(view):
        @wraps(view)
        def wrapper(self, request, object_id, *args, **kwargs):
            client = self.get_object(request, unquote(object_id))
            if not allowed(self, request, client):
                raise PermissionDenied
            if client is None:
                return self.client_not_found(request, object_id)
            return view(self, request, client, *args, **kwargs)

        return wrapper

    return decorate
