from django.contrib import admin
from django.urls import include, path

# Stored files (zips, duel JSON, logs) are never served as plain media: the views that hand
# them out check who may see them.
urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("web.urls")),
]
