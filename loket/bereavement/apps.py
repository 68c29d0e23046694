from django.apps import AppConfig


class BereavementConfig(AppConfig):
    name = "loket.bereavement"
    verbose_name = "Overlijden"
