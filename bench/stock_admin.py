"""What a Django team writes on day one: a plain ModelAdmin for Client on a second admin site.

The same columns as our list, ``icontains`` search on name, company and email, filters on status
and country, Django's default paginator (an exact COUNT(*) per page). The bench times it beside
ours on the same dataset in the same run (``make bench ARGS="--stock"``), so a newcomer sees what
the indexes, the estimated count and the search vector buy.
"""

from django.contrib import admin

from clients.models import Client


class StockClientAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "first_name",
        "last_name",
        "company_name",
        "email",
        "status",
        "credit_balance",
        "created_at",
    ]
    search_fields = [
        "first_name__icontains",
        "last_name__icontains",
        "company_name__icontains",
        "email__icontains",
    ]
    list_filter = ["status", "country"]


stock_site = admin.AdminSite(name="stock")
stock_site.register(Client, StockClientAdmin)
