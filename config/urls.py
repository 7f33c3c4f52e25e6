from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from rvs.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("accounts/", include("rvs.accounts.urls")),
    path("", include("rvs.results.urls")),
    path("admin/", admin.site.urls),
]
