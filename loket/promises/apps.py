from django.apps import AppConfig


class PromisesConfig(AppConfig):
    name = "loket.promises"
    label = "promises"
