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
