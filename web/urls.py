from web.views import accounts, competitors, duels, games

urlpatterns = games.urlpatterns + accounts.urlpatterns + competitors.urlpatterns + duels.urlpatterns
