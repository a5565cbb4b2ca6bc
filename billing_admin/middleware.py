"""Request checks that belong to no single view."""

from django.contrib import messages
from django.core.exceptions import BadRequest
from django.urls import reverse

from billing_admin.parsing import SEARCH_TRIMMED, bound_search

NUL_IN_QUERY = "The address contains a NUL character, which no search or filter accepts."


class RejectNulInQueryStringMiddleware:
    """Answer 400 to a query string holding a NUL character.

    PostgreSQL cannot take NUL in text, so a search box or list filter given one (``?q=%00``)
    would fail in the database with a 500. No URL of the project has a use for it. Form fields
    refuse NUL themselves (Django's ``ProhibitNullCharactersValidator``), with a field error.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any("\x00" in key or "\x00" in value for key, value in _query_items(request)):
            raise BadRequest(NUL_IN_QUERY)
        return self.get_response(request)


def _query_items(request):
    for key, values in request.GET.lists():
        for value in values:
            yield key, value


class BoundAdminSearchMiddleware:
    """Cut every admin list's search (``?q=``) to what billing_admin.parsing.bound_search keeps,
    and say so. Done once here, before any list reads the term, so every list (and Django's
    stock search as much as ours) is bounded the same way; the search box shows what was used.
    """

    SEARCH_PARAMETER = "q"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        term = request.GET.get(self.SEARCH_PARAMETER)
        if term and request.path.startswith(reverse("admin:index")):
            bounded = bound_search(term)
            if bounded != term:
                request.GET = request.GET.copy()
                request.GET[self.SEARCH_PARAMETER] = bounded
                messages.warning(request, SEARCH_TRIMMED)
        return self.get_response(request)
