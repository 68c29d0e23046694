from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "loket.integrations"
    label = "integrations"
