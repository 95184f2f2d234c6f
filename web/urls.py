from web.views import accounts, competitors, duels, games, live

urlpatterns = (
    games.urlpatterns
    + accounts.urlpatterns
    + competitors.urlpatterns
    + duels.urlpatterns
    + live.urlpatterns
)
