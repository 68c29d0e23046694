from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "loket.demo"
    label = "demo"
