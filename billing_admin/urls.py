from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

from api.views import api_endpoint

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("admin/", admin.site.urls),
    # The WHMCS-compatible API, at the paths WHMCS tooling posts to.
    path("includes/api.php", api_endpoint, name="api"),
    path("api.php", api_endpoint),
]

# Failures that are not the caller's: a friendly page (503 while the database is unreachable).
handler500 = "billing_admin.errors.server_error"
