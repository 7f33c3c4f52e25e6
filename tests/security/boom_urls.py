"""The service's URLs plus one view that fails, to see the generic error page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import handler500
from config.urls import urlpatterns as service_urls


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("secret internal detail")


urlpatterns = [path("boom/", boom), *service_urls]
__all__ = ["handler500", "urlpatterns"]
