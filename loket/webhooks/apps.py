from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "loket.webhooks"
    label = "webhooks"
