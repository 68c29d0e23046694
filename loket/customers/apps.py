from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "loket.customers"
    label = "customers"
