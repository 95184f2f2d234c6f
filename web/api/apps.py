from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "web.api"
    label = "api"
    verbose_name = "JSON API"

    def ready(self) -> None:
        # Registers the token scheme with drf-spectacular, so the schema documents it.
        from web.api import authentication  # noqa: F401
