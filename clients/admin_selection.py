"""The client list's selection, carried from a list action to a page of its own.

An action only redirects: the selected ids travel in the URL, or, for "select all N", the list's
filters do (``select_across``), so the page after it works at any size. The bulk status pages and
the CSV export read the selection back with ``selected_clients()``.
"""

import copy

from django.contrib.admin.options import IncorrectLookupParameters
from django.db.models import QuerySet
from django.http import HttpResponseRedirect, QueryDict
from django.urls import reverse
from django.utils.http import urlencode

from billing_admin.parsing import parse_positive_int
from clients.models import Client

FILTERS_PARAM = "_changelist_filters"


def redirect_with_selection(request, queryset: QuerySet[Client], url: str) -> HttpResponseRedirect:
    """From a list action to ``url``, carrying the selection and the list's filters."""
    params = {FILTERS_PARAM: request.GET.urlencode()}
    if request.POST.get("select_across") == "1":
        params["select_across"] = "1"
    else:
        params["ids"] = ",".join(str(pk) for pk in queryset.values_list("pk", flat=True))
    return HttpResponseRedirect(f"{url}?{urlencode(params)}")


def changelist_url(request) -> str:
    """The client list as the user left it (search and filters)."""
    url = reverse("admin:clients_client_changelist")
    filters = request.GET.get(FILTERS_PARAM, "")
    return f"{url}?{filters}" if filters else url


def listed_clients(modeladmin, request, filters: str) -> QuerySet[Client] | None:
    """Every client the list shows with ``filters`` (its search and filters), or None when they
    no longer apply."""
    list_request = copy.copy(request)
    list_request.GET = QueryDict(filters)
    try:
        changelist = modeladmin.get_changelist_instance(list_request)
    except IncorrectLookupParameters:
        return None
    # A subquery keeps the list's joins and ordering out of what runs on the selection.
    return Client.objects.filter(pk__in=changelist.queryset.values("pk"))


def selected_clients(modeladmin, request) -> QuerySet[Client] | None:
    """The selected clients: the ids given, or everything the filtered list shows.

    None when the selection cannot be read (a hand-edited URL, filters that no longer apply).
    """
    if request.GET.get("select_across") == "1":
        return listed_clients(modeladmin, request, request.GET.get(FILTERS_PARAM, ""))
    ids = [parse_positive_int(pk) for pk in request.GET.get("ids", "").split(",")]
    if None in ids:
        return None
    return modeladmin.get_queryset(request).filter(pk__in=ids)
