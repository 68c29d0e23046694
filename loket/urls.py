from django.urls import include, path

from loket.api.api import api

urlpatterns = [
    path("", include("loket.web.urls_auth")),
    path("api/v1/", api.urls),
    path("", include("loket.web.urls")),
]
