"""Admin building blocks shared by the apps."""

from django.contrib import admin


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
