from django.apps import AppConfig


class PlayConfig(AppConfig):
    name = "web.play"
    label = "play"
    verbose_name = "Human matches"
