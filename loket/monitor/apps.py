from django.apps import AppConfig


class MonitorConfig(AppConfig):
    name = "loket.monitor"
    label = "monitor"
