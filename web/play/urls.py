from django.urls import path

from web.play import views

_competitor = "games/<slug:slug>/competitors/<slug:name>/"

urlpatterns = [
    path(f"{_competitor}revisions/<int:version>/play/", views.new_match, name="play-new"),
    path(f"{_competitor}human-matches.jsonl", views.human_matches, name="play-human-matches"),
    path("play/<int:pk>/", views.match_page, name="play-match"),
    path("play/<int:pk>/state.json", views.match_state, name="play-state"),
    path("play/<int:pk>/move", views.match_move, name="play-move"),
    path("play/<int:pk>/leave", views.match_leave, name="play-leave"),
]
