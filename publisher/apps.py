from django.apps import AppConfig


class PublisherConfig(AppConfig):
    name = "publisher"

    def ready(self) -> None:
        from publisher import checks  # noqa: F401 - registers the system checks
