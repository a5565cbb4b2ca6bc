"""Admin building blocks shared by the apps."""

from django.contrib import admin

from billing_admin.parsing import parse_positive_int


class AuditLogAdmin(admin.ModelAdmin):
    """An audit or ledger list: visible to those with the view permission, never writable.

    Not even a superuser may add, change or delete these rows through the admin; a mistake in a
    ledger is corrected by a new entry made through a service.
    """

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ClientIdSearchMixin:
    """A list of rows that belong to a client: a number in the search box is the client's id
    (the client_id index answers it); any other text goes to ``search_text()``."""

    def search_text(self, queryset, term: str):
        raise NotImplementedError

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        client_id = parse_positive_int(term)
        if client_id is not None:
            return queryset.filter(client_id=client_id), False
        return self.search_text(queryset, term), False
