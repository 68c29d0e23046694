from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "loket.events"
    label = "events"
