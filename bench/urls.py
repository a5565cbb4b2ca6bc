"""The project's URLs plus, for the side-by-side comparison only, the stock admin at /stock/."""

from django.urls import path

from bench.stock_admin import stock_site
from billing_admin.urls import handler500
from billing_admin.urls import urlpatterns as project_urls

urlpatterns = [*project_urls, path("stock/", stock_site.urls)]

__all__ = ["handler500", "urlpatterns"]
