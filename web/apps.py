from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "web"

    def ready(self) -> None:
        # Imported here: models may be imported only once the apps are loaded.
        from web import notifications

        # A revision's or an edition's end tells its owners (by mail, by webhook).
        notifications.register()
