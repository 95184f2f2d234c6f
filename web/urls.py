from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from web.api import pages as api_pages
from web.play import urls as play_urls
from web.views import accounts, challenges, coach, competitors, duels, games, live, scoring

urlpatterns = (
    games.urlpatterns
    + accounts.urlpatterns
    + competitors.urlpatterns
    + coach.urlpatterns
    + duels.urlpatterns
    + live.urlpatterns
    + scoring.urlpatterns
    + play_urls.urlpatterns
    + challenges.urlpatterns
)

# The JSON API, its schema and docs pages; the API token page of the website.
urlpatterns += [path("api/v1/", include("web.api.urls")), *api_pages.urlpatterns]

# Browsers ask for /favicon.ico whatever the page links: send them to the site's SVG icon.
urlpatterns += [
    path(
        "favicon.ico",
        RedirectView.as_view(url=static("web/favicon.svg"), permanent=True),
        name="favicon",
    )
]
