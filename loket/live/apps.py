from django.apps import AppConfig


class LiveConfig(AppConfig):
    name = "loket.live"
    label = "live"
